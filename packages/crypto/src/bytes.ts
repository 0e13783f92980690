import { bytesToHex as nobleBytesToHex } from '@noble/hashes/utils.js'
import { CryptoError } from './errors.js'

const hexPattern = /^(?:[0-9a-fA-F]{2})*$/

/** Lower-case hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  return nobleBytesToHex(bytes)
}

/** Decodes hex (an optional `0x` prefix is allowed) or throws `INVALID_HEX`. */
export function hexToBytes(hex: string): Uint8Array {
  if (typeof hex !== 'string') throw new CryptoError('INVALID_HEX', 'Expected a hex string.')
  const body = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex
  if (!hexPattern.test(body)) {
    throw new CryptoError('INVALID_HEX', 'Not an even-length hex string.', {
      details: `length ${body.length}`,
    })
  }
  const out = new Uint8Array(body.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(body.slice(2 * i, 2 * i + 2), 16)
  return out
}

export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array
}

export function assertBytes(
  value: unknown,
  what: string,
  length?: number,
): asserts value is Uint8Array {
  if (!isBytes(value)) throw new CryptoError('INVALID_INPUT', `Expected ${what} as a Uint8Array.`)
  if (length !== undefined && value.length !== length) {
    throw new CryptoError('INVALID_INPUT', `Expected ${what} of ${length} bytes.`, {
      details: `got ${value.length} bytes`,
    })
  }
}

/** Big-endian unsigned integer of `bytes` (0 for no bytes). */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${nobleBytesToHex(bytes)}`)
}

/** `value` as 32 big-endian bytes; `value` must be in [0, 2^256). */
export function bigIntTo32Bytes(value: bigint): Uint8Array {
  return writeBigInt32(value, new Uint8Array(32), 0)
}

// Hex digit values by character code ('0'-'9', 'a'-'f': what bigint's toString(16) writes).
const HEX_VALUE = new Uint8Array(128)
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i

/** Writes `value` as 32 big-endian bytes into `out` at `offset`. */
export function writeBigInt32(value: bigint, out: Uint8Array, offset: number): Uint8Array {
  // One toString and a table, not a parse per byte: this runs on every signature.
  const hex = value.toString(16)
  out.fill(0, offset, offset + 32)
  let at = offset + 32 - ((hex.length + 1) >> 1)
  let i = 0
  if (hex.length & 1) out[at++] = HEX_VALUE[hex.charCodeAt(i++)]!
  for (; i < hex.length; i += 2) {
    out[at++] = (HEX_VALUE[hex.charCodeAt(i)]! << 4) | HEX_VALUE[hex.charCodeAt(i + 1)]!
  }
  return out
}

/**
 * Whether the 32 bytes at `offset` are a big-endian integer below `limit` (32 bytes). No
 * early exit, so that checking a private key's range takes the same time whatever the key.
 */
export function isBelow32(bytes: Uint8Array, offset: number, limit: Uint8Array): boolean {
  // bytes − limit from the last byte to the first: a final borrow means bytes < limit.
  let borrow = 0
  for (let i = 31; i >= 0; i--) borrow = ((bytes[offset + i]! - limit[i]! - borrow) >>> 31) & 1
  return borrow === 1
}

/** Whether the 32 bytes at `offset` are all zero, without an early exit. */
export function isZero32(bytes: Uint8Array, offset: number): boolean {
  let any = 0
  for (let i = 0; i < 32; i++) any |= bytes[offset + i]!
  return any === 0
}
