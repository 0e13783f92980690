import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bytesToHex,
  clearRingCache,
  configureRingCache,
  createRingSigner,
  deserializeRingSignature,
  generatePrivateKey,
  getCryptoBackend,
  getPlaceholderRingKey,
  getPublicKey,
  getRingCacheStats,
  isCryptoError,
  linkRingSignatures,
  precomputeRingKeys,
  ringSign,
  ringVerify,
  serializeRingSignature,
  verifyRingMembership,
} from '../src/index.js'
import { traceRingSignature } from '../src/ring-signature.js'
import { h, loadVectors } from './load-vectors.js'

type Valid = {
  name: string
  message: string
  ring: string[]
  signerIndex: number
  signerKey: string
  ringKeys: string[]
  signature: string
  keyImage: string
  challenges: string[]
  quirkSteps: number[]
}
type Negative = {
  name: string
  message: string
  signature: string
  deserializes: boolean
  verifies: boolean
  goPanics: boolean
}

const vectors = loadVectors<{ valid: Valid[]; negative: Negative[] }>('crypto-ring-signatures')
const hex32 = (x: bigint) => x.toString(16).padStart(64, '0')

function decodeCode(bytes: Uint8Array): string | undefined {
  try {
    deserializeRingSignature(bytes)
    return undefined
  } catch (error) {
    return isCryptoError(error) ? error.code : 'NOT_A_CRYPTO_ERROR'
  }
}

// Cold runs every vector without tables; the table modes (tables from the first or second use of
// a point) take the small rings, the quirk vectors and one ring of 8, to keep table builds cheap.
const warmSubset = vectors.valid.filter((v) => v.ring.length <= 3 || v.name === 'size-8-0')
const cacheModes = [
  { name: 'cold', options: { precomputeAfter: 0 }, valid: vectors.valid },
  { name: 'tables', options: { precomputeAfter: 1 }, valid: warmSubset },
  { name: 'default', options: { precomputeAfter: 2 }, valid: warmSubset },
]

describe.each(cacheModes)('ring signatures from ring-go ($name cache)', ({ options, valid }) => {
  it('verifies every Go-made signature and walks the same challenge chain', {
    timeout: 60_000,
  }, () => {
    clearRingCache()
    configureRingCache(options)
    for (const v of valid) {
      const trace = traceRingSignature(h(v.signature), h(v.message))
      expect(trace.valid, v.name).toBe(true)
      expect(trace.challenges.map(hex32), v.name).toEqual(v.challenges)
      expect(trace.shiftedSteps, v.name).toEqual(v.quirkSteps)
      expect(ringVerify(h(v.signature), h(v.message)), v.name).toBe(true)
      // Twice more, so the default mode verifies with the tables it built on the second use.
      expect(ringVerify(deserializeRingSignature(h(v.signature)), h(v.message)), v.name).toBe(true)
    }
    configureRingCache({ precomputeAfter: 2 })
  })

  it('agrees with ring-go on every negative case', () => {
    clearRingCache()
    configureRingCache(options)
    for (const v of vectors.negative) {
      const code = decodeCode(h(v.signature))
      expect(code === undefined, v.name).toBe(v.deserializes)
      expect(code, v.name).not.toBe('NOT_A_CRYPTO_ERROR')
      expect(ringVerify(h(v.signature), h(v.message)), v.name).toBe(v.verifies)
    }
    configureRingCache({ precomputeAfter: 2 })
  })
})

describe('ring signature wire format', () => {
  it('round-trips Go signatures byte for byte', () => {
    for (const v of vectors.valid) {
      const sig = deserializeRingSignature(h(v.signature))
      expect(bytesToHex(serializeRingSignature(sig))).toBe(v.signature)
      expect(sig.ring.map(bytesToHex)).toEqual(v.ring)
      expect(bytesToHex(sig.keyImage)).toBe(v.keyImage)
      expect(hex32(sig.challenge)).toBe(v.challenges[0])
    }
  })

  it('rejects malformed input with stable codes', () => {
    const byName = (name: string) => h(vectors.negative.find((n) => n.name === name)!.signature)
    expect(decodeCode(byName('empty'))).toBe('RING_SIGNATURE_TRUNCATED')
    expect(decodeCode(byName('truncated-header'))).toBe('RING_SIGNATURE_TRUNCATED')
    expect(decodeCode(byName('truncated-by-one'))).toBe('RING_SIGNATURE_TRUNCATED')
    expect(decodeCode(byName('ring-size-3-claimed'))).toBe('RING_SIGNATURE_TRUNCATED')
    expect(decodeCode(byName('ring-size-0'))).toBe('RING_SIGNATURE_EMPTY_RING')
    expect(decodeCode(byName('ring-size-huge'))).toBe('RING_SIGNATURE_TOO_LARGE')
    expect(decodeCode(byName('member-off-curve'))).toBe('RING_SIGNATURE_INVALID_POINT')
    expect(decodeCode(byName('member-x-ge-p'))).toBe('RING_SIGNATURE_INVALID_POINT')
    expect(decodeCode(byName('key-image-prefix-05'))).toBe('RING_SIGNATURE_INVALID_POINT')
    expect(decodeCode('nope' as unknown as Uint8Array)).toBe('INVALID_INPUT')
    const two = h(vectors.valid[0]!.signature)
    expect(() => deserializeRingSignature(two, { maxRingSize: 1 })).toThrowError(
      expect.objectContaining({ code: 'RING_SIGNATURE_TOO_LARGE' }),
    )
  })

  it('never throws anything but a CryptoError on garbage, and never verifies it', () => {
    const valid = h(vectors.valid[0]!.signature)
    const message = h(vectors.valid[0]!.message)
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }),
          // Mostly-valid signatures with a few bytes changed.
          fc
            .array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })), {
              minLength: 1,
              maxLength: 3,
            })
            .map((edits) => {
              const b = valid.slice()
              for (const [i, x] of edits) b[i]! ^= x
              return b
            }),
        ),
        (bytes) => {
          expect(decodeCode(bytes)).not.toBe('NOT_A_CRYPTO_ERROR')
          expect(ringVerify(bytes, message)).toBe(false)
        },
      ),
      { numRuns: 150 },
    )
    for (const junk of [undefined, null, 42, 'ab', {}, { ring: [], responses: [] }]) {
      expect(ringVerify(junk as unknown as Uint8Array, message)).toBe(false)
      expect(verifyRingMembership(junk as unknown as Uint8Array, [])).toBe(false)
    }
  })
})

describe('signing', () => {
  const keys = Array.from({ length: 16 }, () => generatePrivateKey())
  const pubs = keys.map(getPublicKey)

  it.each([2, 3, 8, 16])('signs and verifies rings of %i', (n) => {
    const message = crypto.getRandomValues(new Uint8Array(32))
    const ring = pubs.slice(0, n)
    const signer = n - 1
    const sig = ringSign(message, ring, keys[signer]!)
    expect(ringVerify(sig, message)).toBe(true)
    expect(ringVerify(serializeRingSignature(sig), message)).toBe(true)
    const other = message.slice()
    other[0]! ^= 1
    expect(ringVerify(sig, other)).toBe(false)
    expect(sig.ring).toEqual(ring)
  })

  it('signs the poktroll rings: placeholder + app, and a duplicated app key', () => {
    const message = crypto.getRandomValues(new Uint8Array(32))
    const app = createRingSigner(keys[0]!)
    const withPlaceholder = app.sign(message, [getPlaceholderRingKey().publicKey, pubs[0]!])
    expect(ringVerify(withPlaceholder, message)).toBe(true)
    const duplicated = app.sign(message, [pubs[0]!, pubs[0]!])
    expect(ringVerify(duplicated, message)).toBe(true)
    expect(linkRingSignatures(withPlaceholder, duplicated)).toBe(true)
    expect(bytesToHex(withPlaceholder.keyImage)).toBe(bytesToHex(app.keyImage))
  })

  it('makes key images that match Go', () => {
    for (const v of vectors.valid.slice(0, 6)) {
      expect(bytesToHex(createRingSigner(h(v.signerKey)).keyImage)).toBe(v.keyImage)
    }
  })

  it('refuses rings it cannot sign over', () => {
    const message = new Uint8Array(32)
    const code = (f: () => unknown): string | undefined => {
      try {
        f()
        return undefined
      } catch (error) {
        return isCryptoError(error) ? error.code : 'NOT_A_CRYPTO_ERROR'
      }
    }
    expect(code(() => ringSign(message, [pubs[0]!], keys[0]!))).toBe('RING_TOO_SMALL')
    expect(code(() => ringSign(message, [pubs[1]!, pubs[2]!], keys[0]!))).toBe('SIGNER_NOT_IN_RING')
    expect(code(() => ringSign(message, [pubs[0]!, new Uint8Array(33)], keys[0]!))).toBe(
      'INVALID_PUBLIC_KEY',
    )
    expect(code(() => ringSign(new Uint8Array(31), pubs.slice(0, 2), keys[0]!))).toBe(
      'INVALID_MESSAGE',
    )
    expect(code(() => ringSign(message, pubs.slice(0, 2), new Uint8Array(32)))).toBe(
      'INVALID_PRIVATE_KEY',
    )
    expect(code(() => ringVerify(h(vectors.valid[0]!.signature), new Uint8Array(3)))).toBe(
      'INVALID_MESSAGE',
    )
  })
})

describe('ring membership (poktroll subset check)', () => {
  const v = vectors.valid.find((x) => x.ring.length === 3)!
  const sig = h(v.signature)

  it('accepts a signature whose ring is within the expected keys, in any order', () => {
    expect(verifyRingMembership(sig, v.ring.map(h))).toBe(true)
    expect(verifyRingMembership(sig, [...v.ring].reverse().map(h))).toBe(true)
    expect(verifyRingMembership(sig, [...v.ring, vectors.valid[0]!.ring[0]!].map(h))).toBe(true)
  })

  it('rejects a ring with a member outside the expected keys', () => {
    expect(verifyRingMembership(sig, v.ring.slice(1).map(h))).toBe(false)
    expect(verifyRingMembership(sig, [])).toBe(false)
    expect(verifyRingMembership(sig, [new Uint8Array(33), ...v.ring.map(h)])).toBe(false)
    expect(verifyRingMembership(new Uint8Array(10), v.ring.map(h))).toBe(false)
  })
})

describe('ring cache', () => {
  it('stays within its limits and can be warmed and cleared', () => {
    clearRingCache()
    configureRingCache({ maxTables: 3, maxPoints: 10 })
    const v = vectors.valid.find((x) => x.ring.length === 8)!
    precomputeRingKeys(v.ring.map(h))
    // Tables are the pure backend's; libsecp256k1 needs only the cached points.
    expect(getRingCacheStats().tables).toBe(getCryptoBackend() === 'native' ? 0 : 3)
    expect(getRingCacheStats().points).toBeLessThanOrEqual(10)
    expect(ringVerify(h(v.signature), h(v.message))).toBe(true)
    configureRingCache({ maxTables: 64, maxPoints: 4096 })
    clearRingCache()
    expect(getRingCacheStats()).toEqual({ points: 0, tables: 0 })
    expect(() => configureRingCache({ maxTables: -1 })).toThrowError(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    )
    expect(() => precomputeRingKeys([new Uint8Array(33)])).toThrowError(
      expect.objectContaining({ code: 'INVALID_PUBLIC_KEY' }),
    )
  })
})
