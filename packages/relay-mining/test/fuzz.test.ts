// Property tests: thousands of random and mutated gob streams and proofs. The decoder and the
// verifier never throw anything but SmstError, never hang, and never accept a proof of a leaf
// that is not in the trie (or, in strict mode, of a leaf that is not the closest one).
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type ClosestProof,
  type CompactClosestProof,
  compactClosestProof,
  decodeClosestProof,
  decompactClosestProof,
  encodeClosestProof,
  isSmstError,
  Smst,
  verifyClosestProof,
} from '../src/index.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

// A trie of 200 leaves; `leaves` maps each leaf path to its stored value (value ‖ weight ‖ 1).
const trie = new Smst()
const leaves = new Map<string, string>()
for (let i = 0; i < 200; i++) {
  const key = sha256(Uint8Array.of(i, 42))
  const value = sha256(key).slice(0, 1 + (i % 40))
  trie.update(key, value, BigInt(1 + i))
  const stored = new Uint8Array(value.length + 16)
  stored.set(value)
  new DataView(stored.buffer).setBigUint64(value.length, BigInt(1 + i))
  stored[stored.length - 1] = 1
  leaves.set(hex(sha256(key)), hex(stored))
}
const root = trie.root()
const basePaths = Array.from({ length: 24 }, (_, i) => sha256(Uint8Array.of(i, 7)))
const baseGobs = basePaths.map((p) => encodeClosestProof(compactClosestProof(trie.proveClosest(p))))

/** Decodes and decompacts; only SmstError may come out. */
function decode(bytes: Uint8Array): ClosestProof | undefined {
  try {
    return decompactClosestProof(decodeClosestProof(bytes))
  } catch (error) {
    if (!isSmstError(error)) throw error
    return undefined
  }
}

/**
 * What an accepted proof proves. Go's verifier treats an empty value with sum 0 as a
 * non-membership proof built on NonMembershipLeafData (the chain then rejects the empty relay),
 * so that leaf is what must exist; otherwise it is the closest leaf itself.
 */
function provenLeaf(p: ClosestProof): [string, string] {
  const v = p.closestValueHash
  const nm = p.closestProof.nonMembershipLeafData
  if (v === undefined || (v.length === 16 && v.subarray(0, 8).every((b) => b === 0))) {
    if (nm === undefined) return ['', ''] // the empty trie's placeholder
    return [hex(nm.subarray(1, 33)), hex(nm.subarray(33))]
  }
  return [hex(p.closestPath.subarray(0, 32)), hex(v)]
}

const tally = { decoded: 0, valid: 0, strict: 0 }

function checkVerdicts(p: ClosestProof): void {
  const valid = verifyClosestProof(p, root)
  const strict = verifyClosestProof(p, root, { strict: true })
  tally.decoded++
  if (valid) tally.valid++
  if (strict) tally.strict++
  if (strict) expect(valid).toBe(true)
  if (valid) {
    // No false accept: the proven leaf is in the trie.
    const [path, value] = provenLeaf(p)
    expect(leaves.get(path)).toBe(value)
  }
  if (strict) {
    // Strict: it is exactly the proof of the closest leaf.
    const want = trie.proveClosest(p.path)
    expect(hex(p.closestPath)).toBe(hex(want.closestPath))
    expect(p.depth).toBe(want.depth)
    expect(p.flippedBits).toEqual(want.flippedBits)
    expect(p.closestProof.sideNodes.map(hex)).toEqual(want.closestProof.sideNodes.map(hex))
  }
}

const runs = { numRuns: 3000 }

describe('gob decoder and verifier under random input', () => {
  it('random bytes: a proof or an SmstError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), (bytes) => {
        const p = decode(bytes)
        if (p) checkVerdicts(p)
      }),
      runs,
    )
  })

  it('valid streams with random byte edits: no crash, no false accept', () => {
    const edit = fc.record({
      which: fc.nat(baseGobs.length - 1),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
      cut: fc.option(fc.nat()),
    })
    fc.assert(
      fc.property(edit, ({ which, edits, cut }) => {
        const bytes = (baseGobs[which] as Uint8Array).slice()
        for (const [at, x] of edits)
          bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ x
        const p = decode(cut === null ? bytes : bytes.slice(0, cut % (bytes.length + 1)))
        if (p) checkVerdicts(p)
      }),
      runs,
    )
  })

  it('structurally mutated proofs: no crash, no false accept', () => {
    const bytesArb = fc.uint8Array({ maxLength: 70 })
    const mutation = fc.oneof(
      fc.record({ depth: bytesArb }),
      fc.record({ flippedBits: fc.array(fc.uint8Array({ maxLength: 3 }), { maxLength: 4 }) }),
      fc.record({ path: fc.uint8Array({ minLength: 30, maxLength: 34 }) }),
      fc.record({ closestPath: bytesArb }),
      fc.record({ closestValueHash: fc.option(bytesArb, { nil: undefined }) }),
      fc.record({ nonMembershipLeafData: fc.option(bytesArb, { nil: undefined }) }),
      fc.record({ siblingData: fc.option(fc.uint8Array({ maxLength: 130 }), { nil: undefined }) }),
      fc.record({ numSideNodes: fc.integer({ min: -2, max: 300 }) }),
      fc.record({ bitMask: fc.uint8Array({ maxLength: 4 }) }),
      fc.record({ sideNode: fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 60 })) }),
      fc.record({ drop: fc.nat() }),
      fc.record({ otherProof: fc.nat(basePaths.length - 1), depthZero: fc.boolean() }),
    )
    fc.assert(
      fc.property(
        fc.nat(baseGobs.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (which, ms) => {
          const c: CompactClosestProof = decodeClosestProof(baseGobs[which] as Uint8Array)
          for (const m of ms) applyMutation(c, m)
          const p = decode(encodeOrEmpty(c))
          if (p) checkVerdicts(p)
        },
      ),
      runs,
    )
  })

  it('exercises acceptance, not only rejection', () => {
    expect(tally.valid).toBeGreaterThan(100)
    expect(tally.strict).toBeGreaterThan(10)
    expect(tally.valid).toBeGreaterThan(tally.strict)
  })

  it('hostile lengths and counts fail fast', () => {
    const huge = [
      Uint8Array.of(0xf8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // message of 2^63 bytes
      Uint8Array.of(0x08, 0xff, 0x80, 0x01, 0xfc, 0x7f, 0xff, 0xff, 0xff), // 2^31 fields
      Uint8Array.of(0x80), // a 128-byte integer
      Uint8Array.of(0x02, 0x00, 0x00), // an empty message after a length
    ]
    for (const bytes of huge) {
      const start = performance.now()
      expect(() => decodeClosestProof(bytes)).toThrow()
      expect(performance.now() - start).toBeLessThan(50)
    }
  })

  it('the verifier returns false on malformed objects instead of throwing', () => {
    const bad = [
      {},
      { path: new Uint8Array(32) },
      { ...trie.proveClosest(basePaths[0] as Uint8Array), closestProof: undefined },
      { ...trie.proveClosest(basePaths[0] as Uint8Array), flippedBits: [Number.NaN] },
      { ...trie.proveClosest(basePaths[0] as Uint8Array), depth: 1e300 },
    ]
    for (const p of bad) {
      expect(verifyClosestProof(p as unknown as ClosestProof, root)).toBe(false)
      expect(verifyClosestProof(p as unknown as ClosestProof, root, { strict: true })).toBe(false)
    }
  })
})

type Mutation = {
  depth?: Uint8Array
  flippedBits?: Uint8Array[]
  path?: Uint8Array
  closestPath?: Uint8Array
  closestValueHash?: Uint8Array | undefined
  nonMembershipLeafData?: Uint8Array | undefined
  siblingData?: Uint8Array | undefined
  numSideNodes?: number
  bitMask?: Uint8Array
  sideNode?: [number, Uint8Array]
  drop?: number
  otherProof?: number
  depthZero?: boolean
}

function applyMutation(c: CompactClosestProof, m: Mutation): void {
  const inner = c.closestProof
  if ('depth' in m) c.depth = m.depth as Uint8Array
  if ('flippedBits' in m) c.flippedBits = m.flippedBits as Uint8Array[]
  if ('path' in m) c.path = m.path as Uint8Array
  if ('closestPath' in m) c.closestPath = m.closestPath as Uint8Array
  if ('closestValueHash' in m) c.closestValueHash = m.closestValueHash as Uint8Array | undefined
  if (inner) {
    if ('nonMembershipLeafData' in m)
      inner.nonMembershipLeafData = m.nonMembershipLeafData as Uint8Array | undefined
    if ('siblingData' in m) inner.siblingData = m.siblingData as Uint8Array | undefined
    if ('numSideNodes' in m) inner.numSideNodes = m.numSideNodes as number
    if ('bitMask' in m) inner.bitMask = m.bitMask as Uint8Array
    if ('sideNode' in m && inner.sideNodes.length > 0) {
      const [i, node] = m.sideNode as [number, Uint8Array]
      inner.sideNodes[i % inner.sideNodes.length] = node
    }
  }
  if ('drop' in m) c.closestProof = (m.drop as number) % 5 === 0 ? undefined : c.closestProof
  if ('otherProof' in m) {
    // Another path's proof, relabelled with this path: the "closest" question.
    const other = compactClosestProof(
      trie.proveClosest(basePaths[m.otherProof as number] as Uint8Array),
    )
    Object.assign(c, { ...other, path: c.path })
    if (m.depthZero) {
      c.depth = Uint8Array.of(0)
      c.flippedBits = []
    }
  }
}

function encodeOrEmpty(c: CompactClosestProof): Uint8Array {
  try {
    return encodeClosestProof(c)
  } catch {
    return new Uint8Array(0)
  }
}
