// The backend choice and what must hold across it: both backends make the same keys and ECDSA
// bytes, and each verifies the other's ring signatures. The whole suite also runs once per
// backend (DECAI_CRYPTO_BACKEND, see the README's Testing section); this file checks the two
// against each other in one process.

import { secp256k1 } from '@noble/curves/secp256k1.js'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { resolveCryptoBackend } from '../src/backend.js'
import { bytesToHex, writeBigInt32 } from '../src/bytes.js'
import { modN, N } from '../src/field.js'
import {
  createRingSigner,
  generatePrivateKey,
  getCryptoBackend,
  getPlaceholderRingKey,
  getPublicKey,
  isCryptoError,
  ringSign,
  ringVerify,
  serializeRingSignature,
  setCryptoBackend,
  signSecp256k1,
  verifySecp256k1,
} from '../src/index.js'
import type { Secp256k1Binding } from '../src/native-binding.js'
import {
  addNative,
  decompressNative,
  multiplyAddBasePublicNative,
  multiplyAddPublicNative,
  multiplyPublicNative,
} from '../src/native-point.js'
import { liftX } from '../src/point.js'
import { toSecretScalar } from '../src/scalar.js'
import { multiplyBaseSecretNative, multiplySecretNative } from '../src/secret-multiply.js'
import { loadNativeForTests } from './native-for-tests.js'

const native = loadNativeForTests()
const fakeBinding = {} as Secp256k1Binding
const unavailable = () => ({ reason: 'no addon in this test' })
const available = () => ({ binding: fakeBinding })

describe('choosing the backend', () => {
  it('resolves pure, native and auto, and refuses anything else', () => {
    expect(resolveCryptoBackend('pure', available).name).toBe('pure')
    expect(resolveCryptoBackend('native', available)).toEqual({
      name: 'native',
      binding: fakeBinding,
    })
    expect(resolveCryptoBackend('auto', available).name).toBe('native')
    expect(resolveCryptoBackend(undefined, available).name).toBe('native')
    expect(resolveCryptoBackend('', unavailable).name).toBe('pure')
    expect(resolveCryptoBackend('auto', unavailable).name).toBe('pure')
    for (const bad of ['Native', 'wasm', 42]) {
      expect(() => resolveCryptoBackend(bad, available)).toThrowError(
        expect.objectContaining({ name: 'CryptoError', code: 'INVALID_CRYPTO_BACKEND' }),
      )
    }
  })

  it('throws NATIVE_BACKEND_UNAVAILABLE when native is forced and does not load', () => {
    expect(() => resolveCryptoBackend('native', unavailable)).toThrowError(
      expect.objectContaining({
        code: 'NATIVE_BACKEND_UNAVAILABLE',
        details: 'no addon in this test',
      }),
    )
  })

  it('follows DECAI_CRYPTO_BACKEND, and auto takes the addon wherever it is installed', () => {
    const setting = process.env['DECAI_CRYPTO_BACKEND']
    if (setting === 'pure' || setting === 'native') expect(getCryptoBackend()).toBe(setting)
    else expect(getCryptoBackend()).toBe(native === undefined ? 'pure' : 'native')
  })

  // The workspace installs the optional dependency; on the platforms it ships a binary for, a
  // missing native backend is a broken install, not a fallback to accept silently.
  it.runIf(
    ['linux-x64', 'darwin-arm64', 'win32-x64'].includes(`${process.platform}-${process.arch}`),
  )('loads the prebuilt addon on this platform', () => {
    expect(native).toBeDefined()
  })
})

describe.runIf(native !== undefined)('the two backends agree', () => {
  const initial = getCryptoBackend()
  afterAll(() => {
    setCryptoBackend(initial)
  })
  const onBoth = <T>(action: () => T): { pure: T; native: T } => {
    setCryptoBackend('pure')
    const pure = action()
    setCryptoBackend('native')
    return { pure, native: action() }
  }

  it('derives the same public keys and ECDSA signatures', () => {
    for (let i = 0; i < 16; i++) {
      const key = generatePrivateKey()
      const message = crypto.getRandomValues(new Uint8Array(1 + i * 7))
      const keys = onBoth(() => bytesToHex(getPublicKey(key)))
      expect(keys.native).toBe(keys.pure)
      const sigs = onBoth(() => signSecp256k1(message, key))
      expect(bytesToHex(sigs.native)).toBe(bytesToHex(sigs.pure))
      const pub = getPublicKey(key)
      const other = getPublicKey(generatePrivateKey())
      expect(onBoth(() => verifySecp256k1(sigs.pure, message, pub))).toEqual({
        pure: true,
        native: true,
      })
      expect(onBoth(() => verifySecp256k1(sigs.pure, message, other))).toEqual({
        pure: false,
        native: false,
      })
      // The uncompressed form of the key verifies too (decred's ParsePubKey takes both).
      const uncompressed = secp256k1.Point.fromBytes(pub).toBytes(false)
      expect(onBoth(() => verifySecp256k1(sigs.pure, message, uncompressed)).native).toBe(true)
    }
  })

  it('takes and refuses the same private keys at the edges of [1, n)', () => {
    const message = crypto.getRandomValues(new Uint8Array(32))
    const codeOn = (key: Uint8Array) =>
      onBoth(() => {
        try {
          return bytesToHex(signSecp256k1(message, key))
        } catch (error) {
          return isCryptoError(error) ? error.code : 'NOT_A_CRYPTO_ERROR'
        }
      })
    const edge = (value: bigint) => writeBigInt32(value, new Uint8Array(32), 0)
    for (const valid of [1n, 2n, N - 1n, N >> 1n, 1n << 255n]) {
      const signed = codeOn(edge(valid))
      expect(signed.native).toBe(signed.pure)
      expect(signed.native).toMatch(/^[0-9a-f]{128}$/)
    }
    for (const invalid of [0n, N, N + 1n, (1n << 256n) - 1n]) {
      expect(codeOn(edge(invalid))).toEqual({
        pure: 'INVALID_PRIVATE_KEY',
        native: 'INVALID_PRIVATE_KEY',
      })
    }
    expect(codeOn(new Uint8Array(31))).toEqual({
      pure: 'INVALID_PRIVATE_KEY',
      native: 'INVALID_PRIVATE_KEY',
    })
  })

  it('keeps a ring signer working across a backend switch', () => {
    const keys = [getPlaceholderRingKey().privateKey, generatePrivateKey()]
    const ring = keys.map((k) => getPublicKey(k))
    for (const [from, to] of [
      ['native', 'pure'],
      ['pure', 'native'],
    ] as const) {
      setCryptoBackend(from)
      const signer = createRingSigner(keys[1]!)
      setCryptoBackend(to)
      const message = crypto.getRandomValues(new Uint8Array(32))
      const wire = serializeRingSignature(signer.sign(message, ring))
      expect(onBoth(() => ringVerify(wire, message))).toEqual({ pure: true, native: true })
    }
  })

  it('signs with a nonce prepared on the other backend', () => {
    const keys = [getPlaceholderRingKey().privateKey, generatePrivateKey()]
    const ring = keys.map((k) => getPublicKey(k))
    for (const [from, to] of [
      ['native', 'pure'],
      ['pure', 'native'],
    ] as const) {
      setCryptoBackend(from)
      const signer = createRingSigner(keys[1]!)
      const prepared = signer.prepare()
      setCryptoBackend(to)
      const message = crypto.getRandomValues(new Uint8Array(32))
      const wire = serializeRingSignature(signer.sign(message, ring, { prepared }))
      expect(onBoth(() => ringVerify(wire, message))).toEqual({ pure: true, native: true })
    }
  })

  it('refuses high-S, zero scalars and malformed keys on both', () => {
    const key = generatePrivateKey()
    const message = new Uint8Array(32).fill(9)
    const signature = signSecp256k1(message, key)
    const pub = getPublicKey(key)
    const high = signature.slice()
    const s = BigInt(`0x${bytesToHex(signature.subarray(32))}`)
    writeBigInt32(N - s, high, 32)
    const zero = signature.slice().fill(0, 32)
    for (const [sig, pk] of [
      [high, pub],
      [zero, pub],
      [signature, new Uint8Array(33)],
      [signature, pub.subarray(1)],
    ] as const) {
      expect(onBoth(() => verifySecp256k1(sig, message, pk))).toEqual({
        pure: false,
        native: false,
      })
    }
  })

  it.each([2, 3, 6])('verifies each other’s ring signatures (ring of %i)', (size) => {
    const keys = Array.from({ length: size }, () => generatePrivateKey())
    keys[0] = getPlaceholderRingKey().privateKey
    const ring = keys.map((k) => getPublicKey(k))
    for (let j = 0; j < size; j++) {
      const message = crypto.getRandomValues(new Uint8Array(32))
      const signed = onBoth(() => serializeRingSignature(ringSign(message, ring, keys[j]!)))
      const signers = onBoth(() => createRingSigner(keys[j]!))
      expect(bytesToHex(signers.native.keyImage)).toBe(bytesToHex(signers.pure.keyImage))
      for (const wire of [signed.pure, signed.native]) {
        expect(onBoth(() => ringVerify(wire, message))).toEqual({ pure: true, native: true })
        const tampered = wire.slice()
        tampered[40] = tampered[40]! ^ 1
        expect(onBoth(() => ringVerify(tampered, message))).toEqual({ pure: false, native: false })
      }
    }
  })
})

describe.runIf(native !== undefined)('the libsecp256k1 kernel', () => {
  const b = native!
  const G = secp256k1.Point.BASE
  const enc = (p: InstanceType<typeof secp256k1.Point>) =>
    p.equals(secp256k1.Point.ZERO) ? undefined : bytesToHex(p.toBytes(true))
  const hex = (p: Uint8Array | undefined) => (p === undefined ? undefined : bytesToHex(p))
  const scalar = fc.bigInt({ min: 0n, max: N - 1n })

  it('computes c·P + s·G through key recovery, identity and edge scalars included', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: N - 1n }), scalar, scalar, (a, c, s) => {
        const p = G.multiply(a)
        const want = enc(p.multiplyUnsafe(c).add(G.multiplyUnsafe(s)))
        expect(hex(multiplyAddBasePublicNative(b, p.toBytes(true), c, s))).toBe(want)
        expect(hex(multiplyPublicNative(b, p.toBytes(true), c))).toBe(enc(p.multiplyUnsafe(c)))
      }),
      {
        numRuns: 80,
        examples: [
          [5n, 0n, 0n],
          [5n, 0n, 7n],
          [5n, 7n, 0n],
          [5n, 3n, N - 15n],
          [1n, N - 1n, 1n],
        ],
      },
    )
  })

  it('computes a·P + b·Q on uncompressed points, identity and zero scalars included', () => {
    const wide = (p: InstanceType<typeof secp256k1.Point>) => decompressNative(b, p.toBytes(true))
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: N - 1n }),
        fc.bigInt({ min: 1n, max: N - 1n }),
        scalar,
        scalar,
        (pk, qk, x, y) => {
          const p = G.multiply(pk)
          const q = G.multiply(qk)
          const want = enc(p.multiplyUnsafe(x).add(q.multiplyUnsafe(y)))
          expect(hex(multiplyAddPublicNative(b, wide(p), x, wide(q), y))).toBe(want)
        },
      ),
      {
        numRuns: 60,
        examples: [
          [5n, 9n, 0n, 0n],
          [5n, 9n, 0n, 7n],
          [5n, 9n, 7n, 0n],
          // 3·(5G) + (n − 5)·(3G): the identity.
          [5n, 3n, 3n, N - 5n],
        ],
      },
    )
  })

  it('decompresses points as noble does', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: N - 1n }), (k) => {
        const p = G.multiply(k)
        expect(bytesToHex(decompressNative(b, p.toBytes(true)))).toBe(bytesToHex(p.toBytes(false)))
      }),
      { numRuns: 40 },
    )
  })

  it('takes the general path for a point whose x is n or above', () => {
    // x in [n, p): recovery needs its flag for x = r + n; the smallest such x on the curve.
    let x = N
    let point: ReturnType<typeof liftX>
    do point = liftX(x++, false)
    while (point === undefined)
    const p = secp256k1.Point.fromAffine(point)
    for (const [c, s] of [
      [3n, 5n],
      [N - 1n, 2n],
    ] as const) {
      const want = enc(p.multiplyUnsafe(c).add(G.multiplyUnsafe(s)))
      expect(hex(multiplyAddBasePublicNative(b, p.toBytes(true), c, s))).toBe(want)
    }
  })

  it('adds points, the identity and inverses included', () => {
    const p = G.multiply(11n).toBytes(true)
    const minus = G.multiply(N - 11n).toBytes(true)
    expect(addNative(b, p, minus)).toBeUndefined()
    expect(hex(addNative(b, undefined, p))).toBe(hex(p))
    expect(hex(addNative(b, p, undefined))).toBe(hex(p))
    expect(hex(addNative(b, p, p))).toBe(enc(G.multiply(22n)))
  })

  it('multiplies secret scalars in constant time to the same points', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: N - 1n }),
        fc.bigInt({ min: 1n, max: N - 1n }),
        (a, k) => {
          const p = G.multiply(a)
          const secret = toSecretScalar(k)
          expect(hex(multiplyBaseSecretNative(b, secret))).toBe(enc(G.multiply(k)))
          expect(hex(multiplySecretNative(b, p.toBytes(true), secret))).toBe(enc(p.multiply(k)))
        },
      ),
      {
        numRuns: 40,
        examples: [
          [1n, 1n],
          [2n, N - 1n],
          [N - 1n, modN(N >> 1n)],
        ],
      },
    )
  })
})
