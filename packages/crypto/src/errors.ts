import { BaseError, createErrorGuard } from '@decai/core'

/** Stable codes of every error `@decai/crypto` raises. Callers branch on these, never on text. */
export const cryptoErrorCodes = {
  /** An argument has the wrong type or shape (not a `Uint8Array`, not a string, ...). */
  INVALID_INPUT: 'INVALID_INPUT',
  /** Not valid hexadecimal. */
  INVALID_HEX: 'INVALID_HEX',
  /** A private key is not 32 bytes or not in [1, n). */
  INVALID_PRIVATE_KEY: 'INVALID_PRIVATE_KEY',
  /** A public key is not a valid SEC1 encoding of a secp256k1 point. */
  INVALID_PUBLIC_KEY: 'INVALID_PUBLIC_KEY',
  /** A BIP39 mnemonic has an unknown word or a bad checksum. */
  INVALID_MNEMONIC: 'INVALID_MNEMONIC',
  /** A BIP32 derivation path is malformed. */
  INVALID_HD_PATH: 'INVALID_HD_PATH',
  /** Not a bech32 address, or not one with the expected prefix. */
  INVALID_ADDRESS: 'INVALID_ADDRESS',
  /** A message to sign or verify has the wrong length (ring signatures sign 32 bytes). */
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  /** A ring has fewer than two members, so it cannot be signed over. */
  RING_TOO_SMALL: 'RING_TOO_SMALL',
  /** The signer's public key is not a member of the ring. */
  SIGNER_NOT_IN_RING: 'SIGNER_NOT_IN_RING',
  /** A serialized ring signature declares a ring of size 0 (ring-go panics on it). */
  RING_SIGNATURE_EMPTY_RING: 'RING_SIGNATURE_EMPTY_RING',
  /** A serialized ring signature declares more members than the configured maximum. */
  RING_SIGNATURE_TOO_LARGE: 'RING_SIGNATURE_TOO_LARGE',
  /** A serialized ring signature is shorter than its declared ring size needs. */
  RING_SIGNATURE_TRUNCATED: 'RING_SIGNATURE_TRUNCATED',
  /** A key image or ring member is not a valid compressed secp256k1 point. */
  RING_SIGNATURE_INVALID_POINT: 'RING_SIGNATURE_INVALID_POINT',
  /**
   * A challenge reduced to a value the decred backend refuses (ring-go panics with "hash should
   * not be reduced twice"); about 2^-128 per challenge, so signing simply retries.
   */
  CHALLENGE_OUT_OF_RANGE: 'CHALLENGE_OUT_OF_RANGE',
  /** Hash-to-curve found no point in 128 attempts (about 2^-128; ring-go returns nil). */
  HASH_TO_CURVE_FAILED: 'HASH_TO_CURVE_FAILED',
  /**
   * A prepared ring-signature nonce was given to `sign` a second time: a nonce signs at most once
   * (two signatures with one nonce give the private key away). Prepare a fresh one.
   */
  RING_NONCE_REUSED: 'RING_NONCE_REUSED',
  /** A prepared nonce given to `sign` was not made by that signer's `prepare()`. */
  RING_NONCE_FOREIGN: 'RING_NONCE_FOREIGN',
  /** `DECAI_CRYPTO_BACKEND` (or `setCryptoBackend`) names no backend: use pure, native or auto. */
  INVALID_CRYPTO_BACKEND: 'INVALID_CRYPTO_BACKEND',
  /**
   * The native backend was required (`DECAI_CRYPTO_BACKEND=native`) but libsecp256k1 does not
   * load: not on Node, or the optional `secp256k1` package is missing or has no build here.
   */
  NATIVE_BACKEND_UNAVAILABLE: 'NATIVE_BACKEND_UNAVAILABLE',
} as const

export type CryptoErrorCode = (typeof cryptoErrorCodes)[keyof typeof cryptoErrorCodes]

export type CryptoErrorParameters = {
  details?: string | undefined
  cause?: unknown
}

/** The one error class of `@decai/crypto`; branch on `code`. */
export class CryptoError extends BaseError<CryptoErrorCode> {
  override readonly name = 'CryptoError'

  constructor(code: CryptoErrorCode, shortMessage: string, parameters: CryptoErrorParameters = {}) {
    const { details, cause } = parameters
    super(code, shortMessage, { details, cause, docsPath: 'packages/crypto/README.md#errors' })
  }
}

/** Shape check rather than `instanceof`, so it holds across duplicate copies of the package. */
export const isCryptoError = createErrorGuard<CryptoError>('CryptoError')
