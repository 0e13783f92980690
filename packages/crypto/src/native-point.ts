// Variable-time secp256k1 group operations on libsecp256k1, for public scalars only (challenges,
// responses, verification scalars). Points are 33-byte compressed encodings, the identity is
// `undefined` (written 02 ‖ 00…00 where ring-go hashes it). Secret scalars go through the
// constant-time functions in secret-multiply.ts instead; `PublicScalar` parameters refuse them.
//
// The addon's API has no "a·P + b·G" (libsecp256k1 computes it internally in one Strauss pass for
// verification and key recovery, but does not export it). ECDSA public-key recovery is exactly
// that pass: recovery computes Q = r⁻¹·(s·R − e·G) for the point R with x-coordinate r, so with
// R = P, s = c·r and e = −s'·r it returns c·P + s'·G. That is one call instead of a
// multiplication, a fixed-base multiplication and an addition (about 40 % less time); the rare
// inputs it cannot express fall back to the three calls.

import { modN, N } from './field.js'
import type { Secp256k1Binding } from './native-binding.js'
import { readUint256, writeScalar } from './point.js'
import type { PublicScalar } from './scalar.js'

/** A point as 33 compressed bytes; undefined is the identity. */
export type EncodedPoint = Uint8Array | undefined

function scalarBytes(k: PublicScalar): Uint8Array {
  const out = new Uint8Array(32)
  writeScalar(k, out, 0)
  return out
}

/** k·P for a public k in [0, n) and a valid compressed P. */
export function multiplyPublicNative(
  binding: Secp256k1Binding,
  point: Uint8Array,
  k: PublicScalar,
): EncodedPoint {
  if (k === 0n) return undefined
  return binding.publicKeyTweakMul(point, scalarBytes(k), true)
}

/**
 * The 65-byte uncompressed form of a valid compressed point. libsecp256k1 parses a compressed
 * point with a square root on every call and an uncompressed one with a curve check only, so a
 * key verified again and again (a supplier's) is handed over uncompressed.
 */
export function decompressNative(binding: Secp256k1Binding, point: Uint8Array): Uint8Array {
  return binding.publicKeyConvert(point, false)
}

function compressWide(point: Uint8Array): Uint8Array {
  const out = new Uint8Array(33)
  out[0] = 0x02 | (point[64]! & 1)
  out.set(point.subarray(1, 33), 1)
  return out
}

/**
 * a·P + b·Q for public a, b in [0, n) and valid points P, Q given uncompressed (65 bytes), as a
 * compressed point. The two products stay uncompressed on their way to the sum, so that no step
 * parses a compressed point (a square root each, about a tenth of a multiplication).
 */
export function multiplyAddPublicNative(
  binding: Secp256k1Binding,
  p: Uint8Array,
  a: PublicScalar,
  q: Uint8Array,
  b: PublicScalar,
): EncodedPoint {
  const ap = a === 0n ? undefined : binding.publicKeyTweakMul(p, scalarBytes(a), false)
  const bq = b === 0n ? undefined : binding.publicKeyTweakMul(q, scalarBytes(b), false)
  if (ap === undefined) return bq === undefined ? undefined : compressWide(bq)
  if (bq === undefined) return compressWide(ap)
  try {
    return binding.publicKeyCombine([ap, bq], true)
  } catch {
    // The only way two valid points fail to combine: they sum to the identity.
    return undefined
  }
}

/** a + b, the identity included. */
export function addNative(
  binding: Secp256k1Binding,
  a: EncodedPoint,
  b: EncodedPoint,
): EncodedPoint {
  if (a === undefined) return b
  if (b === undefined) return a
  try {
    return binding.publicKeyCombine([a, b], true)
  } catch {
    // The only way two valid points fail to combine: they sum to the identity.
    return undefined
  }
}

/** c·P + s·G for public c, s in [0, n) and a valid compressed P, through key recovery. */
export function multiplyAddBasePublicNative(
  binding: Secp256k1Binding,
  point: Uint8Array,
  c: PublicScalar,
  s: PublicScalar,
): EncodedPoint {
  if (c === 0n) return s === 0n ? undefined : binding.publicKeyCreate(scalarBytes(s), true)
  if (s === 0n) return multiplyPublicNative(binding, point, c)
  // R = P: recovery id bit 0 is y's parity, bit 1 says x = r + n (x in [n, p), about 2^-128).
  let r = readUint256(point, 1)
  let recid = point[0] === 0x03 ? 1 : 0
  if (r >= N) {
    r -= N
    recid |= 2
  }
  if (r !== 0n) {
    const signature = new Uint8Array(64)
    writeScalar(r, signature, 0)
    writeScalar(modN(c * r), signature, 32)
    const e = modN(N - modN(s * r))
    try {
      return binding.ecdsaRecover(signature, recid, scalarBytes(e), true)
    } catch {
      // Q is the identity (or an input recovery refuses): the general path decides.
    }
  }
  return addNative(
    binding,
    multiplyPublicNative(binding, point, c),
    binding.publicKeyCreate(scalarBytes(s), true),
  )
}

/** Whether 33 bytes are a valid compressed point (02/03, x below p, on the curve). */
export function isCompressedPointNative(binding: Secp256k1Binding, bytes: Uint8Array): boolean {
  return (
    bytes.length === 33 &&
    (bytes[0] === 0x02 || bytes[0] === 0x03) &&
    binding.publicKeyVerify(bytes)
  )
}
