import { equalBytes } from '@decai/core'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { bytesToBigInt, compareBytes, isU64 } from './bytes.js'
import { SmstError } from './errors.js'
import { type ClosestProof, verifyClosestProof } from './proof.js'
import { sha256 } from './sha256.js'

/** An exact, reduced fraction with a positive denominator (Go's `big.Rat`). */
export type Rational = { numerator: bigint; denominator: bigint }

/** The SMST leaf a mined relay becomes: `trie.update(key, value, weight)`. */
export type MinedRelay = {
  /** The relay hash, sha256(relay bytes). The trie path is sha256 of this key. */
  key: Uint8Array
  /** The serialized relay itself (values are stored unhashed). */
  value: Uint8Array
  /** The service's compute units per relay at session start. */
  weight: bigint
}

const MAX_TARGET = (1n << 256n) - 1n
const TARGET_SIZE = 32

/** The easiest relay-mining target, 32 bytes of 0xff: every relay is minable. */
export function getBaseRelayDifficultyTarget(): Uint8Array {
  return new Uint8Array(TARGET_SIZE).fill(0xff)
}

/** sha256 of the serialized relay (poktroll `GetRelayHashFromBytes`). */
export function getRelayHash(relay: Uint8Array): Uint8Array {
  return sha256(relay)
}

/**
 * Whether a relay hash meets a difficulty target: strictly below it, compared as big-endian
 * bytes (poktroll `IsRelayVolumeApplicable`).
 */
export function isRelayMinable(relayHash: Uint8Array, target: Uint8Array): boolean {
  return compareBytes(relayHash, target) < 0
}

export type MineRelayParameters = {
  /** The serialized relay (`Relay{req, res}` with the response payload dropped for its hash). */
  relay: Uint8Array
  /** The service's 32-byte difficulty target at session start. */
  target: Uint8Array
  /** The service's compute units per relay at session start. */
  computeUnitsPerRelay: bigint
}

/** The trie leaf for a relay if its hash meets the target, otherwise `undefined`. */
export function mineRelay(parameters: MineRelayParameters): MinedRelay | undefined {
  const { relay, target, computeUnitsPerRelay } = parameters
  if (!(relay instanceof Uint8Array)) throw invalid('The relay must be a Uint8Array.')
  if (!(target instanceof Uint8Array) || target.length !== TARGET_SIZE)
    throw invalid('The difficulty target must be 32 bytes.')
  if (!isU64(computeUnitsPerRelay)) throw invalid('Compute units per relay must be a uint64.')
  const key = getRelayHash(relay)
  if (!isRelayMinable(key, target)) return undefined
  return { key, value: relay, weight: computeUnitsPerRelay }
}

/**
 * The path a session's closest proof must be made for: sha256(block hash ‖ session ID), with
 * the block at the proof window's opening height minus one (poktroll `GetPathForProof`).
 */
export function getProofPath(blockHash: Uint8Array, sessionId: string): Uint8Array {
  if (!(blockHash instanceof Uint8Array)) throw invalid('The block hash must be a Uint8Array.')
  return sha256(concatBytes(blockHash, utf8ToBytes(sessionId)))
}

/**
 * `numerator / denominator` as Go's `big.NewRat` holds it: reduced, with the sign on the
 * numerator. A zero denominator is an error (Go panics).
 */
export function createRational(numerator: bigint, denominator: bigint): Rational {
  if (typeof numerator !== 'bigint' || typeof denominator !== 'bigint')
    throw invalid('A rational needs a bigint numerator and denominator.')
  if (denominator === 0n) throw invalid('A rational cannot have a zero denominator.')
  const sign = denominator < 0n ? -1n : 1n
  const g = gcd(numerator, denominator)
  return { numerator: (sign * numerator) / g, denominator: (sign * denominator) / g }
}

/** The chance that a relay meets `target`: target / (2^256 − 1). */
export function getRelayDifficultyProbability(target: Uint8Array): Rational {
  return createRational(readTarget(target), MAX_TARGET)
}

/**
 * How many relays one mined relay stands for: (2^256 − 1) / target. A zero target has none
 * (`INVALID_TARGET`).
 */
export function getRelayDifficultyMultiplier(target: Uint8Array): Rational {
  const t = readTarget(target)
  if (t === 0n) throw new SmstError('INVALID_TARGET', 'A zero difficulty target has no multiplier.')
  return createRational(MAX_TARGET, t)
}

export type GetClaimedUpoktParameters = {
  /**
   * The claim's compute units: `getRootSum(claimRoot)`, which the chain requires to equal
   * relay count × compute units per relay.
   */
  computeUnits: bigint
  /** The service's difficulty target at session start. */
  target: Uint8Array
  /** Shared param `compute_units_to_tokens_multiplier`. */
  computeUnitsToTokensMultiplier: bigint
  /** Shared param `compute_unit_cost_granularity`. */
  computeUnitCostGranularity: bigint
}

/**
 * A claim's reward in uPOKT, exactly as poktroll's `GetClaimeduPOKT`:
 * floor(computeUnits × (2^256 − 1) / target × multiplier / granularity), in exact rational
 * arithmetic. The two params go through Go's int64 conversion, as upstream does, and an amount
 * that does not fit the chain's 256-bit integers is an error, as it is there.
 */
export function getClaimedUpokt(parameters: GetClaimedUpoktParameters): bigint {
  const { computeUnits, target, computeUnitsToTokensMultiplier, computeUnitCostGranularity } =
    parameters
  if (!isU64(computeUnits)) throw invalid('Compute units must be a uint64.')
  if (!isU64(computeUnitsToTokensMultiplier) || !isU64(computeUnitCostGranularity))
    throw invalid('Token params must be uint64.')
  const multiplier = getRelayDifficultyMultiplier(target)
  // big.Rat SetFrac64(int64(multiplier), int64(granularity)): both go through int64.
  const tokens = BigInt.asIntN(64, computeUnitsToTokensMultiplier)
  const granularity = BigInt.asIntN(64, computeUnitCostGranularity)
  if (granularity === 0n) throw invalid('compute_unit_cost_granularity is zero.')
  let numerator = computeUnits * multiplier.numerator * tokens
  let denominator = multiplier.denominator * granularity
  if (denominator < 0n) {
    numerator = -numerator
    denominator = -denominator
  }
  // Upstream rejects a negative amount ("SHOULD NEVER HAPPEN"), reachable through the int64
  // conversion of a param above 2^63.
  if (numerator < 0n)
    throw new SmstError('NEGATIVE_CLAIMED_AMOUNT', 'The claimed amount is negative.', {
      details: `${numerator} / ${denominator}`,
    })
  const upokt = numerator / denominator
  // The chain's coin amount (cosmos math.Int) holds at most 256 bits; beyond that Go panics.
  if (upokt > MAX_TARGET)
    throw new SmstError('CLAIMED_AMOUNT_OVERFLOW', 'The claimed amount exceeds 256 bits.', {
      details: `claimed: ${upokt}`,
    })
  return upokt
}

export type VerifyMinedRelayProofParameters = {
  /** The decompacted closest proof (`decompactClosestProof(decodeClosestProof(bytes))`). */
  proof: ClosestProof
  /** The claim's 48-byte root. */
  root: Uint8Array
  /** The expected proof path, `getProofPath(seed block hash, session ID)`. */
  path: Uint8Array
  /** The service's 32-byte difficulty target at session start. */
  target: Uint8Array
  /** Also require the proven leaf to be the closest one (see `verifyClosestProof`). */
  strict?: boolean
}

/**
 * The relay-mining part of the chain's proof validation (poktroll `proof_validation.go`): the
 * proof is for the expected path, it carries a non-empty relay whose hash meets the target,
 * and it verifies against the claim root. The relay's contents and signatures are not checked
 * here. Returns `false` for anything the chain would reject on these grounds; never throws.
 */
export function verifyMinedRelayProof(parameters: VerifyMinedRelayProofParameters): boolean {
  const { proof, root, path, target, strict = false } = parameters
  try {
    if (!equalBytes(proof.path, path)) return false
    const value = proof.closestValueHash
    // The relay is the stored value without weight and count; an empty one does not unmarshal
    // into a relay that passes validation.
    if (value === undefined || value.length <= 16) return false
    if (target.length !== TARGET_SIZE) return false
    if (!isRelayMinable(getRelayHash(value.subarray(0, value.length - 16)), target)) return false
    return verifyClosestProof(proof, root, { strict })
  } catch {
    return false
  }
}

/** A target's value as a big-endian unsigned integer (Go `big.Int.SetBytes`), any length. */
function readTarget(target: Uint8Array): bigint {
  if (!(target instanceof Uint8Array)) throw invalid('The difficulty target must be a Uint8Array.')
  return bytesToBigInt(target)
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a
  let y = b < 0n ? -b : b
  while (y !== 0n) [x, y] = [y, x % y]
  return x
}

function invalid(message: string): SmstError {
  return new SmstError('INVALID_ARGUMENT', message)
}
