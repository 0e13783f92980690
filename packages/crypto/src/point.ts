// secp256k1 group arithmetic for the ring-signature and supplier-signature hot paths.
//
// Why not noble's Point: a ring-2 verification is eight scalar multiplications, and the points
// involved (ring members, their hash-to-curve points, the signer's key image, G) repeat across
// every relay of a session. Fixed-base tables in affine form plus Jacobian mixed additions make
// each multiplication 32 additions with no doublings, about 3x faster than noble's precomputed
// path (which uses complete projective formulas and a constant-time table scan). Everything here
// is checked against noble in the tests and against ring-go through the vectors.
//
// This is the variable-time path, for public scalars only: it skips zero digits and indexes its
// tables by the scalar's digits, so its timing depends on the scalar. The multiplications in the
// ring and ECDSA code that involve a private key or a nonce go through secret-multiply.ts instead;
// `PublicScalar` parameters make the type-checker refuse a `SecretScalar` here.

import { writeBigInt32 } from './bytes.js'
import { fadd, finvBatch, fmul, fneg, fsqr, fsqrt, fsub, N, P } from './field.js'
import type { PublicScalar } from './scalar.js'

/** An affine point; the identity is never represented this way. */
export type Affine = { readonly x: bigint; readonly y: bigint }

/** A Jacobian point (x = X/Z², y = Y/Z³), mutated in place; Z = 0 is the identity. */
export type Jacobian = { X: bigint; Y: bigint; Z: bigint }

export const G: Affine = {
  x: 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
  y: 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n,
}

export function identity(): Jacobian {
  return { X: 1n, Y: 1n, Z: 0n }
}

/** p ← 2p (dbl-2009-l, a = 0). */
export function double(p: Jacobian): void {
  if (p.Z === 0n) return
  const { X, Y, Z } = p
  if (Y === 0n) {
    p.Z = 0n
    return
  }
  const a = fsqr(X)
  const b = fsqr(Y)
  const c = fsqr(b)
  let d = fsub(fsub(fsqr(fadd(X, b)), a), c)
  d = fadd(d, d)
  const e = fadd(fadd(a, a), a)
  const f = fsqr(e)
  const x3 = fsub(f, fadd(d, d))
  let c8 = fadd(c, c)
  c8 = fadd(c8, c8)
  c8 = fadd(c8, c8)
  p.Y = fsub(fmul(e, fsub(d, x3)), c8)
  const yz = fmul(Y, Z)
  p.Z = fadd(yz, yz)
  p.X = x3
}

/** p ← p + (x, y) for an affine (x, y) (madd-2007-bl), including the doubling and inverse cases. */
export function addAffine(p: Jacobian, x: bigint, y: bigint): void {
  if (p.Z === 0n) {
    p.X = x
    p.Y = y
    p.Z = 1n
    return
  }
  const { X, Y, Z } = p
  const zz = fsqr(Z)
  const u2 = fmul(x, zz)
  const s2 = fmul(fmul(y, Z), zz)
  const h = fsub(u2, X)
  let r = fsub(s2, Y)
  if (h === 0n) {
    if (r === 0n) double(p)
    else p.Z = 0n
    return
  }
  const hh = fsqr(h)
  let i = fadd(hh, hh)
  i = fadd(i, i)
  const j = fmul(h, i)
  r = fadd(r, r)
  const v = fmul(X, i)
  const x3 = fsub(fsub(fsqr(r), j), fadd(v, v))
  const yj = fmul(Y, j)
  p.Y = fsub(fmul(r, fsub(v, x3)), fadd(yj, yj))
  p.Z = fsub(fsub(fsqr(fadd(Z, h)), zz), hh)
  p.X = x3
}

/** p ← p + q for Jacobian q (add-2007-bl), including the doubling and inverse cases. */
export function addJacobian(p: Jacobian, q: Jacobian): void {
  if (q.Z === 0n) return
  if (p.Z === 0n) {
    p.X = q.X
    p.Y = q.Y
    p.Z = q.Z
    return
  }
  const z1z1 = fsqr(p.Z)
  const z2z2 = fsqr(q.Z)
  const u1 = fmul(p.X, z2z2)
  const u2 = fmul(q.X, z1z1)
  const s1 = fmul(fmul(p.Y, q.Z), z2z2)
  const s2 = fmul(fmul(q.Y, p.Z), z1z1)
  const h = fsub(u2, u1)
  let r = fsub(s2, s1)
  if (h === 0n) {
    if (r === 0n) double(p)
    else p.Z = 0n
    return
  }
  let i = fadd(h, h)
  i = fsqr(i)
  const j = fmul(h, i)
  r = fadd(r, r)
  const v = fmul(u1, i)
  const x3 = fsub(fsub(fsqr(r), j), fadd(v, v))
  const s1j = fmul(s1, j)
  p.Y = fsub(fmul(r, fsub(v, x3)), fadd(s1j, s1j))
  p.Z = fmul(fsub(fsub(fsqr(fadd(p.Z, q.Z)), z1z1), z2z2), h)
  p.X = x3
}

/** Affine forms of `points`, with one field inversion; undefined for the identity. */
export function toAffineBatch(points: readonly Jacobian[]): (Affine | undefined)[] {
  const inv = finvBatch(points.map((p) => p.Z))
  return points.map((p, i) => {
    if (p.Z === 0n) return undefined
    const zi = inv[i]!
    const zi2 = fsqr(zi)
    return { x: fmul(p.X, zi2), y: fmul(p.Y, fmul(zi2, zi)) }
  })
}

// --- encoding ---

/** Writes `value` (in [0, 2^256)) as 32 big-endian bytes into `out` at `offset`. */
export function writeScalar(value: PublicScalar, out: Uint8Array, offset: number): void {
  writeBigInt32(value, out, offset)
}

/**
 * Writes the 33-byte SEC1 compressed encoding of `point` at `offset`. The identity is written as
 * decred writes it, 02 ‖ 00…00: ring-go hashes whatever `Encode()` returns, identity included.
 */
export function writeCompressed(point: Affine | undefined, out: Uint8Array, offset: number): void {
  if (point === undefined) {
    out.fill(0, offset, offset + 33)
    out[offset] = 0x02
    return
  }
  out[offset] = point.y & 1n ? 0x03 : 0x02
  writeScalar(point.x, out, offset + 1)
}

export function encodeCompressed(point: Affine): Uint8Array {
  const out = new Uint8Array(33)
  writeCompressed(point, out, 0)
  return out
}

export function readUint256(bytes: Uint8Array, offset: number): bigint {
  let hex = ''
  for (let i = offset; i < offset + 32; i++) hex += HEX_BYTE[bytes[i]!]
  return BigInt(`0x${hex}`)
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** The point with x-coordinate `x` and the given y parity, if x³ + 7 is a square. */
export function liftX(x: bigint, odd: boolean): Affine | undefined {
  if (x >= P) return undefined
  const rhs = fadd(fmul(fsqr(x), x), 7n)
  const y = fsqrt(rhs)
  if (y === undefined) return undefined
  return { x, y: (y & 1n) === (odd ? 1n : 0n) ? y : fneg(y) }
}

/**
 * Decodes a public key the way decred's `ParsePubKey` does: 33-byte compressed (02/03), or
 * 65-byte uncompressed (04) and hybrid (06/07), on the curve with coordinates below p.
 */
export function decodePoint(
  bytes: Uint8Array,
  offset = 0,
  length = bytes.length - offset,
): Affine | undefined {
  const prefix = bytes[offset]
  if (length === 33) {
    if (prefix !== 0x02 && prefix !== 0x03) return undefined
    return liftX(readUint256(bytes, offset + 1), prefix === 0x03)
  }
  if (length === 65) {
    if (prefix !== 0x04 && prefix !== 0x06 && prefix !== 0x07) return undefined
    const x = readUint256(bytes, offset + 1)
    const y = readUint256(bytes, offset + 33)
    if (x >= P || y >= P) return undefined
    if (prefix !== 0x04 && (y & 1n) !== (prefix === 0x07 ? 1n : 0n)) return undefined
    if (fsqr(y) !== fadd(fmul(fsqr(x), x), 7n)) return undefined
    return { x, y }
  }
  return undefined
}

// --- fixed-base tables: signed 8-bit windows, all doublings baked in ---

const W = 8
const HALF = 1 << (W - 1)
// 32 full windows cover 256 bits; the 33rd only ever holds the final carry (digit 1).
const WINDOWS = 32

/** For window w and digit d in [1, 128]: entry w·128 + d − 1 = d·2^(8w)·Q; then 2^256·Q. */
export type FixedTable = { readonly xs: readonly bigint[]; readonly ys: readonly bigint[] }

/** Builds the table of `q` (about 4,100 affine points; a few milliseconds). */
export function buildTable(q: Affine): FixedTable {
  const jac: Jacobian[] = []
  let base: Affine = q
  for (let w = 0; w <= WINDOWS; w++) {
    const acc: Jacobian = { X: base.x, Y: base.y, Z: 1n }
    jac.push({ ...acc })
    if (w === WINDOWS) break
    for (let d = 2; d <= HALF; d++) {
      addAffine(acc, base.x, base.y)
      jac.push({ ...acc })
    }
    // next base = 2·(128·base) = 256·base
    double(acc)
    const next = toAffineBatch([acc])[0]
    // Multiples of a point of prime order n below n·Q are never the identity.
    if (next === undefined) throw new Error('unreachable: identity in a fixed-base table')
    base = next
  }
  const affine = toAffineBatch(jac)
  const xs: bigint[] = new Array(affine.length)
  const ys: bigint[] = new Array(affine.length)
  for (let i = 0; i < affine.length; i++) {
    const a = affine[i]!
    xs[i] = a.x
    ys[i] = a.y
  }
  return { xs, ys }
}

// Signed 8-bit digits of k in [0, 2^256), least significant first, with the carry in slot 32.
function signedDigits(k: bigint, out: Int16Array): void {
  let carry = 0
  for (let word = 0; word < 8; word++) {
    let v = Number(BigInt.asUintN(32, k >> BigInt(32 * word)))
    for (let b = 0; b < 4; b++) {
      let d = (v & 0xff) + carry
      v >>>= 8
      if (d > HALF) {
        d -= 1 << W
        carry = 1
      } else carry = 0
      out[word * 4 + b] = d
    }
  }
  out[WINDOWS] = carry
}

const digitScratch = new Int16Array(WINDOWS + 1)

/** acc ← acc + k·Q using Q's table; k in [0, n) is public (zero digits are skipped). */
export function addMultiplePublic(acc: Jacobian, table: FixedTable, k: PublicScalar): void {
  const digits = digitScratch
  signedDigits(k, digits)
  const { xs, ys } = table
  for (let w = 0; w <= WINDOWS; w++) {
    const d = digits[w]!
    if (d === 0) continue
    const i = w * HALF + (d < 0 ? -d : d) - 1
    addAffine(acc, xs[i]!, d < 0 ? fneg(ys[i]!) : ys[i]!)
  }
}

// --- variable-base multi-scalar multiplication (Strauss with width-5 wNAF) ---

const WNAF = 5
const WNAF_TABLE = 1 << (WNAF - 2)

// Width-5 wNAF digits of k in [0, 2^256), least significant first (257 slots).
function wnafDigits(k: bigint): Int8Array {
  const bits = new Uint8Array(257 + WNAF)
  for (let word = 0; word < 8; word++) {
    let v = Number(BigInt.asUintN(32, k >> BigInt(32 * word)))
    for (let b = 0; b < 32; b++) {
      bits[word * 32 + b] = v & 1
      v >>>= 1
    }
  }
  const out = new Int8Array(257)
  let carry = 0
  let bit = 0
  while (bit < 257) {
    if (bits[bit] === carry) {
      bit++
      continue
    }
    let word = carry
    for (let j = WNAF - 1; j >= 0; j--) word += bits[bit + j]! * (1 << j)
    carry = (word >> (WNAF - 1)) & 1
    word -= carry << WNAF
    out[bit] = word
    bit += WNAF
  }
  return out
}

/** acc ← acc + Σ k_i·Q_i for public k_i in [0, n), for points without tables. */
export function addMultiplesPublic(
  acc: Jacobian,
  points: readonly Affine[],
  scalars: readonly PublicScalar[],
): void {
  if (points.length === 0) return
  // Odd multiples Q, 3Q, ..., 15Q of every point, normalized together.
  const jac: Jacobian[] = []
  for (const q of points) {
    const twice: Jacobian = { X: q.x, Y: q.y, Z: 1n }
    double(twice)
    const cur: Jacobian = { X: q.x, Y: q.y, Z: 1n }
    jac.push({ ...cur })
    for (let j = 1; j < WNAF_TABLE; j++) {
      addJacobian(cur, twice)
      jac.push({ ...cur })
    }
  }
  const affine = toAffineBatch(jac)
  const digits = scalars.map(wnafDigits)
  const sum = identity()
  for (let bit = 256; bit >= 0; bit--) {
    double(sum)
    for (let t = 0; t < points.length; t++) {
      const d = digits[t]![bit]!
      if (d === 0) continue
      const a = affine[t * WNAF_TABLE + ((d < 0 ? -d : d) >> 1)]
      // Odd multiples below 16 of a prime-order point are never the identity.
      if (a === undefined) throw new Error('unreachable: identity in a wNAF table')
      addAffine(sum, a.x, d < 0 ? fneg(a.y) : a.y)
    }
  }
  addJacobian(acc, sum)
}

let gTable: FixedTable | undefined

/** G's table, built on first use. */
export function baseTable(): FixedTable {
  gTable ??= buildTable(G)
  return gTable
}

export { N, P }
