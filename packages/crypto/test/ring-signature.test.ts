import { inspect } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bytesToBigInt } from '../src/bytes.js'
import { modN } from '../src/field.js'
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
  type PreparedRingNonce,
  precomputeRingKeys,
  type RingSignature,
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

describe('signing in two phases', () => {
  const keys = [getPlaceholderRingKey().privateKey, generatePrivateKey(), generatePrivateKey()]
  const ring = keys.map((k) => getPublicKey(k))
  const codeOf = (f: () => unknown): string | undefined => {
    try {
      f()
      return undefined
    } catch (error) {
      return isCryptoError(error) ? error.code : 'NOT_A_CRYPTO_ERROR'
    }
  }
  const message = () => crypto.getRandomValues(new Uint8Array(32))
  // u = s_j + c_j·x: the nonce a signature was made with, recovered with the private key.
  const nonceOf = (sig: RingSignature, m: Uint8Array, j: number): bigint => {
    const { challenges } = traceRingSignature(sig, m)
    return modN(sig.responses[j]! + modN(challenges[j]! * bytesToBigInt(keys[j]!)))
  }

  it.each([
    [2, 1],
    [3, 0],
    [3, 2],
  ])('signs a ring of %i at position %i with a prepared nonce, and it verifies', (size, j) => {
    const signer = createRingSigner(keys[j]!)
    const members = ring.slice(0, size)
    const prepared = signer.prepare()
    const m = message()
    const sig = signer.sign(m, members, { prepared })
    expect(ringVerify(sig, m)).toBe(true)
    expect(ringVerify(serializeRingSignature(sig), m)).toBe(true)
    expect(bytesToHex(sig.keyImage)).toBe(bytesToHex(signer.keyImage))
    // A prepared nonce is not tied to a ring: another ring holding the key takes the next one.
    const other = [ring[j]!, ring[(j + 1) % 3]!]
    const second = signer.sign(m, other, { prepared: signer.prepare() })
    expect(ringVerify(second, m)).toBe(true)
    expect(nonceOf(second, m, 0)).not.toBe(nonceOf(sig, m, j))
  })

  it('signs at most once with a prepared nonce, even after a call that threw', () => {
    const signer = createRingSigner(keys[1]!)
    const prepared = signer.prepare()
    const m = message()
    const first = signer.sign(m, ring.slice(0, 2), { prepared })
    expect(ringVerify(first, m)).toBe(true)
    // The same message and ring again: refused, not a second signature with the same nonce.
    expect(codeOf(() => signer.sign(m, ring.slice(0, 2), { prepared }))).toBe('RING_NONCE_REUSED')
    expect(codeOf(() => signer.sign(message(), ring.slice(0, 2), { prepared }))).toBe(
      'RING_NONCE_REUSED',
    )
    // A call that fails on its arguments spends the nonce too.
    const spent = signer.prepare()
    expect(codeOf(() => signer.sign(new Uint8Array(31), ring, { prepared: spent }))).toBe(
      'INVALID_MESSAGE',
    )
    expect(codeOf(() => signer.sign(m, ring, { prepared: spent }))).toBe('RING_NONCE_REUSED')
  })

  it("refuses another signer's nonce, and anything that is not a prepared nonce", () => {
    const alice = createRingSigner(keys[1]!)
    const bob = createRingSigner(keys[1]!)
    const m = message()
    const fromAlice = alice.prepare()
    // Same key, other signer: still refused (each signer spends only its own nonces).
    expect(codeOf(() => bob.sign(m, ring, { prepared: fromAlice }))).toBe('RING_NONCE_FOREIGN')
    for (const fake of [{}, null, 'nonce', structuredClone(alice.prepare())]) {
      expect(
        codeOf(() => alice.sign(m, ring, { prepared: fake as unknown as PreparedRingNonce })),
      ).toBe('RING_NONCE_FOREIGN')
    }
    // Refusing it did not spend it for its own signer.
    expect(ringVerify(alice.sign(m, ring, { prepared: fromAlice }), m)).toBe(true)
  })

  it('never exposes the nonce: no properties, nothing serialized, nothing inspected', () => {
    const signer = createRingSigner(keys[1]!)
    const prepared = signer.prepare()
    const shown = [
      JSON.stringify(prepared),
      JSON.stringify(structuredClone(prepared)),
      inspect(prepared, { showHidden: true, depth: 10 }),
      String(Object.getOwnPropertyNames(prepared)),
      String(Object.getOwnPropertySymbols(prepared).length),
    ]
    const m = message()
    const sig = signer.sign(m, ring.slice(0, 2), { prepared })
    const u = nonceOf(sig, m, 1)
    expect(shown.slice(0, 2)).toEqual(['{}', '{}'])
    expect(shown[3]).toBe('')
    expect(shown[4]).toBe('0')
    for (const text of shown) {
      expect(text).not.toContain(u.toString(16))
      expect(text).not.toContain(u.toString())
    }
  })

  it('keeps a pool of prepared nonces, refilled between signatures off the caller', async () => {
    const turn = () => new Promise((resolve) => setImmediate(resolve))
    const signer = createRingSigner(keys[1]!, { prepareAhead: 3 })
    expect(signer.pooledNonces).toBe(0)
    for (let i = 0; i < 5 && signer.pooledNonces < 3; i++) await turn()
    expect(signer.pooledNonces).toBe(3)
    const nonces = new Set<bigint>()
    for (let i = 0; i < 5; i++) {
      const m = message()
      const sig = signer.sign(m, ring.slice(0, 2))
      expect(ringVerify(sig, m)).toBe(true)
      nonces.add(nonceOf(sig, m, 1))
    }
    // Five signatures in one turn: three from the pool, two made inline; five distinct nonces.
    expect(nonces.size).toBe(5)
    expect(signer.pooledNonces).toBe(0)
    for (let i = 0; i < 5 && signer.pooledNonces < 3; i++) await turn()
    expect(signer.pooledNonces).toBe(3)
    // Nothing is pooled unless asked for, and the size is checked.
    const plain = createRingSigner(keys[1]!)
    await turn()
    expect(plain.pooledNonces).toBe(0)
    for (const prepareAhead of [-1, 1.5, 2000]) {
      expect(codeOf(() => createRingSigner(keys[1]!, { prepareAhead }))).toBe('INVALID_INPUT')
    }
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
