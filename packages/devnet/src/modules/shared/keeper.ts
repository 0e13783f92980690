// x/shared keeper: the shared params in force, in the shape @decai/session computes with.

import type { SharedParams as SessionSharedParams } from '@decai/session'
import type { Context } from '../../app/context.js'
import { getParams } from '../params.js'
import type { SharedParams } from './params.js'

export const getSharedParams = (ctx: Context) => getParams(ctx, 'shared')

/** The shared params in the shape `@decai/session` computes with. */
export function toSessionParams(p: SharedParams): SessionSharedParams {
  return {
    numBlocksPerSession: p.numBlocksPerSession,
    gracePeriodEndOffsetBlocks: p.gracePeriodEndOffsetBlocks,
    claimWindowOpenOffsetBlocks: p.claimWindowOpenOffsetBlocks,
    claimWindowCloseOffsetBlocks: p.claimWindowCloseOffsetBlocks,
    proofWindowOpenOffsetBlocks: p.proofWindowOpenOffsetBlocks,
    proofWindowCloseOffsetBlocks: p.proofWindowCloseOffsetBlocks,
    computeUnitsToTokensMultiplier: p.computeUnitsToTokensMultiplier,
    computeUnitCostGranularity: p.computeUnitCostGranularity,
    sessionGridAnchorHeight: p.sessionGridAnchorHeight,
    sessionNumberAtAnchor: p.sessionNumberAtAnchor,
  }
}

/** Shared params in force at `ctx`'s height, in `@decai/session`'s shape. */
export function sessionParams(ctx: Context): SessionSharedParams {
  return toSessionParams(getSharedParams(ctx))
}
