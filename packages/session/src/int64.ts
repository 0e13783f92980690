// Go's fixed-width integer semantics on bigint. Every value that Go holds in an int64 or
// uint64 passes through these, so wrap-around happens exactly where Go's does.

export const toInt64 = (v: bigint): bigint => BigInt.asIntN(64, v)
export const toUint64 = (v: bigint): bigint => BigInt.asUintN(64, v)

export const MAX_UINT64 = (1n << 64n) - 1n

/** Go's `/` on int64: truncates toward zero and wraps (MinInt64 / -1 == MinInt64). */
export const divInt64 = (a: bigint, b: bigint): bigint => toInt64(a / b)

/** Floor division (Go's big.Int Div for a positive divisor). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n
  for (const b of bytes) v = (v << 8n) | BigInt(b)
  return v
}

/** Minimal big-endian bytes of |v| (Go's big.Int Bytes: zero is empty). */
export function bigIntToBytes(v: bigint): Uint8Array {
  let x = v < 0n ? -v : v
  const out: number[] = []
  while (x > 0n) {
    out.push(Number(x & 0xffn))
    x >>= 8n
  }
  return Uint8Array.from(out.reverse())
}

export function bitLength(v: bigint): number {
  return v === 0n ? 0 : (v < 0n ? -v : v).toString(2).length
}

/** Lexicographic byte comparison (Go's bytes.Compare). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}
