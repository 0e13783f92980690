import { SessionError } from './errors.js'
import { divInt64, toInt64 } from './int64.js'
import type { SessionGridParams, SessionWindowParams } from './params.js'

// Heights follow poktroll's x/shared session.go. Params are uint64 on chain and converted
// with Go's int64(...) cast, and every step wraps like Go's int64 arithmetic, so even
// nonsensical params give the chain's answer instead of a different one.

function getNumBlocksPerSession(params: SessionGridParams): bigint {
  const n = toInt64(params.numBlocksPerSession)
  if (n === 0n)
    throw new SessionError('INVALID_PARAMS', 'num_blocks_per_session is zero.', {
      details: 'The session grid divides by it (the chain panics).',
    })
  return n
}

/**
 * The grid anchor and the session number at it for `height`. Falls back to the genesis
 * grid (1, 1) when the anchor is unset or lies above `height` (params of a later epoch).
 */
export function getSessionGridAnchor(
  params: SessionGridParams,
  height: bigint,
): { anchor: bigint; numberAtAnchor: bigint } {
  const anchor = toInt64(params.sessionGridAnchorHeight ?? 0n)
  const numberAtAnchor = toInt64(params.sessionNumberAtAnchor ?? 0n)
  if (anchor <= 0n || anchor > height) return { anchor: 1n, numberAtAnchor: 1n }
  return { anchor, numberAtAnchor: numberAtAnchor <= 0n ? 1n : numberAtAnchor }
}

/** First block of the session containing `height`; 0 for heights below 1. */
export function getSessionStartHeight(params: SessionGridParams, height: bigint): bigint {
  if (height <= 0n) return 0n
  const n = getNumBlocksPerSession(params)
  const { anchor } = getSessionGridAnchor(params, height)
  return toInt64(anchor + divInt64(toInt64(height - anchor), n) * n)
}

/** Last block of the session containing `height`; 0 for heights below 1. */
export function getSessionEndHeight(params: SessionGridParams, height: bigint): bigint {
  if (height <= 0n) return 0n
  const n = getNumBlocksPerSession(params)
  return toInt64(getSessionStartHeight(params, height) + n - 1n)
}

/** Session number of the session containing `height`; 0 for heights below 1. */
export function getSessionNumber(params: SessionGridParams, height: bigint): bigint {
  if (height <= 0n) return 0n
  const n = getNumBlocksPerSession(params)
  const { anchor, numberAtAnchor } = getSessionGridAnchor(params, height)
  return toInt64(numberAtAnchor + divInt64(toInt64(height - anchor), n))
}

/** Last block at which relays of the session containing `height` are still accepted. */
export function getSessionGracePeriodEndHeight(
  params: SessionWindowParams,
  height: bigint,
): bigint {
  return toInt64(getSessionEndHeight(params, height) + toInt64(params.gracePeriodEndOffsetBlocks))
}

/** Whether, at `currentHeight`, the grace period of the session containing `height` is over. */
export function isGracePeriodElapsed(
  params: SessionWindowParams,
  height: bigint,
  currentHeight: bigint,
): boolean {
  return currentHeight > getSessionGracePeriodEndHeight(params, height)
}

/** First block of the claim window (inclusive); note the chain's extra +1. */
export function getClaimWindowOpenHeight(params: SessionWindowParams, height: bigint): bigint {
  return toInt64(
    getSessionEndHeight(params, height) + toInt64(params.claimWindowOpenOffsetBlocks) + 1n,
  )
}

/** Last block of the claim window (inclusive). */
export function getClaimWindowCloseHeight(params: SessionWindowParams, height: bigint): bigint {
  return toInt64(
    getClaimWindowOpenHeight(params, height) + toInt64(params.claimWindowCloseOffsetBlocks),
  )
}

/** First block of the proof window (inclusive). */
export function getProofWindowOpenHeight(params: SessionWindowParams, height: bigint): bigint {
  return toInt64(
    getClaimWindowCloseHeight(params, height) + toInt64(params.proofWindowOpenOffsetBlocks),
  )
}

/** Last block of the proof window (inclusive). */
export function getProofWindowCloseHeight(params: SessionWindowParams, height: bigint): bigint {
  return toInt64(
    getProofWindowOpenHeight(params, height) + toInt64(params.proofWindowCloseOffsetBlocks),
  )
}

/**
 * Earliest block a supplier may submit its claim. The chain's per-supplier random offset is
 * disabled, so this is the claim window open height for every supplier.
 */
export function getEarliestSupplierClaimCommitHeight(
  params: SessionWindowParams,
  height: bigint,
): bigint {
  return getClaimWindowOpenHeight(params, height)
}

/** Earliest block a supplier may submit its proof (the proof window open height). */
export function getEarliestSupplierProofCommitHeight(
  params: SessionWindowParams,
  height: bigint,
): bigint {
  return getProofWindowOpenHeight(params, height)
}

/**
 * Height whose block hash seeds the proof requirement and the proof path of the session
 * containing `height`: the block before the earliest proof commit height.
 */
export function getProofRequirementSeedHeight(params: SessionWindowParams, height: bigint): bigint {
  return toInt64(getEarliestSupplierProofCommitHeight(params, height) - 1n)
}

/** First block of the session after the one containing `height`. */
export function getNextSessionStartHeight(params: SessionGridParams, height: bigint): bigint {
  return toInt64(getSessionEndHeight(params, height) + 1n)
}

export function isSessionStartHeight(params: SessionGridParams, height: bigint): boolean {
  return height === getSessionStartHeight(params, height)
}

export function isSessionEndHeight(params: SessionGridParams, height: bigint): boolean {
  return height === getSessionEndHeight(params, height)
}

/** Blocks from a session's end to its proof window close (the four window offsets). */
export function getSessionEndToProofWindowCloseBlocks(params: SessionWindowParams): bigint {
  // Summed as uint64, then cast, as the chain does.
  return toInt64(
    params.claimWindowOpenOffsetBlocks +
      params.claimWindowCloseOffsetBlocks +
      params.proofWindowOpenOffsetBlocks +
      params.proofWindowCloseOffsetBlocks,
  )
}

/**
 * Height at which claims of the session containing `height` settle
 * (`GetSettlementSessionEndHeight`; equals the proof window close height).
 */
export function getSettlementHeight(params: SessionWindowParams, height: bigint): bigint {
  return toInt64(
    getSessionEndToProofWindowCloseBlocks(params) + getSessionEndHeight(params, height) + 1n,
  )
}

/** Number of ended sessions whose claims have not settled yet, rounded up. */
export function getNumPendingSessions(params: SessionWindowParams): bigint {
  const n = getNumBlocksPerSession(params)
  return divInt64(toInt64(getSessionEndToProofWindowCloseBlocks(params) + n - 1n), n)
}

/** Every height of the session containing a height, at once. */
export interface SessionWindows {
  startHeight: bigint
  endHeight: bigint
  sessionNumber: bigint
  gracePeriodEndHeight: bigint
  claimWindowOpenHeight: bigint
  claimWindowCloseHeight: bigint
  proofWindowOpenHeight: bigint
  proofWindowCloseHeight: bigint
  settlementHeight: bigint
}

/** The session containing `height` and all of its windows. */
export function getSessionWindows(params: SessionWindowParams, height: bigint): SessionWindows {
  return {
    startHeight: getSessionStartHeight(params, height),
    endHeight: getSessionEndHeight(params, height),
    sessionNumber: getSessionNumber(params, height),
    gracePeriodEndHeight: getSessionGracePeriodEndHeight(params, height),
    claimWindowOpenHeight: getClaimWindowOpenHeight(params, height),
    claimWindowCloseHeight: getClaimWindowCloseHeight(params, height),
    proofWindowOpenHeight: getProofWindowOpenHeight(params, height),
    proofWindowCloseHeight: getProofWindowCloseHeight(params, height),
    settlementHeight: getSettlementHeight(params, height),
  }
}
