// x/distribution BeginBlocker (`AllocateTokens`) for the devnet's one validator: from the second
// block on, the fee collector's balance moves to the distribution module, and the validator's
// share (all but the community tax, its power being the whole of the last commit's) is
// announced as `commission` and `rewards`. The accounting behind them (the community pool, the
// validator's outstanding rewards and commission) is not kept: the devnet serves no
// distribution queries or messages.

import type { Context } from '../../app/context.js'
import { newEvent } from '../../app/events.js'
import {
  DEC_ONE,
  type DecCoin,
  formatDecCoins,
  mulDecCoins,
  quoDecTruncate,
} from '../../app/legacy-dec.js'
import { moduleAddressBytes } from '../auth/keeper.js'
import { getAllBalances, sendCoinsFromModuleToModule } from '../bank/keeper.js'

/** x/distribution's default community tax, which the pocketd localnet keeps: 0.02. */
export const COMMUNITY_TAX = 2n * 10n ** 16n

/** `sdk.DefaultPowerReduction`: tokens per unit of consensus power. */
const POWER_REDUCTION = 1_000_000n

export function beginBlockDistribution(ctx: Context): void {
  if (ctx.height <= 1n) return
  const fees = getAllBalances(ctx, moduleAddressBytes('fee_collector'))
  sendCoinsFromModuleToModule(ctx, 'fee_collector', 'distribution', fees)

  // The last commit's only vote is the validator's; with no power it all goes to the community pool.
  const validator = ctx.chain.validator
  const power = validator.bondedTokens / POWER_REDUCTION
  if (power === 0n) return
  const collected: DecCoin[] = fees.map((c) => ({ denom: c.denom, amount: c.amount * DEC_ONE }))
  const feeMultiplier = mulDecCoins(collected, DEC_ONE - COMMUNITY_TAX)
  const powerFraction = quoDecTruncate(power * DEC_ONE, power * DEC_ONE)
  const reward = mulDecCoins(feeMultiplier, powerFraction)

  // `AllocateTokensToValidator`.
  const commission = mulDecCoins(reward, validator.commissionRate, true)
  const operator = validator.operatorAddress
  ctx.events.emit(
    newEvent('commission', [
      ['amount', formatDecCoins(commission)],
      ['validator', operator],
    ]),
  )
  ctx.events.emit(
    newEvent('rewards', [
      ['amount', formatDecCoins(reward)],
      ['validator', operator],
    ]),
  )
}
