// What the chain accepts that a closest proof should not, shown with Go's own verdicts from the
// vectors: the chain (smt VerifyClosestProof + poktroll's path check) lets a supplier reveal a
// leaf that is not the closest one. Ours accepts exactly what the chain accepts by default, and
// `strict` rejects these proofs.
import { describe, expect, it } from 'vitest'
import {
  decodeClosestProof,
  decompactClosestProof,
  getBaseRelayDifficultyTarget,
  Smst,
  verifyClosestProof,
  verifyMinedRelayProof,
} from '../src/index.js'
import { fromHex, readVectors } from './vectors.js'

type VerifyVec = {
  name: string
  gob: string
  root: string
  valid: boolean
  closest: boolean
  panicked: boolean
}
const { verify } = readVectors<{ verify: VerifyVec[] }>('smst.json')
const byName = (name: string) => verify.find((v) => v.name === name) as VerifyVec

describe('closest-proof quirks of smt v0.14.1 as the chain runs it', () => {
  it('a depth-0 proof with no flipped bits verifies for a leaf far from the path', () => {
    const v = byName('quirk/depth-zero-other-leaf')
    // Go: accepted, though the proven leaf is not the closest to the path.
    expect([v.valid, v.closest]).toEqual([true, false])
    const proof = decompactClosestProof(decodeClosestProof(fromHex(v.gob)))
    expect(proof.depth).toBe(0)
    expect(proof.flippedBits).toEqual([])
    const root = fromHex(v.root)
    expect(verifyClosestProof(proof, root)).toBe(true)
    expect(verifyClosestProof(proof, root, { strict: true })).toBe(false)
    // The chain's other checks pass too (path, difficulty): only `strict` catches it.
    const target = getBaseRelayDifficultyTarget()
    expect(verifyMinedRelayProof({ proof, root, path: proof.path, target })).toBe(true)
    expect(verifyMinedRelayProof({ proof, root, path: proof.path, target, strict: true })).toBe(
      false,
    )
  })

  it('other proofs the chain accepts and strict verification rejects', () => {
    for (const name of [
      'quirk/depth-zero',
      'quirk/flipped-bit-at-depth',
      'quirk/depth-minus-one',
      'quirk/closest-path-33-bytes',
      'quirk/membership-with-leaf-data',
      'quirk/side-node-49-bytes',
      'quirk/non-membership',
    ]) {
      const v = byName(name)
      expect([name, v.valid, v.closest]).toEqual([name, true, false])
      const proof = decompactClosestProof(decodeClosestProof(fromHex(v.gob)))
      expect(verifyClosestProof(proof, fromHex(v.root))).toBe(true)
      expect(verifyClosestProof(proof, fromHex(v.root), { strict: true })).toBe(false)
    }
  })

  it('a "closest proof" of no leaf at all (empty value, sum 0) fails the relay checks', () => {
    const v = byName('quirk/non-membership')
    const proof = decompactClosestProof(decodeClosestProof(fromHex(v.gob)))
    const target = getBaseRelayDifficultyTarget()
    expect(verifyMinedRelayProof({ proof, root: fromHex(v.root), path: proof.path, target })).toBe(
      false,
    )
  })

  it('where Go panics, we return false', () => {
    const panics = verify.filter((v) => v.panicked)
    expect(panics.length).toBeGreaterThanOrEqual(4)
    for (const v of panics) {
      let ok = false
      try {
        ok = verifyClosestProof(
          decompactClosestProof(decodeClosestProof(fromHex(v.gob))),
          fromHex(v.root),
        )
      } catch {}
      expect(ok).toBe(false)
    }
  })

  it('proves paths where smt ProveClosest panics after a delete', () => {
    // See the vector trie "prove-closest-panics": an extension above an inner node with an
    // empty child. Our trie is canonical, so there is nothing to trip over.
    const trie = new Smst()
    for (const k of ['k2', 'k8', 'k1'])
      trie.update(new TextEncoder().encode(k), Uint8Array.of(1), 1n)
    trie.delete(new TextEncoder().encode('k2'))
    const proof = trie.proveClosest(new Uint8Array(32))
    expect(verifyClosestProof(proof, trie.root(), { strict: true })).toBe(true)
  })
})
