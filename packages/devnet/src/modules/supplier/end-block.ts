// x/supplier EndBlocker.

import { create } from '@decai/protocol'
import {
  EventSupplierUnbondingEndSchema,
  SupplierUnbondingReason,
} from '@decai/protocol/gen/pocket/supplier/event_pb'
import { getSessionEndHeight, isSessionEndHeight } from '@decai/session'
import { addressBytes, DENOM } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { sendCoinsFromModuleToAccount } from '../bank/keeper.js'
import { coinAmount, getParams } from '../params.js'
import { sessionParams } from '../shared/keeper.js'
import {
  getAllDehydratedSuppliers,
  getSupplierUnbondingEndHeight,
  isSupplierUnbonding,
  removeSupplier,
} from './keeper.js'

/** x/supplier EndBlocker: at a session end, return the stakes whose unbonding is over. */
export function endBlockSupplier(ctx: Context): void {
  const params = sessionParams(ctx)
  if (!isSessionEndHeight(params, ctx.height)) return
  const minStake = coinAmount(getParams(ctx, 'supplier').minStake)
  for (const supplier of getAllDehydratedSuppliers(ctx)) {
    if (!isSupplierUnbonding(supplier)) continue
    const end = getSupplierUnbondingEndHeight(ctx, supplier)
    if (end > ctx.height) continue
    const stake = coinAmount(supplier.stake)
    if (stake > 0n) {
      sendCoinsFromModuleToAccount(ctx, 'supplier', addressBytes(supplier.ownerAddress), [
        { denom: DENOM, amount: stake },
      ])
    }
    removeSupplier(ctx, supplier.operatorAddress)
    ctx.events.emitTyped(
      EventSupplierUnbondingEndSchema,
      create(EventSupplierUnbondingEndSchema, {
        supplier,
        reason:
          stake < minStake
            ? SupplierUnbondingReason.BELOW_MIN_STAKE
            : SupplierUnbondingReason.VOLUNTARY,
        sessionEndHeight: getSessionEndHeight(params, ctx.height),
        unbondingEndHeight: end,
      }),
    )
  }
}
