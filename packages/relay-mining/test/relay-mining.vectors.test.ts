import { describe, expect, it } from 'vitest'
import {
  getClaimedUpokt,
  getProofPath,
  getRelayDifficultyMultiplier,
  getRelayDifficultyProbability,
  getRelayHash,
  getRootCount,
  getRootSum,
  isRelayMinable,
  isSmstError,
  mineRelay,
} from '../src/index.js'
import { fromHex, readVectors, toHex } from './vectors.js'

type Vectors = {
  relays: { relay: string; hash: string; target: string; minable: boolean }[]
  targets: {
    target: string
    probabilityNum: string
    probabilityDen: string
    multiplierNum: string
    multiplierDen: string
  }[]
  paths: { blockHash: string; sessionId: string; path: string }[]
  roots: { root: string; valid: boolean; sum?: string; count?: string }[]
  claims: {
    computeUnits: string
    target: string
    computeUnitsToTokensMultiplier: string
    computeUnitCostGranularity: string
    upokt: string
  }[]
}

const v = readVectors<Vectors>('relay-mining.json')

describe('relay-mining math against poktroll', () => {
  it('relay hash and difficulty check', () => {
    for (const r of v.relays) {
      const relay = fromHex(r.relay)
      expect(toHex(getRelayHash(relay))).toBe(r.hash)
      const target = fromHex(r.target)
      expect(isRelayMinable(fromHex(r.hash), target)).toBe(r.minable)
      if (target.length === 32) {
        const mined = mineRelay({ relay, target, computeUnitsPerRelay: 7n })
        expect(mined === undefined).toBe(!r.minable)
        if (mined)
          expect([toHex(mined.key), mined.value, mined.weight]).toEqual([r.hash, relay, 7n])
      }
    }
  })

  it('difficulty probability and multiplier', () => {
    for (const t of v.targets) {
      const target = fromHex(t.target)
      expect(getRelayDifficultyProbability(target)).toEqual({
        numerator: BigInt(t.probabilityNum),
        denominator: BigInt(t.probabilityDen),
      })
      if (t.multiplierNum === '') expect(() => getRelayDifficultyMultiplier(target)).toThrow()
      else
        expect(getRelayDifficultyMultiplier(target)).toEqual({
          numerator: BigInt(t.multiplierNum),
          denominator: BigInt(t.multiplierDen),
        })
    }
  })

  it('proof path', () => {
    for (const p of v.paths)
      expect(toHex(getProofPath(fromHex(p.blockHash), p.sessionId))).toBe(p.path)
  })

  it('sum and count from a root', () => {
    for (const r of v.roots) {
      const root = fromHex(r.root)
      if (!r.valid) {
        expect(() => getRootSum(root)).toThrow()
        expect(() => getRootCount(root)).toThrow()
        continue
      }
      expect(getRootSum(root)).toBe(BigInt(r.sum ?? ''))
      expect(getRootCount(root)).toBe(BigInt(r.count ?? ''))
    }
  })

  it('claimed uPOKT, including the cases where Go errors or panics', () => {
    for (const c of v.claims) {
      const run = () =>
        getClaimedUpokt({
          computeUnits: BigInt(c.computeUnits),
          target: fromHex(c.target),
          computeUnitsToTokensMultiplier: BigInt(c.computeUnitsToTokensMultiplier),
          computeUnitCostGranularity: BigInt(c.computeUnitCostGranularity),
        })
      if (c.upokt === '') {
        let error: unknown
        try {
          run()
        } catch (e) {
          error = e
        }
        expect(isSmstError(error) && error.code).toMatch(
          /^(INVALID_TARGET|INVALID_ARGUMENT|NEGATIVE_CLAIMED_AMOUNT|CLAIMED_AMOUNT_OVERFLOW)$/,
        )
      } else expect(run()).toBe(BigInt(c.upokt))
    }
  })
})
