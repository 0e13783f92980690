// Linkable ring signatures byte-compatible with ring-go v0.2.0 on go-dleq's decred secp256k1
// backend: bLSAG with key image I = x·H_p(P) and challenges c_{i+1} = H_s(m ‖ L_i ‖ R_i), where
// L_i = c_i·P_i + s_i·G and R_i = c_i·I + s_i·H_p(P_i). poktroll signs relay requests with it.

import { equalBytes } from '@decai/core'
import { nativeBinding } from './backend.js'
import { assertBytes, isBytes } from './bytes.js'
import { CryptoError, isCryptoError } from './errors.js'
import { modN, N } from './field.js'
import { parsePrivateKey } from './keys.js'
import type { Secp256k1Binding } from './native-binding.js'
import {
  type EncodedPoint,
  multiplyAddBasePublicNative,
  multiplyAddPublicNative,
} from './native-point.js'
import {
  type Affine,
  addMultiplePublic,
  addMultiplesPublic,
  baseTable,
  decodePoint,
  G,
  identity,
  type Jacobian,
  readUint256,
  toAffineBatch,
  writeCompressed,
  writeScalar,
} from './point.js'
import {
  type CachedPoint,
  internEncoded,
  internPoint,
  lookupPoint,
  useTable,
} from './ring-cache.js'
import { hashToScalar } from './ring-hash.js'
import { type PublicScalar, randomScalar, randomSecretScalar, type SecretScalar } from './scalar.js'
import {
  multiplyBaseSecret,
  multiplyBaseSecretNative,
  multiplySecret,
  multiplySecretNative,
  prepareSecretBase,
  type SecretBase,
} from './secret-multiply.js'

/** A decoded ring signature. Serialize it with `serializeRingSignature` for the wire. */
export type RingSignature = {
  /** The ring's public keys, 33-byte compressed, in signing order (they travel with it). */
  readonly ring: readonly Uint8Array[]
  /** c_0, the first challenge, reduced mod n. */
  readonly challenge: bigint
  /** s_0 … s_{n-1}, reduced mod n. */
  readonly responses: readonly bigint[]
  /** The key image I = x·H_p(x·G), 33-byte compressed: the same for every signature of a key. */
  readonly keyImage: Uint8Array
}

export type RingDecodeOptions = {
  /**
   * Largest ring accepted, to bound verification work. ring-go has no limit; poktroll rings are
   * the application plus its gateways. Default 1024.
   */
  maxRingSize?: number
}

/**
 * The message-independent half of one ring signature, made ahead by `RingSigner.prepare`: the
 * signer's secret nonce u and its commitments u·G and u·H_p(P). Opaque: it has no readable
 * properties (the nonce stays inside the package, so serializing or cloning the object yields an
 * empty object), and it signs at most once.
 */
export type PreparedRingNonce = { readonly [preparedBrand]: true }
declare const preparedBrand: unique symbol

/** Options of `RingSigner.sign`. */
export type RingSignOptions = {
  /**
   * A nonce from this signer's `prepare()`, so that the call only runs the message-dependent part
   * of the signature. It is spent by the first `sign` call it is given to, even one that throws;
   * a second use throws `RING_NONCE_REUSED`, one from another signer `RING_NONCE_FOREIGN`.
   */
  prepared?: PreparedRingNonce
}

/** Options of `createRingSigner`. */
export type RingSignerOptions = {
  /**
   * Nonces the signer keeps prepared in a pool of its own (default 0: none). A `sign` call without
   * `prepared` takes one from the pool when there is one, and the signer refills the pool one
   * nonce per event-loop turn (`setImmediate`) after a signature, off the caller's path. Costs a
   * few hundred bytes per nonce.
   */
  prepareAhead?: number
}

/** A signer bound to one private key, keeping its derived public values between signatures. */
export type RingSigner = {
  /** 33-byte compressed public key. */
  readonly publicKey: Uint8Array
  /** Key image I = x·H_p(P), 33 bytes. */
  readonly keyImage: Uint8Array
  /** Nonces ready in the signer's own pool (see `prepareAhead`). */
  readonly pooledNonces: number
  /**
   * Signs a 32-byte message over `ring`, which must contain this signer's public key. With
   * `prepared` (or a pooled nonce, see `prepareAhead`), only the message-dependent steps run.
   */
  sign(message: Uint8Array, ring: readonly Uint8Array[], options?: RingSignOptions): RingSignature
  /**
   * Computes the message-independent half of one signature now (the nonce and its two
   * constant-time multiplications), for a later `sign(message, ring, { prepared })`: for example
   * while the relay's supplier is not chosen yet, since the signed bytes name it. Independent of
   * the ring, so any ring holding this signer's key can use it.
   */
  prepare(): PreparedRingNonce
}

const DEFAULT_MAX_RING_SIZE = 1024
const SCALAR = 32
const POINT = 33
const HEADER = 4 + SCALAR + POINT
const MEMBER = SCALAR + POINT

// --- decoding ---

type ParsedSignature = {
  ring: CachedPoint[]
  challenge: bigint
  responses: bigint[]
  image: CachedPoint
}

function invalidPoint(what: string): CryptoError {
  return new CryptoError('RING_SIGNATURE_INVALID_POINT', 'Ring signature holds an invalid point.', {
    details: what,
  })
}

// Accepts exactly what ring-go's Deserialize accepts, except ring size 0 (on which ring-go's
// Verify panics), fewer than 4 bytes (Deserialize itself panics) and rings above maxRingSize.
function parse(bytes: Uint8Array, options: RingDecodeOptions): ParsedSignature {
  assertBytes(bytes, 'a serialized ring signature')
  const max = options.maxRingSize ?? DEFAULT_MAX_RING_SIZE
  if (bytes.length < 4) {
    throw new CryptoError('RING_SIGNATURE_TRUNCATED', 'Ring signature is truncated.', {
      details: `${bytes.length} bytes, the ring size alone takes 4`,
    })
  }
  const size = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0
  if (size === 0) {
    throw new CryptoError('RING_SIGNATURE_EMPTY_RING', 'Ring signature declares an empty ring.')
  }
  if (size > max) {
    throw new CryptoError('RING_SIGNATURE_TOO_LARGE', 'Ring signature declares too many members.', {
      details: `${size} members, at most ${max} accepted`,
    })
  }
  const need = HEADER + MEMBER * size
  // Trailing bytes are ignored, as ring-go ignores them.
  if (bytes.length < need) {
    throw new CryptoError('RING_SIGNATURE_TRUNCATED', 'Ring signature is truncated.', {
      details: `${bytes.length} bytes, a ring of ${size} needs ${need}`,
    })
  }
  const image = lookupPoint(bytes, 4 + SCALAR)
  if (image === undefined) throw invalidPoint('key image')
  const ring: CachedPoint[] = new Array(size)
  const responses: bigint[] = new Array(size)
  for (let i = 0; i < size; i++) {
    const at = HEADER + MEMBER * i
    // Scalars are reduced mod n without complaint, as decred's SetByteSlice does.
    responses[i] = modN(readUint256(bytes, at))
    const member = lookupPoint(bytes, at + SCALAR)
    if (member === undefined) throw invalidPoint(`ring member ${i}`)
    ring[i] = member
  }
  return { ring, challenge: modN(readUint256(bytes, 4)), responses, image }
}

/**
 * Decodes ring-go's wire format: u32be(n) ‖ c_0 ‖ I ‖ (s_i ‖ P_i)·n, 69 + 65n bytes. Accepts what
 * ring-go accepts (scalars reduced mod n, trailing bytes ignored) and throws a `CryptoError` for
 * the rest: `RING_SIGNATURE_TRUNCATED`, `RING_SIGNATURE_EMPTY_RING`, `RING_SIGNATURE_TOO_LARGE`,
 * `RING_SIGNATURE_INVALID_POINT`.
 */
export function deserializeRingSignature(
  bytes: Uint8Array,
  options: RingDecodeOptions = {},
): RingSignature {
  const parsed = parse(bytes, options)
  return {
    ring: parsed.ring.map((p) => p.bytes.slice()),
    challenge: parsed.challenge,
    responses: parsed.responses,
    keyImage: parsed.image.bytes.slice(),
  }
}

/** Encodes a ring signature in ring-go's wire format (69 + 65n bytes). */
export function serializeRingSignature(signature: RingSignature): Uint8Array {
  if (typeof signature !== 'object' || signature === null) {
    throw new CryptoError('INVALID_INPUT', 'Expected a ring signature object.')
  }
  const { ring, responses, challenge, keyImage } = signature
  if (!Array.isArray(ring) || !Array.isArray(responses) || ring.length !== responses.length) {
    throw new CryptoError('INVALID_INPUT', 'Ring and responses must be arrays of equal length.')
  }
  assertBytes(keyImage, 'the key image', POINT)
  const out = new Uint8Array(HEADER + MEMBER * ring.length)
  new DataView(out.buffer).setUint32(0, ring.length)
  writeScalarChecked(challenge, out, 4, 'the challenge')
  out.set(keyImage, 4 + SCALAR)
  for (let i = 0; i < ring.length; i++) {
    const at = HEADER + MEMBER * i
    writeScalarChecked(responses[i], out, at, `response ${i}`)
    assertBytes(ring[i], `ring member ${i}`, POINT)
    out.set(ring[i]!, at + SCALAR)
  }
  return out
}

function writeScalarChecked(value: unknown, out: Uint8Array, offset: number, what: string): void {
  if (typeof value !== 'bigint' || value < 0n || value >= N) {
    throw new CryptoError('INVALID_INPUT', `Expected ${what} as a bigint in [0, n).`)
  }
  writeScalar(value, out, offset)
}

// --- the challenge chain ---

type Term = {
  point: Affine
  scalar: PublicScalar
  table: ReturnType<typeof useTable>
}

/**
 * acc ← acc + Σ scalar·point: Strauss over the points without tables, table additions for the
 * rest. Variable-time: the scalars are challenges and responses, which the signature publishes.
 */
function accumulate(acc: Jacobian, a: Term, b: Term): void {
  const coldPoints: Affine[] = []
  const coldScalars: PublicScalar[] = []
  for (const t of [a, b]) {
    if (t.table === undefined && t.scalar !== 0n) {
      coldPoints.push(t.point)
      coldScalars.push(t.scalar)
    }
  }
  addMultiplesPublic(acc, coldPoints, coldScalars)
  if (a.table !== undefined) addMultiplePublic(acc, a.table, a.scalar)
  if (b.table !== undefined) addMultiplePublic(acc, b.table, b.scalar)
}

/** Where the chain's challenges went through decred's left-alignment (for tests and producers). */
export type ChainTrace = { challenges: bigint[]; shiftedSteps: number[] }

/** Step i of the chain: c_{i+1} = H_s(m ‖ c_i·P_i + s_i·G ‖ c_i·I + s_i·H_p(P_i)). */
function nextChallenge(
  buf: Uint8Array,
  member: CachedPoint,
  memberTable: ReturnType<typeof useTable>,
  image: CachedPoint,
  imageTable: ReturnType<typeof useTable>,
  c: PublicScalar,
  s: PublicScalar,
): { scalar: bigint; shifted: boolean } {
  const hp = member.hashPoint()
  const l = identity()
  const r = identity()
  accumulate(
    l,
    { point: member.point, scalar: c, table: memberTable },
    { point: G, scalar: s, table: baseTable() },
  )
  accumulate(
    r,
    { point: image.point, scalar: c, table: imageTable },
    { point: hp.point, scalar: s, table: useTable(hp) },
  )
  const [la, ra] = toAffineBatch([l, r])
  writeCompressed(la, buf, 32)
  writeCompressed(ra, buf, 32 + POINT)
  return hashToScalar(buf)
}

function writeEncoded(point: EncodedPoint, out: Uint8Array, offset: number): void {
  if (point === undefined) writeCompressed(undefined, out, offset)
  else out.set(point, offset)
}

/** The same step on libsecp256k1: L in one recovery pass, R as two multiplications and a sum. */
function nextChallengeNative(
  binding: Secp256k1Binding,
  buf: Uint8Array,
  member: CachedPoint,
  image: CachedPoint,
  c: PublicScalar,
  s: PublicScalar,
): { scalar: bigint; shifted: boolean } {
  const hp = member.hashPoint()
  const l = multiplyAddBasePublicNative(binding, member.bytes, c, s)
  const r = multiplyAddPublicNative(
    binding,
    image.uncompressed(binding),
    c,
    hp.uncompressed(binding),
    s,
  )
  writeEncoded(l, buf, 32)
  writeEncoded(r, buf, 32 + POINT)
  return hashToScalar(buf)
}

function walk(parsed: ParsedSignature, message: Uint8Array, trace?: ChainTrace): boolean {
  const buf = new Uint8Array(32 + 2 * POINT)
  buf.set(message, 0)
  const binding = nativeBinding()
  if (binding !== undefined) {
    let c = parsed.challenge
    for (let i = 0; i < parsed.ring.length; i++) {
      trace?.challenges.push(c)
      const next = nextChallengeNative(
        binding,
        buf,
        parsed.ring[i]!,
        parsed.image,
        c,
        parsed.responses[i]!,
      )
      if (next.shifted) trace?.shiftedSteps.push(i)
      c = next.scalar
    }
    return c === parsed.challenge
  }
  const imageTable = useTable(parsed.image)
  let c = parsed.challenge
  for (let i = 0; i < parsed.ring.length; i++) {
    const member = parsed.ring[i]!
    trace?.challenges.push(c)
    const next = nextChallenge(
      buf,
      member,
      useTable(member),
      parsed.image,
      imageTable,
      c,
      parsed.responses[i]!,
    )
    if (next.shifted) trace?.shiftedSteps.push(i)
    c = next.scalar
  }
  return c === parsed.challenge
}

function assertMessage(message: unknown): asserts message is Uint8Array {
  if (!isBytes(message) || message.length !== 32) {
    throw new CryptoError('INVALID_MESSAGE', 'Ring signatures sign a 32-byte message.', {
      details: isBytes(message) ? `got ${message.length} bytes` : 'not a Uint8Array',
    })
  }
}

function toParsed(
  signature: RingSignature | Uint8Array,
  options: RingDecodeOptions,
): ParsedSignature | undefined {
  try {
    if (isBytes(signature)) return parse(signature, options)
    if (typeof signature !== 'object' || signature === null) return undefined
    const { ring, responses, challenge, keyImage } = signature
    if (!Array.isArray(ring) || !Array.isArray(responses) || ring.length !== responses.length)
      return undefined
    if (ring.length === 0 || ring.length > (options.maxRingSize ?? DEFAULT_MAX_RING_SIZE))
      return undefined
    if (typeof challenge !== 'bigint' || challenge < 0n || challenge >= N) return undefined
    if (!isBytes(keyImage) || keyImage.length !== POINT) return undefined
    const image = lookupPoint(keyImage)
    if (image === undefined) return undefined
    const members: CachedPoint[] = []
    for (let i = 0; i < ring.length; i++) {
      const m = ring[i]
      const s = responses[i]
      if (!isBytes(m) || m.length !== POINT || typeof s !== 'bigint' || s < 0n || s >= N)
        return undefined
      const entry = lookupPoint(m)
      if (entry === undefined) return undefined
      members.push(entry)
    }
    return { ring: members, challenge, responses: responses as bigint[], image }
  } catch (error) {
    if (isCryptoError(error)) return undefined
    throw error
  }
}

/**
 * Verifies a ring signature over a 32-byte message exactly as ring-go does (a ring of one is
 * accepted, as in Go). Returns false for anything that is not a valid signature, including bytes
 * that do not decode; throws `INVALID_MESSAGE` only for a message that is not 32 bytes.
 *
 * The chain checks the ring the signature carries. poktroll additionally requires every member to
 * belong to the application's ring: see `verifyRingMembership`.
 */
export function ringVerify(
  signature: RingSignature | Uint8Array,
  message: Uint8Array,
  options: RingDecodeOptions = {},
): boolean {
  assertMessage(message)
  // Resolves the backend first: a forced backend that is unavailable throws, never reads as false.
  nativeBinding()
  const parsed = toParsed(signature, options)
  if (parsed === undefined) return false
  try {
    return walk(parsed, message)
  } catch (error) {
    // A challenge Go would panic on, or a hash-to-curve failure: never a valid signature.
    if (isCryptoError(error)) return false
    throw error
  }
}

/**
 * Recomputes the challenge chain of a signature and reports which steps went through decred's
 * left-alignment quirk. For tests and conformance producers.
 */
export function traceRingSignature(
  signature: RingSignature | Uint8Array,
  message: Uint8Array,
): ChainTrace & { valid: boolean } {
  assertMessage(message)
  const parsed = toParsed(signature, {})
  if (parsed === undefined)
    throw new CryptoError('INVALID_INPUT', 'Not a decodable ring signature.')
  const trace: ChainTrace = { challenges: [], shiftedSteps: [] }
  const valid = walk(parsed, message, trace)
  return { ...trace, valid }
}

/**
 * poktroll's ring check: every public key in the signature's ring must be one of the expected
 * keys (the application's ring at the session end height). It is a subset test, as the chain and
 * the relayminer run it; order and missing members do not matter.
 */
export function verifyRingMembership(
  signature: RingSignature | Uint8Array,
  expectedPublicKeys: readonly Uint8Array[],
  options: RingDecodeOptions = {},
): boolean {
  nativeBinding()
  const parsed = toParsed(signature, options)
  if (parsed === undefined || !Array.isArray(expectedPublicKeys)) return false
  const expected = new Set<string>()
  for (const key of expectedPublicKeys) {
    // poktroll fails the request when a ring key cannot be decoded.
    const entry = publicKeyEntry(key)
    if (entry === undefined) return false
    expected.add(entry.key)
  }
  return parsed.ring.every((member) => expected.has(member.key))
}

/** The cache entry of a public key: 33-byte keys through the cache, others decoded. */
function publicKeyEntry(key: unknown): CachedPoint | undefined {
  if (!isBytes(key)) return undefined
  if (key.length === 33) return lookupPoint(key)
  const point = decodePoint(key)
  return point === undefined ? undefined : internPoint(point)
}

// --- signing ---
//
// Secrets: the private key x, the nonce u, and what is derived from them alone (x·G, the key image
// x·H_p(P), u·G, u·H_p(P)). They go through the constant-time multiply. The other n − 1 steps of
// the chain multiply challenges and random responses that the signature publishes, so they share
// the verifier's fast path.

function ringEntries(ring: readonly Uint8Array[]): CachedPoint[] {
  if (!Array.isArray(ring))
    throw new CryptoError('INVALID_INPUT', 'Expected the ring as an array of public keys.')
  if (ring.length < 2) {
    throw new CryptoError('RING_TOO_SMALL', 'A ring needs at least two members.', {
      details: `got ${ring.length}`,
    })
  }
  return ring.map((key, i) => {
    const entry = publicKeyEntry(key)
    if (entry === undefined) {
      throw new CryptoError('INVALID_PUBLIC_KEY', 'Ring member is not a valid public key.', {
        details: `member ${i}`,
      })
    }
    return entry
  })
}

/** The nonce of one signature: u and its commitments u·G ‖ u·H_p(P), 33 bytes each. */
type Nonce = { u: SecretScalar; commitments: Uint8Array }

/**
 * What a `PreparedRingNonce` stands for. The handles themselves are empty objects; their nonces
 * live here, keyed by handle, so that nothing reachable from a handle (enumeration, JSON,
 * `structuredClone`, `util.inspect`) shows the secret. `nonce` is dropped when it is spent.
 */
type PreparedState = { owner: object; nonce: Nonce | undefined }
const preparedNonces = new WeakMap<object, PreparedState>()

class PreparedNonceHandle {
  // The secret is held in `preparedNonces`, never on the handle.
  toJSON(): Record<string, never> {
    return {}
  }
}

/** Takes the nonce out of a handle, which is spent from then on. */
function spendPrepared(prepared: unknown, owner: object): Nonce {
  const state =
    typeof prepared === 'object' && prepared !== null ? preparedNonces.get(prepared) : undefined
  if (state === undefined || state.owner !== owner) {
    throw new CryptoError('RING_NONCE_FOREIGN', 'The prepared nonce was not made by this signer.', {
      details: state === undefined ? 'not from RingSigner.prepare()' : 'another signer made it',
    })
  }
  const nonce = state.nonce
  if (nonce === undefined) {
    throw new CryptoError('RING_NONCE_REUSED', 'A prepared nonce signs at most once.', {
      details: 'two signatures with one nonce give the private key away; prepare() a fresh one',
    })
  }
  state.nonce = undefined
  return nonce
}

// setImmediate where it exists (Node: after the pending I/O of this turn), a zero timer elsewhere.
const later: (run: () => void) => void =
  typeof globalThis.setImmediate === 'function'
    ? (run) => {
        globalThis.setImmediate(run)
      }
    : (run) => {
        setTimeout(run, 0)
      }

type TracedRingSigner = Omit<RingSigner, 'sign'> & {
  sign(
    message: Uint8Array,
    ring: readonly Uint8Array[],
    options?: RingSignOptions & { trace?: { shiftedSteps: number[] } },
  ): RingSignature
}

/**
 * Creates a signer for one private key. Deriving the key image and the constant-time table of the
 * signer's hash-to-curve point costs some tens of milliseconds once; each signature then costs
 * about as much as a verification plus two constant-time multiplications, which `prepare()` (or
 * `prepareAhead`) moves out of the signing call.
 */
export function createRingSigner(
  privateKey: Uint8Array,
  options: RingSignerOptions = {},
): RingSigner {
  const signer = bindSigner(privateKey, true, options)
  return {
    publicKey: signer.publicKey,
    keyImage: signer.keyImage,
    get pooledNonces() {
      return signer.pooledNonces
    },
    sign: (message, ring, signOptions) =>
      signer.sign(
        message,
        ring,
        signOptions?.prepared === undefined ? undefined : { prepared: signOptions.prepared },
      ),
    prepare: () => signer.prepare(),
  }
}

/**
 * `createRingSigner` whose `sign` can also report which chain steps went through decred's
 * left-alignment (for conformance producers searching for the quirk).
 */
export function createTracedRingSigner(
  privateKey: Uint8Array,
  options: RingSignerOptions = {},
): TracedRingSigner {
  return bindSigner(privateKey, true, options)
}

function readPoolTarget(options: RingSignerOptions): number {
  const target = options.prepareAhead ?? 0
  if (!Number.isSafeInteger(target) || target < 0 || target > 1024) {
    throw new CryptoError('INVALID_INPUT', 'prepareAhead must be an integer in [0, 1024].')
  }
  return target
}

// `reuse` keeps a constant-time table of H_p(P) for the signer's lifetime (tens of milliseconds to
// build, then each signature's u·H_p(P) is several times cheaper); a one-shot signature skips it.
function bindSigner(
  privateKey: Uint8Array,
  reuse: boolean,
  options: RingSignerOptions = {},
): TracedRingSigner {
  const x = parsePrivateKey(privateKey)
  const poolTarget = readPoolTarget(options)
  const binding = nativeBinding()
  let self: CachedPoint
  let image: CachedPoint
  // The pure backend's constant-time base for H_p(P), prepared when first needed (a signer may
  // outlive a backend switch).
  let pureHp: SecretBase | undefined
  const pureBase = (): SecretBase => {
    pureHp ??= prepareSecretBase(self.hashPoint().point, reuse)
    return pureHp
  }
  if (binding !== undefined) {
    self = internEncoded(multiplyBaseSecretNative(binding, x))
    image = internEncoded(multiplySecretNative(binding, self.hashPoint().uncompressed(binding), x))
  } else {
    self = internPoint(multiplyBaseSecret(x))
    image = internPoint(multiplySecret(pureBase(), x))
  }
  const makeNonce = (): Nonce => createNonce(self, pureBase)
  // Identifies this signer's prepared nonces (an object no caller can reach).
  const owner = {}
  // The pool of `prepareAhead`: plain nonces, taken by `shift`, so each is used once.
  const pool: Nonce[] = []
  let refilling = false
  const refill = (): void => {
    refilling = false
    if (pool.length >= poolTarget) return
    try {
      pool.push(makeNonce())
    } catch {
      // Nothing here can fail short of a broken platform; if it does, the next `sign` makes its
      // nonce inline (and throws to its caller), rather than crashing the process from a timer.
      return
    }
    if (pool.length < poolTarget) scheduleRefill()
  }
  const scheduleRefill = (): void => {
    if (refilling || pool.length >= poolTarget) return
    refilling = true
    later(refill)
  }
  scheduleRefill()
  return {
    publicKey: self.bytes.slice(),
    keyImage: image.bytes.slice(),
    get pooledNonces() {
      return pool.length
    },
    prepare() {
      const handle = new PreparedNonceHandle() as unknown as PreparedRingNonce
      preparedNonces.set(handle, { owner, nonce: makeNonce() })
      return handle
    },
    sign(message, ring, signOptions) {
      // A prepared nonce is spent first, whatever happens next: it never signs twice.
      const prepared =
        signOptions?.prepared === undefined ? undefined : spendPrepared(signOptions.prepared, owner)
      assertMessage(message)
      const members = ringEntries(ring)
      // Like ring-go's (*Ring).Sign: the first position holding the signer's key.
      const j = members.findIndex((m) => m.key === self.key)
      if (j === -1) {
        throw new CryptoError('SIGNER_NOT_IN_RING', "The signer's public key is not in the ring.")
      }
      let nonce = prepared ?? pool.shift()
      scheduleRefill()
      for (;;) {
        const steps: number[] = []
        try {
          const signature = signAt(message, members, j, x, nonce ?? makeNonce(), image, steps)
          const trace = signOptions?.trace
          if (trace !== undefined) trace.shiftedSteps = steps.sort((a, b) => a - b)
          return signature
        } catch (error) {
          // Go would panic on this challenge; a fresh nonce avoids it (about 2^-128 per step).
          if (isCryptoError(error) && error.code === 'CHALLENGE_OUT_OF_RANGE') {
            nonce = undefined
            continue
          }
          throw error
        }
      }
    },
  }
}

/** A fresh nonce u and its commitments, both multiplications in constant time. */
function createNonce(self: CachedPoint, pureBase: () => SecretBase): Nonce {
  const u = randomSecretScalar()
  const commitments = new Uint8Array(2 * POINT)
  const binding = nativeBinding()
  if (binding !== undefined) {
    commitments.set(multiplyBaseSecretNative(binding, u), 0)
    commitments.set(multiplySecretNative(binding, self.hashPoint().uncompressed(binding), u), POINT)
  } else {
    writeCompressed(multiplyBaseSecret(u), commitments, 0)
    writeCompressed(multiplySecret(pureBase(), u), commitments, POINT)
  }
  return { u, commitments }
}

function signAt(
  message: Uint8Array,
  ring: CachedPoint[],
  j: number,
  x: SecretScalar,
  nonce: Nonce,
  image: CachedPoint,
  shiftedSteps: number[],
): RingSignature {
  const n = ring.length
  const c: bigint[] = new Array(n)
  const s: bigint[] = new Array(n)
  const buf = new Uint8Array(32 + 2 * POINT)
  buf.set(message, 0)
  // L_j = u·G and R_j = u·H_p(P_j): the only steps that do not depend on the message.
  buf.set(nonce.commitments, 32)
  const binding = nativeBinding()
  const first = hashToScalar(buf)
  if (first.shifted) shiftedSteps.push(j)
  c[(j + 1) % n] = first.scalar
  const imageTable = binding === undefined ? useTable(image) : undefined
  for (let t = 1; t < n; t++) {
    const i = (j + t) % n
    s[i] = randomScalar()
    const next =
      binding !== undefined
        ? nextChallengeNative(binding, buf, ring[i]!, image, c[i]!, s[i]!)
        : nextChallenge(buf, ring[i]!, useTable(ring[i]!), image, imageTable, c[i]!, s[i]!)
    if (next.shifted) shiftedSteps.push(i)
    c[(i + 1) % n] = next.scalar
  }
  s[j] = modN(nonce.u + N - modN(c[j]! * x))
  return {
    ring: ring.map((m) => m.bytes.slice()),
    challenge: c[0]!,
    responses: s,
    keyImage: image.bytes.slice(),
  }
}

/**
 * Signs a 32-byte message (poktroll: the relay request's signable-bytes hash) over `ring` with
 * `privateKey`, whose public key must be in the ring, as ring-go's `(*Ring).Sign` does. For many
 * signatures with one key, `createRingSigner` avoids re-deriving the key image each time and keeps
 * a constant-time table for the nonce's multiplications, which makes each signature much cheaper.
 */
export function ringSign(
  message: Uint8Array,
  ring: readonly Uint8Array[],
  privateKey: Uint8Array,
): RingSignature {
  return bindSigner(privateKey, false).sign(message, ring)
}

/** Whether two signatures come from the same key (ring-go's `Link`: equal key images). */
export function linkRingSignatures(a: RingSignature, b: RingSignature): boolean {
  return equalBytes(a.keyImage, b.keyImage)
}
