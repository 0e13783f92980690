import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha3_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { bytesToBigInt, bytesToHex } from '../src/bytes.js'
import { N, P } from '../src/field.js'
import { encodeCompressed, liftX } from '../src/point.js'
import { hashToCurve, hashToCurveNative, hashToScalar } from '../src/ring-hash.js'
import { h, loadVectors } from './load-vectors.js'
import { loadNativeForTests } from './native-for-tests.js'

type Hashing = {
  hashToCurve: { privateKey: string; publicKey: string; hashPoint: string; keyImage: string }[]
  hashToScalar: { input: string; scalar: string; textbook: string; quirk: boolean }[]
}

const vectors = loadVectors<Hashing>('crypto-ring-hashing')

describe('ring-go hash-to-curve (H_p)', () => {
  it.each(vectors.hashToCurve)('hashes $publicKey', (v) => {
    const point = hashToCurve(h(v.publicKey))
    expect(bytesToHex(encodeCompressed(point))).toBe(v.hashPoint)
    // ring-go takes the even y.
    expect(point.y & 1n).toBe(0n)
    // The key image is x·H_p(x·G).
    const image = secp256k1.Point.fromHex(v.hashPoint).multiply(bytesToBigInt(h(v.privateKey)))
    expect(image.toHex(true)).toBe(v.keyImage)
  })

  it.skipIf(loadNativeForTests() === undefined)('hashes the same on libsecp256k1', () => {
    const binding = loadNativeForTests()!
    for (const v of vectors.hashToCurve) {
      expect(bytesToHex(hashToCurveNative(binding, h(v.publicKey)))).toBe(v.hashPoint)
    }
  })

  it('includes keys whose first hash is not on the curve', () => {
    const retried = vectors.hashToCurve.filter(
      (v) => liftX(bytesToBigInt(sha3_256(h(v.publicKey))) % P, false) === undefined,
    )
    expect(retried.length).toBeGreaterThan(3)
  })
})

describe('decred HashToScalar', () => {
  it.each(vectors.hashToScalar)('reduces an input to $scalar (quirk: $quirk)', (v) => {
    const { scalar, shifted } = hashToScalar(h(v.input))
    expect(scalar.toString(16).padStart(64, '0')).toBe(v.scalar)
    expect(shifted).toBe(v.quirk)
  })

  it('shifts short reductions left by whole bytes, for one and two leading zero bytes', () => {
    const quirky = vectors.hashToScalar.filter((v) => v.quirk)
    expect(quirky.length).toBeGreaterThanOrEqual(16)
    expect(quirky.some((v) => v.textbook.startsWith('0000'))).toBe(true)
    for (const v of quirky) {
      const lead = v.textbook.match(/^(00)+/)![0].length / 2
      expect(BigInt(`0x${v.scalar}`)).toBe(BigInt(`0x${v.textbook}`) << BigInt(8 * lead))
      expect(BigInt(`0x${v.scalar}`) < N).toBe(true)
    }
  })
})
