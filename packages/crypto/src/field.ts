// Arithmetic modulo the secp256k1 field prime p and group order n, on bigints.
//
// noble reduces every product with `%`; p = 2^256 − 2^32 − 977 allows a folding reduction that
// is about twice as fast, and the ring-signature hot path is nothing but field products.

import { writeBigInt32 } from './bytes.js'

/** The field prime p. */
export const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn
/** The group order n. */
export const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** n as 32 big-endian bytes, for range checks on encoded scalars without a bigint. */
export const N_BYTES = writeBigInt32(N, new Uint8Array(32), 0)
/** ⌊n/2⌋ + 1 as 32 bytes: an encoded s is low (s ≤ n/2) when it is below this. */
export const HALF_N_PLUS_ONE_BYTES = writeBigInt32((N >> 1n) + 1n, new Uint8Array(32), 0)

const MASK_256 = (1n << 256n) - 1n
// 2^256 ≡ 2^32 + 977 (mod p)
const FOLD = 0x1000003d1n

/** a·b mod p, for a, b in [0, p). */
export function fmul(a: bigint, b: bigint): bigint {
  let x = a * b
  // Two folds bring x < 2^512 below 2^256 + 2^67 < 2p, then one conditional subtraction.
  x = (x & MASK_256) + (x >> 256n) * FOLD
  x = (x & MASK_256) + (x >> 256n) * FOLD
  return x >= P ? x - P : x
}

export function fsqr(a: bigint): bigint {
  return fmul(a, a)
}

export function fadd(a: bigint, b: bigint): bigint {
  const x = a + b
  return x >= P ? x - P : x
}

export function fsub(a: bigint, b: bigint): bigint {
  const x = a - b
  return x < 0n ? x + P : x
}

export function fneg(a: bigint): bigint {
  return a === 0n ? 0n : P - a
}

function sqrN(a: bigint, n: number): bigint {
  let x = a
  for (let i = 0; i < n; i++) x = fmul(x, x)
  return x
}

// a^(2^k − 1) for the k the square-root chain needs: 2, 22, 223.
function ones(a: bigint): { x2: bigint; x22: bigint; x223: bigint } {
  const x2 = fmul(fsqr(a), a)
  const x3 = fmul(fsqr(x2), a)
  const x6 = fmul(sqrN(x3, 3), x3)
  const x9 = fmul(sqrN(x6, 3), x3)
  const x11 = fmul(sqrN(x9, 2), x2)
  const x22 = fmul(sqrN(x11, 11), x11)
  const x44 = fmul(sqrN(x22, 22), x22)
  const x88 = fmul(sqrN(x44, 44), x44)
  const x176 = fmul(sqrN(x88, 88), x88)
  const x220 = fmul(sqrN(x176, 44), x44)
  const x223 = fmul(sqrN(x220, 3), x3)
  return { x2, x22, x223 }
}

/** a⁻¹ mod p for a in [1, p); 0 maps to 0. */
export function finv(a: bigint): bigint {
  return a === 0n ? 0n : invMod(a, P)
}

/** A square root of a mod p, or undefined when a is not a quadratic residue. */
export function fsqrt(a: bigint): bigint | undefined {
  // p ≡ 3 (mod 4), so a^((p + 1)/4) is a root whenever one exists.
  const { x2, x22, x223 } = ones(a)
  let t = fmul(sqrN(x223, 23), x22)
  t = fmul(sqrN(t, 6), x2)
  const root = sqrN(t, 2)
  return fsqr(root) === a ? root : undefined
}

/** Inverts each non-zero element with one field inversion (Montgomery's trick); 0 stays 0. */
export function finvBatch(values: readonly bigint[]): bigint[] {
  const prefix: bigint[] = new Array(values.length)
  let acc = 1n
  for (let i = 0; i < values.length; i++) {
    prefix[i] = acc
    const v = values[i]!
    if (v !== 0n) acc = fmul(acc, v)
  }
  let inv = finv(acc)
  const out: bigint[] = new Array(values.length)
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i]!
    if (v === 0n) {
      out[i] = 0n
      continue
    }
    out[i] = fmul(inv, prefix[i]!)
    inv = fmul(inv, v)
  }
  return out
}

/** x mod n for any non-negative x. */
export function modN(x: bigint): bigint {
  return x >= N ? x % N : x
}

/** a⁻¹ mod n for a in [1, n). */
export function invN(a: bigint): bigint {
  return invMod(a, N)
}

// Extended Euclid, tracking only a's Bézout coefficient. Variable time: BigInt arithmetic is not
// constant-time anyway, and Euclid is five times faster than Fermat here.
function invMod(a: bigint, m: bigint): bigint {
  let r0 = m
  let r1 = a
  let t0 = 0n
  let t1 = 1n
  while (r1 !== 0n) {
    const q = r0 / r1
    const r2 = r0 - q * r1
    const t2 = t0 - q * t1
    r0 = r1
    r1 = r2
    t0 = t1
    t1 = t2
  }
  return t0 < 0n ? t0 + m : t0
}
