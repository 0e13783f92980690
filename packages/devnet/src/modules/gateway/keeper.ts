// x/gateway keeper: the gateway store.

import { create } from '@decai/protocol'
import { type Gateway, GatewaySchema } from '@decai/protocol/gen/pocket/gateway/types_pb'
import { decode, encode } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { textKey } from '../../store/keys.js'
import { prefixEntries } from '../../store/kv-store.js'
import { getSharedParams } from '../shared/keeper.js'

export const GATEWAY_PREFIX = 'Gateway/address/'

const gatewayKey = (address: string) => `${GATEWAY_PREFIX}${textKey(address)}/`

export function getGateway(ctx: Context, address: string): Gateway | undefined {
  const raw = ctx.store('gateway').get(gatewayKey(address))
  return raw ? decode(GatewaySchema, raw) : undefined
}

export function setGateway(ctx: Context, gateway: Gateway): void {
  ctx.store('gateway').set(gatewayKey(gateway.address), encode(GatewaySchema, gateway))
}

export function removeGateway(ctx: Context, address: string): void {
  ctx.store('gateway').delete(gatewayKey(address))
}

export function getAllGateways(ctx: Context): Gateway[] {
  return prefixEntries(ctx.store('gateway'), GATEWAY_PREFIX).map(([, v]) =>
    decode(GatewaySchema, v),
  )
}

export const isGatewayUnbonding = (g: Gateway) => g.unstakeSessionEndHeight !== 0n

export function isGatewayActive(g: Gateway, height: bigint): boolean {
  return !isGatewayUnbonding(g) || height <= g.unstakeSessionEndHeight
}

export function getGatewayUnbondingEndHeight(ctx: Context, g: Gateway): bigint {
  const p = getSharedParams(ctx)
  return g.unstakeSessionEndHeight + p.gatewayUnbondingPeriodSessions * p.numBlocksPerSession
}

/** The gateway as events carry it: without its metadata card. */
export const forEvent = (g: Gateway): Gateway =>
  create(GatewaySchema, { ...g, metadata: undefined })
