import { ClaimSchema, unmarshal } from '@decai/protocol'
import { describe, expect, it } from 'vitest'
import {
  getClaimedUpokt,
  getClaimRootCount,
  getClaimRootSum,
  getProofRequirement,
  getProofRequirementSampleValue,
  hashClaim,
  hashClaimBytes,
  isSessionError,
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
    if (isSessionError(e)) return e.code
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

  it('computes the claimed uPOKT, the sample value and the decision', () => {
    for (const c of cases) {
      const claimed = () =>
        getClaimedUpokt({
          numClaimedComputeUnits: getClaimRootSum(hex(c.rootHash)),
          targetHash: hex(c.targetHash),
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
      expect(requirement).toBe(c.requirement)
    }
  })
})

describe('claim roots', () => {
  it('reads the sum and count behind the digest', () => {
    const root = new Uint8Array(48)
    root[39] = 7
    root[47] = 3
    expect(getClaimRootSum(root)).toBe(7n)
    expect(getClaimRootCount(root)).toBe(3n)
  })

  it('rejects roots whose digest is not a power of two with INVALID_CLAIM_ROOT', () => {
    expect(codeOf(() => getClaimRootSum(new Uint8Array(47)))).toBe('INVALID_CLAIM_ROOT')
    expect(codeOf(() => getClaimRootCount(new Uint8Array(16)))).toBe('INVALID_CLAIM_ROOT')
  })

  it('rejects a zero granularity and a zero target', () => {
    const base = {
      numClaimedComputeUnits: 1n,
      targetHash: new Uint8Array(32).fill(0xff),
      computeUnitsToTokensMultiplier: 1n,
      computeUnitCostGranularity: 1n,
    }
    expect(getClaimedUpokt(base)).toBe(1n)
    expect(codeOf(() => getClaimedUpokt({ ...base, computeUnitCostGranularity: 0n }))).toBe(
      'INVALID_PARAMS',
    )
    expect(codeOf(() => getClaimedUpokt({ ...base, targetHash: new Uint8Array(32) }))).toBe(
      'INVALID_TARGET_HASH',
    )
  })
})
