import { describe, expect, it } from 'vitest'
import {
  getBaseRelayDifficultyTarget,
  getProofPath,
  getRelayHash,
  isSmstError,
  mineRelay,
  Smst,
  verifyMinedRelayProof,
} from '../src/index.js'

describe('mined relays in a session trie', () => {
  const target = getBaseRelayDifficultyTarget()
  target[0] = 0x7f // about half of all relays
  const trie = new Smst()
  let mined = 0
  for (let i = 0; i < 200; i++) {
    const relay = Uint8Array.of(i, i >> 8, 1, 2, 3)
    const leaf = mineRelay({ relay, target, computeUnitsPerRelay: 3n })
    if (leaf === undefined) continue
    trie.update(leaf.key, leaf.value, leaf.weight)
    mined++
  }
  const root = trie.root()
  const path = getProofPath(new Uint8Array(32).fill(9), 'session-id')

  it('claims count × compute units', () => {
    expect(trie.count()).toBe(BigInt(mined))
    expect(trie.sum()).toBe(BigInt(mined) * 3n)
    expect(mined).toBeGreaterThan(50)
    expect(mined).toBeLessThan(150)
  })

  it('verifies the proof the chain expects, and only that one', () => {
    const proof = trie.proveClosest(path)
    expect(verifyMinedRelayProof({ proof, root, path, target, strict: true })).toBe(true)
    const otherPath = getProofPath(new Uint8Array(32).fill(8), 'session-id')
    expect(verifyMinedRelayProof({ proof, root, path: otherPath, target })).toBe(false)
    const harder = new Uint8Array(32) // nothing meets it
    expect(verifyMinedRelayProof({ proof, root, path, target: harder })).toBe(false)
    expect(verifyMinedRelayProof({ proof, root, path, target: target.slice(1) })).toBe(false)
    const otherRoot = root.slice()
    otherRoot[0] = (otherRoot[0] as number) ^ 1
    expect(verifyMinedRelayProof({ proof, root: otherRoot, path, target })).toBe(false)
  })

  it('mines against the relay hash, strictly below the target', () => {
    const relay = Uint8Array.of(1, 2, 3)
    const hash = getRelayHash(relay)
    expect(mineRelay({ relay, target: hash, computeUnitsPerRelay: 1n })).toBeUndefined()
    const above = hash.slice()
    above[31] = 0xff
    above[30] = 0xff
    expect(mineRelay({ relay, target: above, computeUnitsPerRelay: 1n })?.key).toEqual(hash)
    for (const bad of [
      () => mineRelay({ relay, target: hash.slice(1), computeUnitsPerRelay: 1n }),
      () => mineRelay({ relay, target: hash, computeUnitsPerRelay: -1n }),
    ]) {
      let error: unknown
      try {
        bad()
      } catch (e) {
        error = e
      }
      expect(isSmstError(error) && error.code).toBe('INVALID_ARGUMENT')
    }
  })
})
