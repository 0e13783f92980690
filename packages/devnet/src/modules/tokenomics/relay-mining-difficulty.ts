// The relay-mining difficulty update after settlement (UpdateRelayMiningDifficulty).

import { create } from '@decai/protocol'
import type { Claim } from '@decai/protocol/gen/pocket/proof/types_pb'
import { EventRelayMiningDifficultyUpdatedSchema } from '@decai/protocol/gen/pocket/service/event_pb'
import { updateRelayMiningDifficulty } from '@decai/session'
import type { Context } from '../../app/context.js'
import { getParams } from '../params.js'
import { getNumRelays } from '../proof/claim.js'
import {
  getDifficultyHistory,
  getStoredDifficulty,
  setDifficultyAtHeight,
  setStoredDifficulty,
} from '../service/keeper.js'
import { sessionParams } from '../shared/keeper.js'

/** `UpdateRelayMiningDifficulty` for the services whose claims settled this block. */
export function updateRelayMiningDifficulties(ctx: Context, settledClaims: Claim[]): void {
  const relays = new Map<string, bigint>()
  for (const claim of settledClaims) {
    const id = claim.sessionHeader!.serviceId
    relays.set(id, (relays.get(id) ?? 0n) + getNumRelays(claim))
  }
  const params = sessionParams(ctx)
  const targetNumRelays = getParams(ctx, 'service').targetNumRelays
  for (const serviceId of [...relays.keys()].sort()) {
    const stored = getStoredDifficulty(ctx, serviceId)
    const { previous, next } = updateRelayMiningDifficulty({
      serviceId,
      current: stored,
      numRelays: relays.get(serviceId)!,
      targetNumRelays,
      currentHeight: ctx.height,
      params,
    })
    if (getDifficultyHistory(ctx, serviceId).length === 0) {
      setDifficultyAtHeight(ctx, ctx.height, previous)
    }
    setDifficultyAtHeight(ctx, next.blockHeight, next)
    setStoredDifficulty(ctx, next)
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
    ctx.events.emitTyped(
      EventRelayMiningDifficultyUpdatedSchema,
      create(EventRelayMiningDifficultyUpdatedSchema, {
        serviceId,
        prevTargetHashHexEncoded: hex(previous.targetHash),
        newTargetHashHexEncoded: hex(next.targetHash),
        prevNumRelaysEma: previous.numRelaysEma,
        newNumRelaysEma: next.numRelaysEma,
      }),
    )
  }
}
