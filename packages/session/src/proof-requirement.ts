import { type Claim, ClaimSchema, marshal } from '@decai/protocol'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { SessionError } from './errors.js'
import { bitLength, floorDiv, toInt64 } from './int64.js'
import { getRelayDifficultyMultiplier } from './relay-difficulty.js'
import { seededFloat64 } from './seeded-rand.js'

/** Why a claim needs a proof (`pocket.proof.ProofRequirementReason`). */
export const ProofRequirementReason = {
  NOT_REQUIRED: 'NOT_REQUIRED',
  PROBABILISTIC: 'PROBABILISTIC',
  THRESHOLD: 'THRESHOLD',
} as const

export type ProofRequirementReason =
  (typeof ProofRequirementReason)[keyof typeof ProofRequirementReason]

function readRootTail(root: Uint8Array, offsetFromEnd: number): bigint {
  const digest = root.length - 16
  // The chain accepts any digest size that is a power of two.
  if (digest <= 0 || (digest & (digest - 1)) !== 0)
    throw new SessionError('INVALID_CLAIM_ROOT', 'Invalid claim root length.', {
      details: `length: ${root.length}`,
    })
  return new DataView(root.buffer, root.byteOffset, root.length).getBigUint64(
    root.length - offsetFromEnd,
    false,
  )
}

/** Total compute units of a claim: the sum field of its SMST root. */
export function getClaimRootSum(rootHash: Uint8Array): bigint {
  return readRootTail(rootHash, 16)
}

/** Number of mined relays of a claim: the count field of its SMST root. */
export function getClaimRootCount(rootHash: Uint8Array): bigint {
  return readRootTail(rootHash, 8)
}

/** SHA-256 of a claim's canonical protobuf bytes (the bytes of `Claim`). */
export function hashClaimBytes(claimBytes: Uint8Array): Uint8Array {
  return sha256(claimBytes)
}

/**
 * `Claim.GetHash`: SHA-256 of the claim's canonical bytes. For the proof requirement, hash
 * the claim as created (`proof_validation_status` PENDING_VALIDATION).
 */
export function hashClaim(claim: Claim): Uint8Array {
  return sha256(marshal(ClaimSchema, claim))
}

export interface GetClaimedUpoktParameters {
  /** Compute units claimed (the root sum), see {@link getClaimRootSum}. */
  numClaimedComputeUnits: bigint
  /** Relay difficulty target of the service at the session start height. */
  targetHash: Uint8Array
  /** Shared params at the session start height. */
  computeUnitsToTokensMultiplier: bigint
  computeUnitCostGranularity: bigint
}

/**
 * The claim's value in uPOKT, `floor(units * (2^256-1)/target * CUTTM / granularity)` in
 * exact rational arithmetic (`Claim.GetClaimeduPOKT`).
 */
export function getClaimedUpokt({
  numClaimedComputeUnits,
  targetHash,
  computeUnitsToTokensMultiplier,
  computeUnitCostGranularity,
}: GetClaimedUpoktParameters): bigint {
  const multiplier = getRelayDifficultyMultiplier(targetHash)
  // big.Rat SetFrac64(int64(cuttm), int64(granularity)): both are cast to int64.
  const cuttm = toInt64(computeUnitsToTokensMultiplier)
  const granularity = toInt64(computeUnitCostGranularity)
  if (granularity === 0n)
    throw new SessionError('INVALID_PARAMS', 'compute_unit_cost_granularity is zero.')
  let numerator = numClaimedComputeUnits * multiplier.numerator * cuttm
  let denominator = multiplier.denominator * granularity
  if (denominator < 0n) {
    numerator = -numerator
    denominator = -denominator
  }
  const upokt = floorDiv(numerator, denominator)
  if (upokt < 0n)
    throw new SessionError('NEGATIVE_CLAIMED_AMOUNT', 'The claimed amount is negative.', {
      details: `claimed: ${upokt}`,
    })
  if (bitLength(upokt) > 256)
    throw new SessionError('CLAIMED_AMOUNT_OVERFLOW', 'The claimed amount exceeds 256 bits.')
  return upokt
}

/**
 * The pseudo-random sample in [0, 1) deciding a probabilistic proof:
 * `SeededFloat64(claimHash ‖ seedBlockHash)`, where the seed block is the one at
 * {@link getProofRequirementSeedHeight}.
 */
export function getProofRequirementSampleValue(
  claimHash: Uint8Array,
  seedBlockHash: Uint8Array,
): number {
  return seededFloat64(concatBytes(claimHash, seedBlockHash))
}

export interface GetProofRequirementParameters {
  /** From {@link getClaimedUpokt}. */
  claimedUpokt: bigint
  /** Proof params: `proof_requirement_threshold` amount (uPOKT). */
  proofRequirementThreshold: bigint
  /** Proof params: `proof_request_probability`. */
  proofRequestProbability: number
  /** SHA-256 of the claim's bytes as created (status PENDING_VALIDATION). */
  claimHash: Uint8Array
  /** Hash of the block at the proof requirement seed height. */
  seedBlockHash: Uint8Array
}

/** Whether the chain will require a proof for a claim, and why (`ProofRequirementForClaim`). */
export function getProofRequirement({
  claimedUpokt,
  proofRequirementThreshold,
  proofRequestProbability,
  claimHash,
  seedBlockHash,
}: GetProofRequirementParameters): ProofRequirementReason {
  if (claimedUpokt >= proofRequirementThreshold) return 'THRESHOLD'
  const sample = getProofRequirementSampleValue(claimHash, seedBlockHash)
  return sample <= proofRequestProbability ? 'PROBABILISTIC' : 'NOT_REQUIRED'
}
