import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { createGoRand } from './go-rand.js'
import { toInt64 } from './int64.js'

/**
 * Go's `binary.Varint`: a zig-zag varint read from the front of `bytes`. `length` is the
 * number of bytes read, 0 when `bytes` ends first, and negative on overflow (value 0).
 */
export function readGoVarint(bytes: Uint8Array): { value: bigint; length: number } {
  let x = 0n
  let shift = 0n
  for (let i = 0; i < bytes.length; i++) {
    if (i === 10) return { value: 0n, length: -(i + 1) }
    const b = bytes[i]!
    if (b < 0x80) {
      if (i === 9 && b > 1) return { value: 0n, length: -(i + 1) }
      return { value: unzigzag(x | (BigInt(b) << shift)), length: i + 1 }
    }
    x |= BigInt(b & 0x7f) << shift
    shift += 7n
  }
  return { value: 0n, length: 0 }
}

function unzigzag(ux: bigint): bigint {
  const x = ux >> 1n
  return toInt64(ux & 1n ? ~x : x)
}

function seedFrom(parts: readonly Uint8Array[]): bigint {
  return readGoVarint(sha256(concatBytes(...parts))).value
}

/**
 * poktroll's `SeededFloat64`: Go math/rand seeded with the varint read from SHA-256 of the
 * concatenated parts, first Float64. It decides probabilistic proof requirements.
 */
export function seededFloat64(...parts: Uint8Array[]): number {
  return createGoRand(seedFrom(parts)).float64()
}

/** poktroll's `SeededInt63`: as {@link seededFloat64}, first Int63 of the source. */
export function seededInt63(...parts: Uint8Array[]): bigint {
  return createGoRand(seedFrom(parts)).int63()
}
