// Claim arithmetic (x/proof/types/claim.go) and the proof requirement of a claim.

import {
  type Claim,
  ClaimSchema,
  type ProofRequirementReason,
} from '@decai/protocol/gen/pocket/proof/types_pb'
import type { RelayMiningDifficulty } from '@decai/protocol/gen/pocket/service/relay_mining_difficulty_pb'
import {
  getClaimedUpokt as computeClaimedUpokt,
  getRelayDifficultyMultiplier,
  getRootCount,
  getRootSum,
} from '@decai/relay-mining'
import {
  getEarliestSupplierProofCommitHeight,
  getProofRequirement,
  hashClaimBytes,
} from '@decai/session'
import { encode } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { coinAmount, getParams } from '../params.js'
import { getDifficultyAtHeight } from '../service/keeper.js'
import { getBlockHash } from '../session/keeper.js'
import { sessionParams } from '../shared/keeper.js'

export function getNumRelays(claim: Claim): bigint {
  return getRootCount(claim.rootHash)
}

export function getNumClaimedComputeUnits(claim: Claim): bigint {
  return getRootSum(claim.rootHash)
}

/** floor(compute units × difficulty multiplier). */
export function getNumEstimatedComputeUnits(
  claim: Claim,
  difficulty: RelayMiningDifficulty,
): bigint {
  const m = getRelayDifficultyMultiplier(difficulty.targetHash)
  return (getNumClaimedComputeUnits(claim) * m.numerator) / m.denominator
}

export function getNumEstimatedRelays(claim: Claim, difficulty: RelayMiningDifficulty): bigint {
  const relays = getNumRelays(claim)
  if (relays === 0n) return 0n
  const cupr = getNumClaimedComputeUnits(claim) / relays
  if (cupr === 0n) return 0n
  return getNumEstimatedComputeUnits(claim, difficulty) / cupr
}

/** `Claim.GetClaimeduPOKT` with the shared params and difficulty at the session start. */
export function getClaimedUpokt(
  ctx: Context,
  claim: Claim,
  difficulty?: RelayMiningDifficulty,
): bigint {
  const header = claim.sessionHeader
  const start = header?.sessionStartBlockHeight ?? 0n
  const target = difficulty ?? getDifficultyAtHeight(ctx, header?.serviceId ?? '', start)
  const params = sessionParams(ctx)
  return computeClaimedUpokt({
    computeUnits: getNumClaimedComputeUnits(claim),
    target: target.targetHash,
    computeUnitsToTokensMultiplier: params.computeUnitsToTokensMultiplier,
    computeUnitCostGranularity: params.computeUnitCostGranularity,
  })
}

/** `ProofRequirementForClaim`: THRESHOLD, PROBABILISTIC or NOT_REQUIRED, via `@decai/session`. */
export function getProofRequirementForClaim(ctx: Context, claim: Claim): ProofRequirementReason {
  const proofParams = getParams(ctx, 'proof')
  const end = claim.sessionHeader?.sessionEndBlockHeight ?? 0n
  const seedHeight = getEarliestSupplierProofCommitHeight(sessionParams(ctx), end) - 1n
  return getProofRequirement({
    claimedUpokt: getClaimedUpokt(ctx, claim),
    proofRequirementThreshold: coinAmount(proofParams.proofRequirementThreshold),
    proofRequestProbability: proofParams.proofRequestProbability,
    claimHash: hashClaimBytes(encode(ClaimSchema, claim)),
    seedBlockHash: getBlockHash(ctx, seedHeight),
  })
}
