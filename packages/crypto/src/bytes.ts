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

/** Writes `value` as 32 big-endian bytes into `out` at `offset`. */
export function writeBigInt32(value: bigint, out: Uint8Array, offset: number): Uint8Array {
  const hex = value.toString(16).padStart(64, '0')
  for (let i = 0; i < 32; i++) out[offset + i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}
