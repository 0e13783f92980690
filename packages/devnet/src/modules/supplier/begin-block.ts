// x/supplier BeginBlocker.

import { create } from '@decai/protocol'
import { ServiceConfigUpdateSchema } from '@decai/protocol/gen/pocket/shared/supplier_pb'
import { EventSupplierServiceConfigActivatedSchema } from '@decai/protocol/gen/pocket/supplier/event_pb'
import { isSessionStartHeight } from '@decai/session'
import { decode } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { bytesToKey } from '../../store/keys.js'
import { prefixEntries } from '../../store/kv-store.js'
import { sessionParams } from '../shared/keeper.js'
import { ACTIVATION_PREFIX, int } from './keeper.js'

/** x/supplier BeginBlocker: announces the service configs that activate at a session start. */
export function beginBlockSupplier(ctx: Context): void {
  if (!isSessionStartHeight(sessionParams(ctx), ctx.height)) return
  const store = ctx.store('supplier')
  for (const [, primary] of prefixEntries(store, ACTIVATION_PREFIX + int(ctx.height))) {
    const raw = store.get(bytesToKey(primary))
    if (!raw) continue
    const update = decode(ServiceConfigUpdateSchema, raw)
    ctx.events.emitTyped(
      EventSupplierServiceConfigActivatedSchema,
      create(EventSupplierServiceConfigActivatedSchema, {
        operatorAddress: update.operatorAddress,
        serviceId: update.service?.serviceId ?? '',
        activationHeight: ctx.height,
      }),
    )
  }
}
