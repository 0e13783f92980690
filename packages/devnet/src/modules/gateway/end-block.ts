// x/gateway EndBlocker.

import { create } from '@decai/protocol'
import { EventGatewayUnbondingEndSchema } from '@decai/protocol/gen/pocket/gateway/event_pb'
import { getSessionEndHeight, isSessionEndHeight } from '@decai/session'
import { addressBytes } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { sendCoinsFromModuleToAccount } from '../bank/keeper.js'
import { coinAmount } from '../params.js'
import { sessionParams } from '../shared/keeper.js'
import {
  forEvent,
  getAllGateways,
  getGatewayUnbondingEndHeight,
  isGatewayUnbonding,
  removeGateway,
} from './keeper.js'

/** x/gateway EndBlocker: at a session end, return the stakes whose unbonding is over. */
export function endBlockGateway(ctx: Context): void {
  const params = sessionParams(ctx)
  if (!isSessionEndHeight(params, ctx.height)) return
  for (const gateway of getAllGateways(ctx)) {
    if (!isGatewayUnbonding(gateway)) continue
    const end = getGatewayUnbondingEndHeight(ctx, gateway)
    if (end > ctx.height) continue
    sendCoinsFromModuleToAccount(ctx, 'gateway', addressBytes(gateway.address), [
      { denom: 'upokt', amount: coinAmount(gateway.stake) },
    ])
    removeGateway(ctx, gateway.address)
    ctx.events.emitTyped(
      EventGatewayUnbondingEndSchema,
      create(EventGatewayUnbondingEndSchema, {
        gateway: forEvent(gateway),
        sessionEndHeight: getSessionEndHeight(params, ctx.height),
        unbondingEndHeight: end,
      }),
    )
  }
}
