// x/application keeper: the application store.

import { create } from '@decai/protocol'
import {
  type Application,
  ApplicationSchema,
  UndelegatingGatewayListSchema,
} from '@decai/protocol/gen/pocket/application/types_pb'
import type { ApplicationServiceConfig } from '@decai/protocol/gen/pocket/shared/service_pb'
import { getSessionEndHeight } from '@decai/session'
import { decode, encode } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { textKey } from '../../store/keys.js'
import { prefixEntries } from '../../store/kv-store.js'
import { getSharedParams, sessionParams } from '../shared/keeper.js'

export const APPLICATION_PREFIX = 'Application/address/'

const applicationKey = (address: string) => `${APPLICATION_PREFIX}${textKey(address)}/`

export function getApplication(ctx: Context, address: string): Application | undefined {
  const raw = ctx.store('application').get(applicationKey(address))
  return raw ? decode(ApplicationSchema, raw) : undefined
}

export function setApplication(ctx: Context, app: Application): void {
  ctx.store('application').set(applicationKey(app.address), encode(ApplicationSchema, app))
}

export function removeApplication(ctx: Context, address: string): void {
  ctx.store('application').delete(applicationKey(address))
}

export function getAllApplications(ctx: Context): Application[] {
  return prefixEntries(ctx.store('application'), APPLICATION_PREFIX).map(([, v]) =>
    decode(ApplicationSchema, v),
  )
}

export const isAppUnbonding = (app: Application) => app.unstakeSessionEndHeight !== 0n

/** `Application.IsActive`: unbonding apps stay in sessions up to their unstake session end. */
export function isAppActive(app: Application, height: bigint): boolean {
  if (isAppUnbonding(app)) return height <= app.unstakeSessionEndHeight
  if (app.pendingTransfer) return height <= app.pendingTransfer.sessionEndHeight
  return true
}

/** `Application.GetActiveServiceConfigs`: the history when present, else the current configs. */
export function getActiveAppServiceConfigs(
  app: Application,
  height: bigint,
): ApplicationServiceConfig[] {
  if (app.serviceConfigHistory.length === 0) return app.serviceConfigs
  return app.serviceConfigHistory
    .filter(
      (u) =>
        u.activationHeight <= height &&
        (u.deactivationHeight === 0n || u.deactivationHeight > height),
    )
    .map((u) => u.service!)
    .filter((s) => s !== undefined)
}

export function getApplicationUnbondingEndHeight(ctx: Context, app: Application): bigint {
  const p = getSharedParams(ctx)
  return app.unstakeSessionEndHeight + p.applicationUnbondingPeriodSessions * p.numBlocksPerSession
}

export function recordPendingUndelegation(ctx: Context, app: Application, gateway: string): void {
  const height = getSessionEndHeight(sessionParams(ctx), ctx.height).toString()
  const list = app.pendingUndelegations[height] ?? create(UndelegatingGatewayListSchema)
  if (!list.gatewayAddresses.includes(gateway)) list.gatewayAddresses.push(gateway)
  app.pendingUndelegations[height] = list
}
