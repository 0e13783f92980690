// Secret scalars never reach the variable-time path.
//
// Every function exported by point.ts and native-point.ts (the fast, variable-time kernels of the
// two backends) and by secret-multiply.ts (the constant-time operations of both) is wrapped to record the bigints it is given, then called through
// unchanged. Signing runs as usual; the test then recovers the secrets from the public output (the
// nonce from r, s and d; the ring nonce from s_j, c_j and x) and checks where each one went. The
// wrappers exist only in this test file, so production code pays nothing for them.

import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it, vi } from 'vitest'
import { bytesToBigInt } from '../src/bytes.js'
import { invN, modN, N } from '../src/field.js'
import {
  createRingSigner,
  generatePrivateKey,
  getCryptoBackend,
  getPlaceholderRingKey,
  getPublicKey,
  ringSign,
  ringVerify,
  signSecp256k1,
  verifySecp256k1,
} from '../src/index.js'
import { addMultiplePublic, baseTable, identity, readUint256 } from '../src/point.js'
import { traceRingSignature } from '../src/ring-signature.js'
import { toSecretScalar } from '../src/scalar.js'

const seen = vi.hoisted(() => {
  const fast: bigint[] = []
  const constant: bigint[] = []
  // Records bigint arguments, bigints inside array arguments (the multi-scalar form), and 32-byte
  // arrays read as big-endian integers (keys handed to libsecp256k1 as bytes).
  const asInteger = (bytes: Uint8Array): bigint =>
    BigInt(`0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`)
  const recordInto = (into: bigint[]) => (args: unknown[]) => {
    for (const a of args) {
      if (typeof a === 'bigint') into.push(a)
      else if (a instanceof Uint8Array && a.length === 32) into.push(asInteger(a))
      else if (Array.isArray(a)) for (const b of a) if (typeof b === 'bigint') into.push(b)
    }
  }
  const wrapAll = (module: Record<string, unknown>, record: (args: unknown[]) => void) =>
    Object.fromEntries(
      Object.entries(module).map(([name, value]) => [
        name,
        typeof value === 'function'
          ? (...args: unknown[]) => {
              record(args)
              return (value as (...a: unknown[]) => unknown)(...args)
            }
          : value,
      ]),
    )
  return { fast, constant, recordInto, wrapAll }
})

vi.mock('../src/point.js', async (importOriginal) =>
  seen.wrapAll(await importOriginal(), seen.recordInto(seen.fast)),
)
vi.mock('../src/native-point.js', async (importOriginal) =>
  seen.wrapAll(await importOriginal(), seen.recordInto(seen.fast)),
)
vi.mock('../src/secret-multiply.js', async (importOriginal) =>
  seen.wrapAll(await importOriginal(), seen.recordInto(seen.constant)),
)

/** Runs `action` and returns what each path was given meanwhile. */
function observe<T>(action: () => T): { result: T; fast: bigint[]; constant: bigint[] } {
  seen.fast.length = 0
  seen.constant.length = 0
  const result = action()
  return { result, fast: [...seen.fast], constant: [...seen.constant] }
}

/** Fails if a secret, or its negation (a leak of n − k is a leak of k), reached the fast path. */
function expectNoneOnFastPath(fast: readonly bigint[], secrets: Record<string, bigint>): void {
  for (const [name, k] of Object.entries(secrets)) {
    for (const v of [k, modN(N - k)]) {
      expect(fast.includes(v), `${name} reached the variable-time path`).toBe(false)
    }
  }
}

describe('secret scalars take the constant-time path only', () => {
  it('derives public keys from private keys in constant time', () => {
    for (let i = 0; i < 4; i++) {
      const key = generatePrivateKey()
      const { fast, constant } = observe(() => getPublicKey(key))
      const x = bytesToBigInt(key)
      expectNoneOnFastPath(fast, { 'the private key': x })
      expect(constant).toContain(x)
    }
  })

  it('signs ECDSA with the key and the RFC 6979 nonce in constant time', () => {
    for (let i = 0; i < 8; i++) {
      const key = generatePrivateKey()
      const message = crypto.getRandomValues(new Uint8Array(40))
      const { result: signature, fast, constant } = observe(() => signSecp256k1(message, key))
      const d = bytesToBigInt(key)
      const r = readUint256(signature, 0)
      const s = readUint256(signature, 32)
      // k = s⁻¹(e + r·d), up to the sign that low-S may have flipped.
      const e = modN(bytesToBigInt(sha256(message)))
      const k = modN(invN(s) * modN(e + r * d))
      expectNoneOnFastPath(fast, { 'the private key': d, 'the nonce': k })
      if (getCryptoBackend() === 'native') {
        // libsecp256k1 signs: the key goes in, the nonce never leaves it.
        expect(constant).toContain(d)
      } else {
        // The nonce went through the constant-time multiply (d itself is never multiplied onto a
        // point when signing), and the observer is live: point.ts serialized r and s.
        expect(constant.includes(k) || constant.includes(N - k)).toBe(true)
        expect(fast).toContain(r)
        expect(fast).toContain(s)
      }
      expect(verifySecp256k1(signature, message, getPublicKey(key))).toBe(true)
    }
  })

  describe.each([2, 3, 5, 8])('ring signatures over rings of %i', (size) => {
    const keys = Array.from({ length: size }, () => generatePrivateKey())
    // The common poktroll ring: the placeholder key and an application without gateways.
    if (size === 2) keys[0] = getPlaceholderRingKey().privateKey
    const ring = keys.map((k) => getPublicKey(k))

    it.each([
      ['createRingSigner', 'first'],
      ['createRingSigner', 'last'],
      ['ringSign', 'first'],
      ['ringSign', 'last'],
    ] as const)('%s, signer %s', (how, where) => {
      const j = where === 'first' ? 0 : size - 1
      const message = crypto.getRandomValues(new Uint8Array(32))
      const {
        result: signature,
        fast,
        constant,
      } = observe(() =>
        how === 'ringSign'
          ? ringSign(message, ring, keys[j]!)
          : createRingSigner(keys[j]!).sign(message, ring),
      )
      const x = bytesToBigInt(keys[j]!)
      const { challenges, valid } = traceRingSignature(signature, message)
      expect(valid).toBe(true)
      // s_j = u − c_j·x, so the nonce is u = s_j + c_j·x, and c_j·x is as secret as u.
      const cx = modN(challenges[j]! * x)
      const u = modN(signature.responses[j]! + cx)
      expectNoneOnFastPath(fast, { 'the private key': x, 'the nonce': u, 'c_j times x': cx })
      // x made the public key and the key image, u its two commitments: all in constant time.
      expect(constant).toContain(x)
      expect(constant).toContain(u)
      // The observer is live: the decoy steps multiply their published responses on the fast path.
      for (let i = 0; i < size; i++) {
        if (i !== j) expect(fast).toContain(signature.responses[i])
      }
      expect(ringVerify(signature, message)).toBe(true)
    })
  })
})

describe('two-phase ring signing', () => {
  const keys = [getPlaceholderRingKey().privateKey, generatePrivateKey()]
  const ring = keys.map((k) => getPublicKey(k))
  const x = bytesToBigInt(keys[1]!)
  const nonceOf = (signature: ReturnType<typeof ringSign>, message: Uint8Array): bigint => {
    const { challenges, valid } = traceRingSignature(signature, message)
    expect(valid).toBe(true)
    return modN(signature.responses[1]! + modN(challenges[1]! * x))
  }

  it('multiplies the nonce in constant time when preparing, and not at all when signing', () => {
    const signer = createRingSigner(keys[1]!)
    for (let i = 0; i < 4; i++) {
      const prepare = observe(() => signer.prepare())
      const message = crypto.getRandomValues(new Uint8Array(32))
      const sign = observe(() => signer.sign(message, ring, { prepared: prepare.result }))
      const u = nonceOf(sign.result, message)
      const cx = modN(challengesOf(sign.result, message)[1]! * x)
      // The nonce went through both constant-time multiplications while preparing...
      expect(prepare.constant.filter((k) => k === u)).toHaveLength(2)
      expectNoneOnFastPath(prepare.fast, { 'the nonce': u })
      // ...and signing ran only public steps: no secret multiplied, none on the fast path.
      expect(sign.constant).toEqual([])
      expectNoneOnFastPath(sign.fast, { 'the private key': x, 'the nonce': u, 'c_j times x': cx })
    }
  })

  it('fills the pool through the constant-time path', async () => {
    const signer = createRingSigner(keys[1]!, { prepareAhead: 2 })
    seen.fast.length = 0
    seen.constant.length = 0
    while (signer.pooledNonces < 2) await new Promise((resolve) => setImmediate(resolve))
    const filled = { fast: [...seen.fast], constant: [...seen.constant] }
    const message = crypto.getRandomValues(new Uint8Array(32))
    const sign = observe(() => signer.sign(message, ring))
    const u = nonceOf(sign.result, message)
    expect(filled.constant).toContain(u)
    expectNoneOnFastPath(filled.fast, { 'the nonce': u })
    expect(sign.constant).toEqual([])
  })
})

function challengesOf(signature: ReturnType<typeof ringSign>, message: Uint8Array): bigint[] {
  return traceRingSignature(signature, message).challenges
}

// The type-checker refuses a secret scalar on the fast path (checked by `pnpm typecheck`).
export function refusedByTheTypes(): void {
  // @ts-expect-error a SecretScalar is not a PublicScalar
  addMultiplePublic(identity(), baseTable(), toSecretScalar(1n))
}
