import { describe, expect, it } from 'vitest'
import {
  createRational,
  getBaseRelayDifficultyTarget,
  getClaimedUpokt,
  getProofPath,
  getRelayDifficultyMultiplier,
  getRelayDifficultyProbability,
  getRelayHash,
  getRootCount,
  getRootSum,
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

describe('difficulty and claim arithmetic', () => {
  const codeOf = (f: () => unknown): string | undefined => {
    try {
      f()
    } catch (e) {
      if (isSmstError(e)) return e.code
      throw e
    }
    return undefined
  }
  const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))

  it('matches the upstream multiplier table (integer quotients)', () => {
    const cases: [string, bigint][] = [
      ['ff'.repeat(32), 1n],
      [`7f${'ff'.repeat(31)}`, 2n],
      [`3f${'ff'.repeat(31)}`, 4n],
    ]
    for (const [target, multiplier] of cases) {
      const m = getRelayDifficultyMultiplier(hex(target))
      expect(m.numerator / m.denominator).toBe(multiplier)
    }
    expect(getRelayDifficultyMultiplier(hex(`${'00'.repeat(31)}01`)).numerator).toBe(
      (1n << 256n) - 1n,
    )
    expect(getRelayDifficultyProbability(new Uint8Array(32))).toEqual({
      numerator: 0n,
      denominator: 1n,
    })
  })

  it('builds rationals as big.NewRat does: reduced, sign on the numerator', () => {
    expect(createRational(6n, -4n)).toEqual({ numerator: -3n, denominator: 2n })
    expect(createRational(0n, -7n)).toEqual({ numerator: 0n, denominator: 1n })
    expect(codeOf(() => createRational(1n, 0n))).toBe('INVALID_ARGUMENT')
  })

  it('reads the sum and count behind a root digest, and rejects other roots', () => {
    const root = new Uint8Array(48)
    root[39] = 7
    root[47] = 3
    expect(getRootSum(root)).toBe(7n)
    expect(getRootCount(root)).toBe(3n)
    expect(codeOf(() => getRootSum(new Uint8Array(47)))).toBe('INVALID_ROOT')
    expect(codeOf(() => getRootCount(new Uint8Array(16)))).toBe('INVALID_ROOT')
  })

  it('values a claim, with a typed error for each way the chain would fail', () => {
    const base = {
      computeUnits: 1n,
      target: getBaseRelayDifficultyTarget(),
      computeUnitsToTokensMultiplier: 1n,
      computeUnitCostGranularity: 1n,
    }
    expect(getClaimedUpokt(base)).toBe(1n)
    expect(getClaimedUpokt({ ...base, computeUnits: 10n, computeUnitCostGranularity: 3n })).toBe(3n)
    expect(codeOf(() => getClaimedUpokt({ ...base, computeUnitCostGranularity: 0n }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(codeOf(() => getClaimedUpokt({ ...base, target: new Uint8Array(32) }))).toBe(
      'INVALID_TARGET',
    )
    expect(codeOf(() => getRelayDifficultyMultiplier(new Uint8Array(32)))).toBe('INVALID_TARGET')
    // A multiplier above 2^63 is negative after Go's int64 conversion.
    expect(
      codeOf(() => getClaimedUpokt({ ...base, computeUnitsToTokensMultiplier: 1n << 63n })),
    ).toBe('NEGATIVE_CLAIMED_AMOUNT')
    const hardest = new Uint8Array(32)
    hardest[31] = 1
    expect(
      codeOf(() =>
        getClaimedUpokt({
          ...base,
          computeUnits: (1n << 64n) - 1n,
          target: hardest,
          computeUnitsToTokensMultiplier: (1n << 62n) - 1n,
        }),
      ),
    ).toBe('CLAIMED_AMOUNT_OVERFLOW')
    expect(codeOf(() => getClaimedUpokt({ ...base, computeUnits: -1n }))).toBe('INVALID_ARGUMENT')
  })
})
