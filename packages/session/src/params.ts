import { toUint64 } from './int64.js'

/**
 * The shared-module params (`pocket.shared.Params`) the session arithmetic reads. Every
 * field is the chain's uint64, as a bigint.
 */
export interface SharedParams {
  numBlocksPerSession: bigint
  gracePeriodEndOffsetBlocks: bigint
  claimWindowOpenOffsetBlocks: bigint
  claimWindowCloseOffsetBlocks: bigint
  proofWindowOpenOffsetBlocks: bigint
  proofWindowCloseOffsetBlocks: bigint
  computeUnitsToTokensMultiplier: bigint
  computeUnitCostGranularity: bigint
  /** First height of the params epoch's session grid; absent or 0 means the genesis grid. */
  sessionGridAnchorHeight?: bigint
  /** Session number at the anchor; absent or 0 means 1. */
  sessionNumberAtAnchor?: bigint
}

/**
 * The shared params as the session arithmetic reads them, from `pocket.shared.Params` (a
 * chain query's message, the devnet's state) or anything shaped like it: only these fields,
 * as plain values, so what is cached or compared carries no protobuf metadata.
 */
export function toSharedParams(params: SharedParams): SharedParams {
  const { sessionGridAnchorHeight, sessionNumberAtAnchor } = params
  return {
    numBlocksPerSession: params.numBlocksPerSession,
    gracePeriodEndOffsetBlocks: params.gracePeriodEndOffsetBlocks,
    claimWindowOpenOffsetBlocks: params.claimWindowOpenOffsetBlocks,
    claimWindowCloseOffsetBlocks: params.claimWindowCloseOffsetBlocks,
    proofWindowOpenOffsetBlocks: params.proofWindowOpenOffsetBlocks,
    proofWindowCloseOffsetBlocks: params.proofWindowCloseOffsetBlocks,
    computeUnitsToTokensMultiplier: params.computeUnitsToTokensMultiplier,
    computeUnitCostGranularity: params.computeUnitCostGranularity,
    ...(sessionGridAnchorHeight === undefined ? {} : { sessionGridAnchorHeight }),
    ...(sessionNumberAtAnchor === undefined ? {} : { sessionNumberAtAnchor }),
  }
}

/** What places a height on the session grid. */
export type SessionGridParams = Pick<
  SharedParams,
  'numBlocksPerSession' | 'sessionGridAnchorHeight' | 'sessionNumberAtAnchor'
>

/** What the grace period and the claim and proof windows are derived from. */
export type SessionWindowParams = SessionGridParams &
  Pick<
    SharedParams,
    | 'gracePeriodEndOffsetBlocks'
    | 'claimWindowOpenOffsetBlocks'
    | 'claimWindowCloseOffsetBlocks'
    | 'proofWindowOpenOffsetBlocks'
    | 'proofWindowCloseOffsetBlocks'
  >

/** One entry of a params history (`ParamsUpdate`): params in force from `effectiveHeight`. */
export interface ParamsUpdate<T> {
  effectiveHeight: bigint
  params: T
}

/**
 * The params in force at `height`, as the chain's `GetParamsAtHeight` resolves them: the
 * entry with the greatest effective height not above `height`, else `current` (a chain
 * that has not recorded any history yet).
 */
export function getParamsAtHeight<T>(
  history: readonly ParamsUpdate<T>[],
  height: bigint,
  current: T,
): T {
  // The store keys are big-endian uint64 heights and the scan bound is height + 1.
  const bound = toUint64(height + 1n)
  let best: ParamsUpdate<T> | undefined
  for (const update of history) {
    const key = toUint64(update.effectiveHeight)
    if (key >= bound) continue
    // A later entry for the same height replaces an earlier one, as a store write would.
    if (best === undefined || key >= toUint64(best.effectiveHeight)) best = update
  }
  return best === undefined ? current : best.params
}
