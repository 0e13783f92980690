import { secp256k1 } from '@noble/curves/secp256k1.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { N } from '../src/field.js'
import {
  type Affine,
  addAffine,
  addJacobian,
  addMultiplePublic,
  addMultiplesPublic,
  buildTable,
  decodePoint,
  double,
  encodeCompressed,
  G,
  identity,
  type Jacobian,
  toAffineBatch,
  writeCompressed,
} from '../src/point.js'
import { toSecretScalar } from '../src/scalar.js'
import { multiplyBaseSecret, multiplySecret, prepareSecretBase } from '../src/secret-multiply.js'

const Point = secp256k1.Point
const toNoble = (a: Affine | undefined) => (a === undefined ? Point.ZERO : Point.fromAffine(a))
const affine = (j: Jacobian) => toAffineBatch([j])[0]
const scalar = fc.bigInt({ min: 0n, max: N - 1n })
const edgeScalars = [
  0n,
  1n,
  2n,
  127n,
  128n,
  129n,
  255n,
  256n,
  N - 1n,
  N - 2n,
  N >> 1n,
  (1n << 255n) - 1n,
  N - 128n,
]

describe('secp256k1 kernel (checked against noble)', () => {
  const q = Point.BASE.multiply(0x1234567890abcdefn).toAffine()
  const table = buildTable(q)

  it('adds, doubles and handles the identity and inverse cases', () => {
    const p = { X: q.x, Y: q.y, Z: 1n }
    addAffine(p, q.x, q.y) // doubling case
    expect(toNoble(affine(p)).equals(Point.fromAffine(q).double())).toBe(true)
    const neg = Point.fromAffine(q).negate().toAffine()
    const z = { X: q.x, Y: q.y, Z: 1n }
    addAffine(z, neg.x, neg.y)
    expect(z.Z).toBe(0n)
    const j = identity()
    addJacobian(j, { X: q.x, Y: q.y, Z: 1n })
    addJacobian(j, { X: q.x, Y: q.y, Z: 1n })
    expect(toNoble(affine(j)).equals(Point.fromAffine(q).double())).toBe(true)
    const k = identity()
    double(k)
    expect(k.Z).toBe(0n)
  })

  it('multiplies public scalars with fixed-base tables and Strauss like noble', () => {
    fc.assert(
      fc.property(scalar, scalar, (a, b) => {
        const want = Point.fromAffine(q).multiplyUnsafe(a).add(Point.BASE.multiplyUnsafe(b))
        const viaTable = identity()
        addMultiplePublic(viaTable, table, a)
        addMultiplePublic(viaTable, buildBase(), b)
        const viaStrauss = identity()
        addMultiplesPublic(viaStrauss, [q, G], [a, b])
        expect(toNoble(affine(viaTable)).equals(want)).toBe(true)
        expect(toNoble(affine(viaStrauss)).equals(want)).toBe(true)
      }),
      { numRuns: 60, examples: edgeScalars.map((e) => [e, N - 1n - e]) },
    )
  })

  it('multiplies secret scalars in constant time to the same points as the fast path', () => {
    const kept = prepareSecretBase(q, true)
    const once = prepareSecretBase(q, false)
    const same = (a: Affine, b: Jacobian) =>
      expect(toNoble(a).equals(toNoble(affine(b)))).toBe(true)
    const check = (k: bigint) => {
      const viaTable = identity()
      addMultiplePublic(viaTable, table, k)
      const viaBase = identity()
      addMultiplePublic(viaBase, buildBase(), k)
      same(multiplySecret(kept, toSecretScalar(k)), viaTable)
      same(multiplySecret(once, toSecretScalar(k)), viaTable)
      same(multiplyBaseSecret(toSecretScalar(k)), viaBase)
    }
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: N - 1n }), check), {
      numRuns: 20,
      examples: edgeScalars.filter((e) => e > 0n).map((e) => [e]),
    })
    // Secret scalars are private keys and nonces: 0 and n are broken input, never a point.
    expect(() => toSecretScalar(0n)).toThrow(RangeError)
    expect(() => toSecretScalar(N)).toThrow(RangeError)
  })

  it('encodes the identity as decred does and decodes only valid keys', () => {
    const out = new Uint8Array(33)
    writeCompressed(undefined, out, 0)
    expect(out).toEqual(Uint8Array.from([2, ...new Array(32).fill(0)]))
    const pub = Point.fromAffine(q)
    expect(encodeCompressed(q)).toEqual(pub.toBytes(true))
    expect(decodePoint(pub.toBytes(true))).toEqual(q)
    expect(decodePoint(pub.toBytes(false))).toEqual(q)
    const hybrid = pub.toBytes(false)
    hybrid[0] = q.y & 1n ? 0x07 : 0x06
    expect(decodePoint(hybrid)).toEqual(q)
    hybrid[0] ^= 1
    expect(decodePoint(hybrid)).toBeUndefined()
    expect(decodePoint(out)).toBeUndefined()
    expect(decodePoint(Uint8Array.from([2, ...new Array(32).fill(0xff)]))).toBeUndefined()
    expect(decodePoint(new Uint8Array(32))).toBeUndefined()
  })
})

let base: ReturnType<typeof buildTable> | undefined
function buildBase() {
  base ??= buildTable(G)
  return base
}
