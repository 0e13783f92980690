// x/application EndBlocker.

import { create } from '@decai/protocol'
import {
  ApplicationUnbondingReason,
  EventApplicationUnbondingEndSchema,
} from '@decai/protocol/gen/pocket/application/event_pb'
import { getSessionEndHeight, isSessionEndHeight } from '@decai/session'
import { addressBytes, DENOM } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { sendCoinsFromModuleToAccount } from '../bank/keeper.js'
import { getAllGateways, isGatewayActive } from '../gateway/keeper.js'
import { coinAmount, getParams } from '../params.js'
import { getSharedParams, sessionParams } from '../shared/keeper.js'
import {
  getAllApplications,
  getApplicationUnbondingEndHeight,
  isAppUnbonding,
  recordPendingUndelegation,
  removeApplication,
  setApplication,
} from './keeper.js'

/** Blocks a pending undelegation stays recorded (`GetNumBlocksUndelegationRetention`). */
function undelegationRetentionBlocks(ctx: Context): bigint {
  const p = getSharedParams(ctx)
  return p.gracePeriodEndOffsetBlocks + p.numBlocksPerSession * 2n
}

/** x/application EndBlocker: auto-undelegate, prune undelegations, unbond. */
export function endBlockApplication(ctx: Context): void {
  // Apps delegated to gateways that are no longer active lose the delegation.
  for (const gateway of getAllGateways(ctx)) {
    if (isGatewayActive(gateway, ctx.height)) continue
    for (const app of getAllApplications(ctx)) {
      const index = app.delegateeGatewayAddresses.indexOf(gateway.address)
      if (index < 0) continue
      app.delegateeGatewayAddresses.splice(index, 1)
      recordPendingUndelegation(ctx, app, gateway.address)
      setApplication(ctx, app)
    }
  }

  const retention = undelegationRetentionBlocks(ctx)
  if (ctx.height > retention) {
    const earliest = ctx.height - retention
    for (const app of getAllApplications(ctx)) {
      const heights = Object.keys(app.pendingUndelegations)
      if (heights.length === 0) continue
      for (const h of heights) if (BigInt(h) < earliest) delete app.pendingUndelegations[h]
      setApplication(ctx, app)
    }
  }

  const params = sessionParams(ctx)
  if (!isSessionEndHeight(params, ctx.height)) return
  const minStake = coinAmount(getParams(ctx, 'application').minStake)
  for (const app of getAllApplications(ctx)) {
    if (!isAppUnbonding(app)) continue
    const end = getApplicationUnbondingEndHeight(ctx, app)
    if (end > ctx.height) continue
    sendCoinsFromModuleToAccount(ctx, 'application', addressBytes(app.address), [
      { denom: DENOM, amount: coinAmount(app.stake) },
    ])
    removeApplication(ctx, app.address)
    ctx.events.emitTyped(
      EventApplicationUnbondingEndSchema,
      create(EventApplicationUnbondingEndSchema, {
        application: app,
        reason:
          coinAmount(app.stake) < minStake
            ? ApplicationUnbondingReason.BELOW_MIN_STAKE
            : ApplicationUnbondingReason.ELECTIVE,
        sessionEndHeight: getSessionEndHeight(params, ctx.height),
        unbondingEndHeight: end,
      }),
    )
  }
}

/** Application unbonding end height, for the tokenomics below-min-stake path. */
