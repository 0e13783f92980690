import { ClaimSchema, ProofRequirementReason, unmarshal } from '@decai/protocol'
import { getClaimedUpokt, getRootSum, isSmstError } from '@decai/relay-mining'
import { describe, expect, it } from 'vitest'
import {
  getProofRequirement,
  getProofRequirementSampleValue,
  hashClaim,
  hashClaimBytes,
} from '../src/index.js'
import { hex, loadVectors, toHex } from './vectors.js'

interface ProofRequirementCase {
  rootHash: string
  targetHash: string
  computeUnitsToTokensMultiplier: string
  computeUnitCostGranularity: string
  claimedUpokt: string
  error?: 'negative' | 'overflow'
  proofRequirementThreshold: string
  proofRequestProbability: string
  claim: string
  claimHash: string
  seedBlockHash: string
  sampleValue: string
  requirement: string
}

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (e) {
    if (isSmstError(e)) return e.code
    throw e
  }
  return undefined
}

describe('proof requirement (Go vectors)', () => {
  const cases = loadVectors<ProofRequirementCase[]>('proof-requirement')

  it('covers every outcome', () => {
    const seen = new Set(cases.map((c) => c.error ?? c.requirement))
    expect([...seen].sort()).toEqual([
      'NOT_REQUIRED',
      'PROBABILISTIC',
      'THRESHOLD',
      'negative',
      'overflow',
    ])
  })

  // The claim's value is @decai/relay-mining's; the decision on top of it is this package's.
  it('computes the claimed uPOKT, the sample value and the decision', () => {
    for (const c of cases) {
      const claimed = () =>
        getClaimedUpokt({
          computeUnits: getRootSum(hex(c.rootHash)),
          target: hex(c.targetHash),
          computeUnitsToTokensMultiplier: BigInt(c.computeUnitsToTokensMultiplier),
          computeUnitCostGranularity: BigInt(c.computeUnitCostGranularity),
        })
      if (c.error) {
        const code = c.error === 'negative' ? 'NEGATIVE_CLAIMED_AMOUNT' : 'CLAIMED_AMOUNT_OVERFLOW'
        expect(codeOf(claimed)).toBe(code)
        continue
      }
      const claimedUpokt = claimed()
      expect(String(claimedUpokt)).toBe(c.claimedUpokt)
      const claimHash = hashClaimBytes(hex(c.claim))
      expect(toHex(claimHash)).toBe(c.claimHash)
      expect(toHex(hashClaim(unmarshal(ClaimSchema, hex(c.claim))))).toBe(c.claimHash)
      const seedBlockHash = hex(c.seedBlockHash)
      expect(getProofRequirementSampleValue(claimHash, seedBlockHash)).toBe(Number(c.sampleValue))
      const requirement = getProofRequirement({
        claimedUpokt,
        proofRequirementThreshold: BigInt(c.proofRequirementThreshold),
        proofRequestProbability: Number(c.proofRequestProbability),
        claimHash,
        seedBlockHash,
      })
      expect(ProofRequirementReason[requirement]).toBe(c.requirement)
    }
  })
})
