// x/tokenomics EndBlocker: settle, then update difficulties.

import type { Context } from '../../app/context.js'
import { updateRelayMiningDifficulties } from './relay-mining-difficulty.js'
import { settlePendingClaims } from './settlement.js'

/** x/tokenomics EndBlocker: settle, then update difficulties. */
export function endBlockTokenomics(ctx: Context): void {
  updateRelayMiningDifficulties(ctx, settlePendingClaims(ctx))
}
