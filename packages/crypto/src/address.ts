// Cosmos account addresses: ripemd160(sha256(compressed public key)), bech32 with prefix `pokt`.

import { ripemd160 } from '@noble/hashes/legacy.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bech32 } from '@scure/base'
import { isBytes } from './bytes.js'
import { CryptoError } from './errors.js'
import { getPublicKey } from './keys.js'
import { decodePoint, encodeCompressed } from './point.js'

/** The bech32 prefix of POKT Shannon account addresses. */
export const POKT_ADDRESS_PREFIX = 'pokt'

// Cosmos allows addresses up to 255 bytes (module accounts use 32); bech32 strings can be long.
const MAX_BECH32_LENGTH = 1023

/** The 20-byte account address of a public key (cosmos `PubKey.Address()`). */
export function getAddressBytes(publicKey: Uint8Array): Uint8Array {
  const point = isBytes(publicKey) ? decodePoint(publicKey) : undefined
  if (point === undefined) {
    throw new CryptoError('INVALID_PUBLIC_KEY', 'Not a valid secp256k1 public key.')
  }
  // Cosmos hashes the 33-byte compressed form, whatever form the key came in.
  return ripemd160(sha256(encodeCompressed(point)))
}

/** The bech32 address (`pokt1…`) of a public key. */
export function pubkeyToAddress(
  publicKey: Uint8Array,
  prefix: string = POKT_ADDRESS_PREFIX,
): string {
  return encodeAddress(getAddressBytes(publicKey), prefix)
}

/** The bech32 address (`pokt1…`) of a private key. */
export function getAddress(privateKey: Uint8Array, prefix: string = POKT_ADDRESS_PREFIX): string {
  return pubkeyToAddress(getPublicKey(privateKey), prefix)
}

/** Bech32-encodes address bytes. */
export function encodeAddress(bytes: Uint8Array, prefix: string = POKT_ADDRESS_PREFIX): string {
  if (!isBytes(bytes) || bytes.length === 0 || bytes.length > 255) {
    throw new CryptoError('INVALID_ADDRESS', 'Address bytes must be 1 to 255 bytes.')
  }
  try {
    return bech32.encode(prefix, bech32.toWords(bytes), MAX_BECH32_LENGTH)
  } catch (error) {
    throw new CryptoError('INVALID_ADDRESS', 'Cannot bech32-encode the address.', { cause: error })
  }
}

/** Decodes a bech32 address; with `prefix`, also requires that prefix. */
export function decodeAddress(
  address: string,
  prefix?: string,
): { prefix: string; bytes: Uint8Array } {
  let decoded: { prefix: string; words: number[] }
  try {
    if (typeof address !== 'string') throw new TypeError('not a string')
    decoded = bech32.decode(address as `${string}1${string}`, MAX_BECH32_LENGTH)
  } catch (error) {
    throw new CryptoError('INVALID_ADDRESS', 'Not a bech32 address.', { cause: error })
  }
  if (prefix !== undefined && decoded.prefix !== prefix) {
    throw new CryptoError('INVALID_ADDRESS', 'Address has the wrong prefix.', {
      details: `expected ${prefix}, got ${decoded.prefix}`,
    })
  }
  let bytes: Uint8Array
  try {
    bytes = bech32.fromWords(decoded.words)
  } catch (error) {
    throw new CryptoError('INVALID_ADDRESS', 'Address has invalid padding.', { cause: error })
  }
  if (bytes.length === 0 || bytes.length > 255) {
    throw new CryptoError('INVALID_ADDRESS', 'Address must be 1 to 255 bytes.')
  }
  return { prefix: decoded.prefix, bytes }
}

/** Whether `address` is a valid bech32 address with the given prefix (`pokt` by default). */
export function isAddress(address: string, prefix: string = POKT_ADDRESS_PREFIX): boolean {
  try {
    decodeAddress(address, prefix)
    return true
  } catch {
    return false
  }
}
