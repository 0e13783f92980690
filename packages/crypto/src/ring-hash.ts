// The two hashes of ring-go's secp256k1 ring signatures, as the decred backend computes them.

import { sha3_256, sha3_512 } from '@noble/hashes/sha3.js'
import { bigIntTo32Bytes, bytesToBigInt } from './bytes.js'
import { CryptoError } from './errors.js'
import { N, P } from './field.js'
import type { Secp256k1Binding } from './native-binding.js'
import { type Affine, liftX } from './point.js'

/** ring-go gives up after this many hash iterations (and returns nil). */
const HASH_TO_CURVE_ATTEMPTS = 128

/**
 * H_p(P): ring-go's try-and-increment hash-to-curve (not RFC 9380). x = SHA3-256(P), then
 * x = SHA3-256(x) until x³ + 7 is a square; the point takes the even y.
 */
export function hashToCurve(compressedKey: Uint8Array): Affine {
  let h = sha3_256(compressedKey)
  for (let i = 0; i < HASH_TO_CURVE_ATTEMPTS; i++) {
    // decred's FieldVal.SetBytes reduces mod p (x ≥ p has probability about 2^-224).
    const point = liftX(bytesToBigInt(h) % P, false)
    if (point !== undefined) return point
    h = sha3_256(h)
  }
  throw new CryptoError('HASH_TO_CURVE_FAILED', 'Hash-to-curve found no point in 128 attempts.')
}

/**
 * `hashToCurve` on libsecp256k1, as 33 compressed bytes (02 ‖ x: the even y). The square test is
 * the library's validation of 02 ‖ x, which accepts exactly the x whose x³ + 7 is a square, and
 * costs a few microseconds where a BigInt square root costs tens.
 */
export function hashToCurveNative(
  binding: Secp256k1Binding,
  compressedKey: Uint8Array,
): Uint8Array {
  let h = sha3_256(compressedKey)
  const candidate = new Uint8Array(33)
  candidate[0] = 0x02
  for (let i = 0; i < HASH_TO_CURVE_ATTEMPTS; i++) {
    const x = bytesToBigInt(h)
    candidate.set(x >= P ? bigIntTo32Bytes(x % P) : h, 1)
    if (binding.publicKeyVerify(candidate)) return candidate
    h = sha3_256(h)
  }
  throw new CryptoError('HASH_TO_CURVE_FAILED', 'Hash-to-curve found no point in 128 attempts.')
}

/** A challenge scalar, and whether decred's left-alignment changed it. */
export type ChallengeScalar = { scalar: bigint; shifted: boolean }

/**
 * go-dleq's decred `HashToScalar`: v = SHA3-512(t) mod n, whose minimal big-endian bytes are
 * copied into the LEFT of a 32-byte buffer. When v < 2^248 (about 1 in 256) the scalar is
 * therefore v shifted left by whole bytes. A result ≥ n makes Go panic; that is reported as
 * `CHALLENGE_OUT_OF_RANGE`.
 */
export function hashToScalar(input: Uint8Array): ChallengeScalar {
  const v = bytesToBigInt(sha3_512(input)) % N
  if (v === 0n) return { scalar: 0n, shifted: false }
  const bytes = (v.toString(16).length + 1) >> 1
  if (bytes === 32) return { scalar: v, shifted: false }
  const scalar = v << BigInt(8 * (32 - bytes))
  if (scalar >= N) {
    throw new CryptoError(
      'CHALLENGE_OUT_OF_RANGE',
      'Challenge is out of range for the decred backend.',
    )
  }
  return { scalar, shifted: true }
}
