// Scalars mod n, marked by what they may meet.
//
// A secret scalar (a private key, a signing nonce) must only be multiplied onto a point by the
// constant-time path (`multiplySecret`, `multiplyBaseSecret`): the fast path in point.ts skips
// zero digits and indexes its tables by the scalar's digits, so its timing spells the scalar out.
// The brand makes the type-checker refuse a `SecretScalar` wherever a `PublicScalar` is expected;
// arithmetic on a secret yields a plain bigint, which is public to the types (a signature's
// response s = u − c·x is published), so the brand is a guard, not a proof: the constant-time
// test backs it at run time.

import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToBigInt } from './bytes.js'
import { N } from './field.js'

declare const secret: unique symbol

/** A scalar in [1, n) that must stay secret: only the constant-time multiply accepts it. */
export type SecretScalar = bigint & { readonly [secret]: true }

declare const secretBytes: unique symbol

/**
 * A private key as its 32 validated bytes (in [1, n)), for libsecp256k1, which takes keys as
 * bytes: same rule as `SecretScalar`, only constant-time code receives it.
 */
export type SecretKeyBytes = Uint8Array & { readonly [secretBytes]: true }

/** Any scalar not marked secret (challenges, responses, verification scalars). */
export type PublicScalar = bigint & { readonly [secret]?: never }

/** Marks `k` as secret; it must be in [1, n), as every private key and nonce is. */
export function toSecretScalar(k: bigint): SecretScalar {
  if (k <= 0n || k >= N) throw new RangeError('secret scalar out of range [1, n)')
  return k as SecretScalar
}

/** A fresh uniformly random scalar in [1, n) from the platform's secure random source. */
export function randomScalar(): bigint {
  return bytesToBigInt(secp256k1.utils.randomSecretKey())
}

/** A fresh random nonce in [1, n), marked secret. */
export function randomSecretScalar(): SecretScalar {
  return toSecretScalar(randomScalar())
}
