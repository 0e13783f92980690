import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bytesToHex,
  configureRingCache,
  getPublicKey,
  isCryptoError,
  signSecp256k1,
  signSupplierPayload,
  verifySecp256k1,
  verifySupplierSignature,
} from '../src/index.js'
import { h, loadVectors } from './load-vectors.js'

type ECDSAVector = {
  name: string
  privateKey?: string
  publicKey: string
  message: string
  signature: string
  valid: boolean
}

const vectors = loadVectors<{ valid: ECDSAVector[]; invalid: ECDSAVector[] }>('crypto-ecdsa')

describe('supplier signatures (cosmos PrivKey.Sign / PubKey.VerifySignature)', () => {
  it.each(vectors.valid)('signs $name byte for byte as cosmos does', (v) => {
    expect(bytesToHex(signSecp256k1(h(v.message), h(v.privateKey!)))).toBe(v.signature)
    expect(bytesToHex(getPublicKey(h(v.privateKey!)))).toBe(v.publicKey)
  })

  it.each([...vectors.valid, ...vectors.invalid])('verifies $name as cosmos does', (v) => {
    expect(verifySecp256k1(h(v.signature), h(v.message), h(v.publicKey))).toBe(v.valid)
  })

  it('verifies the same with and without a precomputed key table', () => {
    configureRingCache({ precomputeAfter: 1 })
    try {
      for (const v of [...vectors.valid, ...vectors.invalid]) {
        expect(verifySecp256k1(h(v.signature), h(v.message), h(v.publicKey))).toBe(v.valid)
      }
    } finally {
      configureRingCache({ precomputeAfter: 2 })
    }
  })

  it('agrees with noble for random keys and messages', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 48, maxLength: 48 }),
        fc.uint8Array({ maxLength: 80 }),
        (seed, msg) => {
          const priv = secp256k1.utils.randomSecretKey(seed)
          const sig = signSecp256k1(msg, priv)
          expect(sig).toEqual(secp256k1.sign(sha256(msg), priv, { prehash: false }))
          expect(verifySecp256k1(sig, msg, getPublicKey(priv))).toBe(true)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('wraps the 32-byte signable-bytes hash', () => {
    const v = vectors.valid.find((x) => x.message.length === 64)!
    const sig = signSupplierPayload(h(v.message), h(v.privateKey!))
    expect(bytesToHex(sig)).toBe(v.signature)
    expect(verifySupplierSignature(sig, h(v.message), h(v.publicKey))).toBe(true)
    expect(() => signSupplierPayload(new Uint8Array(31), h(v.privateKey!))).toThrowError(
      expect.objectContaining({ code: 'INVALID_MESSAGE' }),
    )
  })

  it('returns false, never throws, for garbage', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 70 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 66 }),
        (sig, msg, key) => {
          expect(verifySecp256k1(sig, msg, key)).toBe(false)
        },
      ),
      { numRuns: 200 },
    )
    const bad = [undefined, null, 'ab', 42, {}] as unknown as Uint8Array[]
    for (const x of bad) expect(verifySecp256k1(x, new Uint8Array(32), x)).toBe(false)
    try {
      signSecp256k1(new Uint8Array(32), new Uint8Array(32))
    } catch (error) {
      expect(isCryptoError(error) && error.code).toBe('INVALID_PRIVATE_KEY')
    }
  })
})
