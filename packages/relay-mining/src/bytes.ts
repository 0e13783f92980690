// Byte and bit helpers shared by the trie, the proofs and the gob codec (internal).

const U64_MASK = (1n << 64n) - 1n

/** Bit `i` of `bytes`, most significant bit first (smt `getPathBit`). */
export function getBit(bytes: Uint8Array, i: number): number {
  return ((bytes[i >> 3] as number) >> (7 - (i & 7))) & 1
}

/** Flips bit `i` in place (smt `flipPathBit`). */
export function flipBit(bytes: Uint8Array, i: number): void {
  bytes[i >> 3] = (bytes[i >> 3] as number) ^ (1 << (7 - (i & 7)))
}

/** Sets bit `i` in place (smt `setPathBit`). */
export function setBit(bytes: Uint8Array, i: number): void {
  bytes[i >> 3] = (bytes[i >> 3] as number) | (1 << (7 - (i & 7)))
}

/**
 * A plain Uint8Array copy of `bytes[start..end)`. Not `slice()`: on a Node Buffer that is a
 * view, and callers' arrays must never be aliased (or flipped in place).
 */
export function copy(bytes: Uint8Array, start?: number, end?: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end))
}

/** Go `bytes.Compare`: lexicographic, a proper prefix sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

export function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false
  return true
}

/** Index of the first bit at or after `from` where `a` and `b` differ, or `end` if none before it. */
export function firstDifferentBit(a: Uint8Array, b: Uint8Array, from: number, end: number): number {
  let i = from
  // Bit by bit up to a byte boundary, then whole bytes.
  while (i < end && (i & 7) !== 0) {
    if (getBit(a, i) !== getBit(b, i)) return i
    i++
  }
  while (i + 8 <= end) {
    const x = (a[i >> 3] as number) ^ (b[i >> 3] as number)
    if (x !== 0) return i + Math.clz32(x) - 24
    i += 8
  }
  while (i < end) {
    if (getBit(a, i) !== getBit(b, i)) return i
    i++
  }
  return end
}

/** Big-endian uint64 at `offset`, as a bigint. */
export function readU64(bytes: Uint8Array, offset: number): bigint {
  let v = 0n
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(bytes[offset + i] as number)
  return v
}

/** Writes `value` (already in uint64 range) big-endian at `offset`. */
export function writeU64(bytes: Uint8Array, offset: number, value: bigint): void {
  // Two 32-bit halves: every update writes a weight, and bigint operations allocate.
  writeU32(bytes, offset, Number(value >> 32n))
  writeU32(bytes, offset + 4, Number(value & 0xffffffffn))
}

export function u64Bytes(value: bigint): Uint8Array {
  const out = new Uint8Array(8)
  writeU64(out, 0, value & U64_MASK)
  return out
}

export function isU64(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= 0n && value <= U64_MASK
}

/** Big-endian unsigned integer of any length. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n
  for (let i = 0; i < bytes.length; i++) v = (v << 8n) | BigInt(bytes[i] as number)
  return v
}

/**
 * Adds two 8-byte big-endian uint64 fields with Go's wrapping arithmetic, writing the result at
 * `out[outOffset..+8]`. Works on 32-bit halves so the hot path never allocates a bigint.
 */
export function addU64Into(
  a: Uint8Array,
  aOffset: number,
  b: Uint8Array,
  bOffset: number,
  out: Uint8Array,
  outOffset: number,
): void {
  const aHi = readU32(a, aOffset)
  const aLo = readU32(a, aOffset + 4)
  const bHi = readU32(b, bOffset)
  const bLo = readU32(b, bOffset + 4)
  const lo = aLo + bLo
  const carry = lo > 0xffffffff ? 1 : 0
  const hi = (aHi + bHi + carry) >>> 0
  writeU32(out, outOffset, hi)
  writeU32(out, outOffset + 4, lo >>> 0)
}

function readU32(bytes: Uint8Array, offset: number): number {
  return (
    (((bytes[offset] as number) << 24) |
      ((bytes[offset + 1] as number) << 16) |
      ((bytes[offset + 2] as number) << 8) |
      (bytes[offset + 3] as number)) >>>
    0
  )
}

function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24
  bytes[offset + 1] = (value >>> 16) & 0xff
  bytes[offset + 2] = (value >>> 8) & 0xff
  bytes[offset + 3] = value & 0xff
}

/** Lowercase hex, used as a map key (stores) and in error details. */
export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] as number]
  return s
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
