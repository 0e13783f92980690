// secp256k1 keys as the cosmos SDK (and so `pocketd keys`) makes and stores them.

import { secp256k1 } from '@noble/curves/secp256k1.js'
import { HDKey } from '@scure/bip32'
import {
  generateMnemonic as bip39Generate,
  mnemonicToSeedSync,
  validateMnemonic,
} from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { nativeBinding } from './backend.js'
import { bytesToBigInt, bytesToHex, hexToBytes, isBelow32, isBytes, isZero32 } from './bytes.js'
import { CryptoError, isCryptoError } from './errors.js'
import { N, N_BYTES } from './field.js'
import { encodeCompressed } from './point.js'
import { type SecretKeyBytes, type SecretScalar, toSecretScalar } from './scalar.js'
import { multiplyBaseSecret, multiplyBaseSecretNative } from './secret-multiply.js'

/** The cosmos SDK's default HD path (coin type 118), which `pocketd keys add` uses. */
export const COSMOS_HD_PATH = "m/44'/118'/0'/0/0"

/** The private key as a secret scalar in [1, n), or `INVALID_PRIVATE_KEY`. */
export function parsePrivateKey(privateKey: Uint8Array): SecretScalar {
  if (!isBytes(privateKey) || privateKey.length !== 32) {
    throw new CryptoError('INVALID_PRIVATE_KEY', 'A private key is 32 bytes.', {
      details: isBytes(privateKey) ? `got ${privateKey.length} bytes` : 'not a Uint8Array',
    })
  }
  const x = bytesToBigInt(privateKey)
  if (x === 0n || x >= N) {
    throw new CryptoError('INVALID_PRIVATE_KEY', 'Private key is out of range [1, n).')
  }
  return toSecretScalar(x)
}

/**
 * The private key as validated bytes, for libsecp256k1 (no bigint made), or
 * `INVALID_PRIVATE_KEY`. The range check has no early exit.
 */
export function parsePrivateKeyBytes(privateKey: Uint8Array): SecretKeyBytes {
  if (!isBytes(privateKey) || privateKey.length !== 32) {
    throw new CryptoError('INVALID_PRIVATE_KEY', 'A private key is 32 bytes.', {
      details: isBytes(privateKey) ? `got ${privateKey.length} bytes` : 'not a Uint8Array',
    })
  }
  if (isZero32(privateKey, 0) || !isBelow32(privateKey, 0, N_BYTES)) {
    throw new CryptoError('INVALID_PRIVATE_KEY', 'Private key is out of range [1, n).')
  }
  return privateKey as SecretKeyBytes
}

/** A fresh random private key (32 bytes) from the platform's secure random source. */
export function generatePrivateKey(): Uint8Array {
  return secp256k1.utils.randomSecretKey()
}

/** Parses a hex private key (as `pocketd keys export --unarmored-hex --unsafe` prints it). */
export function privateKeyFromHex(hex: string): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = hexToBytes(hex)
  } catch (error) {
    throw new CryptoError('INVALID_PRIVATE_KEY', 'Private key is not hex.', { cause: error })
  }
  parsePrivateKey(bytes)
  return bytes
}

/** Lower-case hex of a private key (64 characters). */
export function privateKeyToHex(privateKey: Uint8Array): string {
  parsePrivateKey(privateKey)
  return bytesToHex(privateKey)
}

/** A new English BIP39 mnemonic; 24 words by default, as `pocketd keys add` makes. */
export function generateMnemonic(words: 12 | 15 | 18 | 21 | 24 = 24): string {
  if (![12, 15, 18, 21, 24].includes(words)) {
    throw new CryptoError('INVALID_INPUT', 'A mnemonic has 12, 15, 18, 21 or 24 words.')
  }
  return bip39Generate(wordlist, (words / 3) * 32)
}

export type MnemonicOptions = {
  /** BIP39 passphrase ("25th word"); empty by default, as in `pocketd keys add`. */
  passphrase?: string
  /** BIP32 path; `COSMOS_HD_PATH` (m/44'/118'/0'/0/0) by default. */
  path?: string
}

/**
 * The private key a cosmos keyring derives from an English BIP39 mnemonic: BIP39 seed, then
 * BIP32 along `m/44'/118'/0'/0/0` (so `pocketd keys add --recover` keys import unchanged).
 */
export function privateKeyFromMnemonic(
  mnemonic: string,
  options: MnemonicOptions = {},
): Uint8Array {
  const { passphrase = '', path = COSMOS_HD_PATH } = options
  if (typeof mnemonic !== 'string' || !validateMnemonic(mnemonic, wordlist)) {
    throw new CryptoError('INVALID_MNEMONIC', 'Not a valid English BIP39 mnemonic.')
  }
  const seed = mnemonicToSeedSync(mnemonic, passphrase)
  let key: Uint8Array | null
  try {
    key = HDKey.fromMasterSeed(seed).derive(path).privateKey
  } catch (error) {
    if (isCryptoError(error)) throw error
    throw new CryptoError('INVALID_HD_PATH', 'Cannot derive along this HD path.', {
      details: String(path),
      cause: error,
    })
  }
  if (key === null) throw new CryptoError('INVALID_HD_PATH', 'HD path yields no private key.')
  return key
}

/** The 33-byte compressed public key (the form cosmos stores and poktroll's rings use). */
export function getPublicKey(privateKey: Uint8Array): Uint8Array {
  const x = parsePrivateKey(privateKey)
  const binding = nativeBinding()
  if (binding !== undefined) return multiplyBaseSecretNative(binding, x)
  return encodeCompressed(multiplyBaseSecret(x))
}
