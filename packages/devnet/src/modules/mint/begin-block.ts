// x/mint BeginBlocker at the devnet's inflation, which is zero: token supply moves only through
// settlement (the pocketd localnet zeroes its mint params for the same reason). Each block still
// does what a zero-inflation node does: it computes the bonded ratio, sends the block provision
// (no coins) from the mint module to the fee collector, and emits the `mint` event.

import { DENOM } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { newEvent } from '../../app/events.js'
import { formatDec, quoDecTruncate } from '../../app/legacy-dec.js'
import { moduleAddressBytes } from '../auth/keeper.js'
import { getBalance, getSupply, sendCoinsFromModuleToModule } from '../bank/keeper.js'

/** `BondedRatio`: the bonded pool's tokens over the staking denom's supply, truncated. */
export function getBondedRatio(ctx: Context): bigint {
  const supply = getSupply(ctx, DENOM)
  if (supply <= 0n) return 0n
  return quoDecTruncate(getBalance(ctx, moduleAddressBytes('bonded_tokens_pool'), DENOM), supply)
}

/** `DefaultMintFn` with inflation pinned at zero (min = max = change = 0). */
export function beginBlockMint(ctx: Context): void {
  const bondedRatio = getBondedRatio(ctx)
  // Zero inflation gives zero annual provisions and a zero block provision, which `NewCoins`
  // drops: nothing is minted, and `AddCollectedFees` sends no coins (still with its events).
  sendCoinsFromModuleToModule(ctx, 'mint', 'fee_collector', [])
  ctx.events.emit(
    newEvent('mint', [
      ['bonded_ratio', formatDec(bondedRatio)],
      ['inflation', formatDec(0n)],
      ['annual_provisions', formatDec(0n)],
      ['amount', '0'],
    ]),
  )
}
