// The constant-time scalar multiplications: the only place a secret scalar meets a point, on
// either backend.
//
// It is noble's `Point.multiply`: a fixed number of complete additions whatever the scalar, every
// table entry of a window read before one is picked, and the scalar blinded by a random multiple
// of n. It is several times slower than the fast path in point.ts, which is why the fast path
// stays for public scalars. BigInt arithmetic itself is not constant-time in JavaScript, so this
// is the algorithmic guarantee; a native backend can take over behind these two functions.

import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bigIntTo32Bytes } from './bytes.js'
import type { Secp256k1Binding } from './native-binding.js'
import { type Affine, G } from './point.js'
import type { SecretKeyBytes, SecretScalar } from './scalar.js'

type NoblePoint = ReturnType<typeof secp256k1.Point.fromAffine>

/** A point prepared for constant-time multiplication by secret scalars. */
export type SecretBase = { readonly point: Affine; readonly noble: NoblePoint }

// noble's window for points multiplied many times: 8 bits makes 49 additions per (blinded,
// 384-bit) scalar against 65 at noble's default of 6, for a table of about 1 MB built in tens of
// milliseconds. Measured on secp256k1: about 25 % faster per multiplication than 6, and 10 bits
// gains almost nothing more for four times the table.
const WINDOW = 8

/**
 * Prepares `point` for multiplication by secret scalars. With `reuse` the base builds its window
 * table on first use and keeps it (for a signer's points); without it every multiplication runs
 * noble's table-less fixed-window ladder (for a point used once or twice).
 */
export function prepareSecretBase(point: Affine, reuse: boolean): SecretBase {
  const noble = secp256k1.Point.fromAffine(point)
  if (reuse) noble.precompute(WINDOW)
  return { point, noble }
}

let generator: SecretBase | undefined

/** k·Q in constant time, for a secret k. */
export function multiplySecret(base: SecretBase, k: SecretScalar): Affine {
  return base.noble.multiply(k).toAffine()
}

/** k·G in constant time, for a secret k (public keys, nonce commitments). */
export function multiplyBaseSecret(k: SecretScalar): Affine {
  // A private copy of G: noble's own BASE keeps its default window for other users of noble.
  generator ??= prepareSecretBase(G, true)
  return multiplySecret(generator, k)
}

// --- the native backend's constant-time operations (libsecp256k1) ---
//
// publicKeyCreate is libsecp256k1's fixed-base multiplication (constant-time, blinded by the
// context randomization done at load); ECDH runs its constant-time variable-base ladder
// (ecmult_const), with a "hash" that returns the compressed point itself. The addon's
// publicKeyTweakMul would be faster but is variable-time, so it never sees a secret. ECDSA
// signing is libsecp256k1's, constant-time with an RFC 6979 nonce.

/** k·G in constant time on libsecp256k1, 33 bytes compressed. */
export function multiplyBaseSecretNative(binding: Secp256k1Binding, k: SecretScalar): Uint8Array {
  return binding.publicKeyCreate(bigIntTo32Bytes(k), true)
}

/**
 * k·P in constant time on libsecp256k1 for a valid P (33 bytes compressed, or 65 uncompressed,
 * which parses without a square root), 33 bytes compressed.
 */
export function multiplySecretNative(
  binding: Secp256k1Binding,
  point: Uint8Array,
  k: SecretScalar,
): Uint8Array {
  const out = new Uint8Array(33)
  const compress = (x: Uint8Array, y: Uint8Array): Uint8Array => {
    out[0] = 0x02 | (y[31]! & 1)
    out.set(x, 1)
    return out
  }
  return binding.ecdh(point, bigIntTo32Bytes(k), { hashfn: compress }, new Uint8Array(33))
}

/**
 * ECDSA over a 32-byte digest with libsecp256k1 (RFC 6979 nonce, low-S), 64 bytes r ‖ s; the
 * digest must be below n (RFC 6979 reduces it first; libsecp256k1 seeds its nonce with the raw
 * bytes, so the two only agree below n).
 */
export function signDigestSecretNative(
  binding: Secp256k1Binding,
  digest: Uint8Array,
  key: SecretKeyBytes,
): Uint8Array {
  // The key goes in as the caller's validated bytes, the signature comes out in a buffer of our
  // own: no bigint round trip, no copy.
  const signature = new Uint8Array(64)
  binding.ecdsaSign(digest, key, undefined, signature)
  return signature
}
