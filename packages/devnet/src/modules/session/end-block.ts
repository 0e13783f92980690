// x/session EndBlocker.

import type { Context } from '../../app/context.js'
import { blockHashKey } from './keeper.js'

/** x/session EndBlocker: records this block's hash, which session IDs are derived from. */
export function storeBlockHash(ctx: Context): void {
  ctx.store('session').set(blockHashKey(ctx.height), ctx.block.hash)
}
