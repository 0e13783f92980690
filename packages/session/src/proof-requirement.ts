import { type Claim, ClaimSchema, marshal, ProofRequirementReason } from '@decai/protocol'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { seededFloat64 } from './seeded-rand.js'

// The claim's value and its root's sum and count are @decai/relay-mining's (`getClaimedUpokt`,
// `getRootSum`, `getRootCount`); this is the chain's decision on top of them.

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
  /** The claim's value, `getClaimedUpokt` of `@decai/relay-mining`. */
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

/**
 * Whether the chain will require a proof for a claim, and why (`ProofRequirementForClaim`), as
 * the chain's own enum.
 */
export function getProofRequirement({
  claimedUpokt,
  proofRequirementThreshold,
  proofRequestProbability,
  claimHash,
  seedBlockHash,
}: GetProofRequirementParameters): ProofRequirementReason {
  if (claimedUpokt >= proofRequirementThreshold) return ProofRequirementReason.THRESHOLD
  const sample = getProofRequirementSampleValue(claimHash, seedBlockHash)
  return sample <= proofRequestProbability
    ? ProofRequirementReason.PROBABILISTIC
    : ProofRequirementReason.NOT_REQUIRED
}
