// The constant-time scalar multiplication: the only place a secret scalar meets a point.
//
// It is noble's `Point.multiply`: a fixed number of complete additions whatever the scalar, every
// table entry of a window read before one is picked, and the scalar blinded by a random multiple
// of n. It is several times slower than the fast path in point.ts, which is why the fast path
// stays for public scalars. BigInt arithmetic itself is not constant-time in JavaScript, so this
// is the algorithmic guarantee; a native backend can take over behind these two functions.

import { secp256k1 } from '@noble/curves/secp256k1.js'
import { type Affine, G } from './point.js'
import type { SecretScalar } from './scalar.js'

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
