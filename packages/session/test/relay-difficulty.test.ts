import type { RelayMiningDifficulty } from '@decai/protocol'
import {
  getBaseRelayDifficultyTarget,
  getRelayDifficultyMultiplier,
  getRelayDifficultyProbability,
  isRelayMinable,
} from '@decai/relay-mining'
import { describe, expect, it } from 'vitest'
import {
  computeNewDifficultyTargetHash,
  computeRelaysEma,
  createRelayMiningDifficultyTracker,
  isSessionError,
  scaleRelayDifficultyHash,
} from '../src/index.js'
import { hex, loadVectors, toHex } from './vectors.js'

interface Record_ {
  serviceId: string
  blockHeight: string
  numRelaysEma: string
  targetHash: string
}

interface DifficultyVectors {
  targets: {
    target: string
    multiplierNum: string
    multiplierDen: string
    probabilityNum: string
    probabilityDen: string
    relayHash: string
    volumeApplicable: boolean
  }[]
  compute: { prev: string; targetNumRelays: string; newRelaysEma: string; result: string }[]
  histories: {
    numBlocksPerSession: string
    targetNumRelays: string
    steps: {
      height: string
      numRelays: Record<string, string>
      updated: Record_[]
      lookups: { serviceId: string; height: string; difficulty: Record_ }[]
    }[]
  }[]
}

const json = (d: RelayMiningDifficulty): Record_ => ({
  serviceId: d.serviceId,
  blockHeight: String(d.blockHeight),
  numRelaysEma: String(d.numRelaysEma),
  targetHash: toHex(d.targetHash),
})

describe('relay difficulty (Go vectors)', () => {
  const v = loadVectors<DifficultyVectors>('relay-difficulty')

  // The target arithmetic is @decai/relay-mining's; these vectors pin it to the EMA's targets.
  it('computes probabilities, multipliers and volume applicability', () => {
    for (const c of v.targets) {
      const target = hex(c.target)
      const m = getRelayDifficultyMultiplier(target)
      const p = getRelayDifficultyProbability(target)
      expect([String(m.numerator), String(m.denominator)]).toEqual([
        c.multiplierNum,
        c.multiplierDen,
      ])
      expect([String(p.numerator), String(p.denominator)]).toEqual([
        c.probabilityNum,
        c.probabilityDen,
      ])
      expect(isRelayMinable(hex(c.relayHash), target)).toBe(c.volumeApplicable)
    }
  })

  it('computes new targets like ComputeNewDifficultyTargetHash', () => {
    for (const c of v.compute) {
      const got = computeNewDifficultyTargetHash(
        hex(c.prev),
        BigInt(c.targetNumRelays),
        BigInt(c.newRelaysEma),
      )
      if (toHex(got) !== c.result) expect({ ...c, got: toHex(got) }).toEqual(c)
    }
  })

  it('replays settlement histories of the x/service keeper, EMA and lookups included', () => {
    let steps = 0
    for (const h of v.histories) {
      const tracker = createRelayMiningDifficultyTracker(BigInt(h.targetNumRelays))
      const params = { numBlocksPerSession: BigInt(h.numBlocksPerSession) }
      for (const step of h.steps) {
        const relays = Object.fromEntries(
          Object.entries(step.numRelays).map(([s, n]) => [s, BigInt(n)]),
        )
        const updated = tracker.settle(BigInt(step.height), relays, params).map(json)
        expect(updated).toEqual(step.updated)
        for (const l of step.lookups)
          expect(json(tracker.atHeight(l.serviceId, BigInt(l.height)))).toEqual(l.difficulty)
        steps++
      }
    }
    expect(steps).toBeGreaterThan(200)
  })
})

describe('relay difficulty', () => {
  const ff = getBaseRelayDifficultyTarget()

  it('halves the base target with a 1/2 ratio', () => {
    expect(toHex(scaleRelayDifficultyHash(ff, { numerator: 1n, denominator: 2n }))).toBe(
      `7f${'ff'.repeat(31)}`,
    )
  })

  it('never goes above the base target and keeps 32 bytes', () => {
    expect(toHex(computeNewDifficultyTargetHash(ff, 100n, 50n))).toBe('ff'.repeat(32))
    const harder = computeNewDifficultyTargetHash(ff, 1n, 1n << 20n)
    expect(harder.length).toBe(32)
    expect(toHex(harder).startsWith('00000fff')).toBe(true)
  })

  it('computes the EMA with 0.1 as a float64 and 64-bit rounding', () => {
    expect(computeRelaysEma(100n, 200n)).toBe(110n)
    expect(computeRelaysEma(0n, 10n)).toBe(1n)
    // 0.1 as float64 is slightly above 0.1, so 0.1 * 10 rounds to exactly 1 at 64 bits.
    expect(computeRelaysEma(2n ** 64n - 1n, 2n ** 64n - 1n)).toBe(2n ** 64n - 1n)
  })

  it('rejects a zero EMA with ZERO_RELAYS_EMA', () => {
    let caught: unknown
    try {
      computeNewDifficultyTargetHash(ff, 5n, 0n)
    } catch (e) {
      caught = e
    }
    expect(isSessionError(caught) && caught.code).toBe('ZERO_RELAYS_EMA')
  })
})
