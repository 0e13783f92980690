// x/session keeper: the recorded block hashes and `GetSession`.

import { create } from '@decai/protocol'
import {
  type Session,
  SessionHeaderSchema,
  SessionSchema,
} from '@decai/protocol/gen/pocket/session/types_pb'
import { type Supplier, SupplierSchema } from '@decai/protocol/gen/pocket/shared/supplier_pb'
import {
  getSessionEndHeight,
  getSessionStartHeight,
  hydrateSession,
  isSessionError,
} from '@decai/session'
import { type AbciError, errorText } from '../../app/abci-error.js'
import { sessionErrors } from '../../app/chain-errors.js'
import type { Context } from '../../app/context.js'
import { getActiveAppServiceConfigs, getApplication, isAppActive } from '../application/keeper.js'
import { getParams } from '../params.js'
import { sessionParams } from '../shared/keeper.js'
import { validateServiceId } from '../shared/validation.js'
import {
  getDehydratedSupplier,
  getServiceConfigUpdates,
  isConfigActive,
} from '../supplier/keeper.js'

const BLOCK_HASH_PREFIX = 'BlockHash/height/'
export const blockHashKey = (height: bigint) => `${BLOCK_HASH_PREFIX}${height}/`

/** The recorded hash of a block (empty for a height without one, as Go returns nil). */
export function getBlockHash(ctx: Context, height: bigint): Uint8Array {
  return ctx.store('session').get(blockHashKey(height)) ?? new Uint8Array()
}

/**
 * x/session `GetSession` at `height` (0: the context height), hydrated as `HydrateSession`:
 * session metadata and ID, the application's eligibility, then the suppliers picked by
 * `@decai/session`. Errors are the session module's registered errors.
 */
export function getSession(
  ctx: Context,
  applicationAddress: string,
  serviceId: string,
  height: bigint,
): Session {
  const queryHeight = height > 0n ? height : ctx.height
  if (queryHeight > ctx.height) {
    throw sessionErrors.hydration.wrap(
      `block height ${queryHeight} is ahead of the last committed block height ${ctx.height}`,
    )
  }
  const params = sessionParams(ctx)
  const start = getSessionStartHeight(params, queryHeight)
  try {
    validateServiceId(serviceId)
  } catch (error) {
    throw sessionErrors.hydration.wrap(errorText(error))
  }
  // Candidate configs in store order, as the supplier module's iterator yields them.
  const candidates = getServiceConfigUpdates(ctx, serviceId, queryHeight).filter((u) =>
    isConfigActive(u, queryHeight),
  )
  let hydrated: ReturnType<typeof hydrateSession<(typeof candidates)[number]>> | undefined
  let suppliersError: AbciError | undefined
  try {
    hydrated = hydrateSession({
      params,
      height: queryHeight,
      serviceId,
      applicationAddress,
      blockHash: getBlockHash(ctx, start),
      numSuppliersPerSession: getParams(ctx, 'session').numSuppliersPerSession,
      candidates,
    })
  } catch (error) {
    if (!isSessionError(error) || error.code !== 'SUPPLIERS_NOT_FOUND') throw error
    suppliersError = sessionErrors.suppliersNotFound.wrap(
      `could not find suppliers for service ${serviceId} at height ${start}`,
    )
  }

  // The application checks precede supplier hydration upstream, so their errors win.
  const app = getApplication(ctx, applicationAddress)
  if (!app) {
    throw sessionErrors.appNotFound.wrap(
      `could not find app with address "${applicationAddress}" at height ${start}`,
    )
  }
  if (!isAppActive(app, getSessionEndHeight(params, queryHeight))) {
    throw sessionErrors.appNotActive.wrap(
      `application "${applicationAddress}" is not active for session ${hydrated?.sessionId ?? ''}`,
    )
  }
  if (!getActiveAppServiceConfigs(app, queryHeight).some((s) => s.serviceId === serviceId)) {
    throw sessionErrors.appNotStakedForService.wrap(
      `application "${applicationAddress}" not staked for service ID "${serviceId}"`,
    )
  }
  if (suppliersError || !hydrated) throw suppliersError ?? sessionErrors.hydration.error()

  const suppliers: Supplier[] = []
  for (const update of hydrated.suppliers) {
    const supplier = getDehydratedSupplier(ctx, update.operatorAddress)
    if (!supplier || !update.service) continue
    suppliers.push(
      create(SupplierSchema, { ...supplier, services: [update.service], serviceConfigHistory: [] }),
    )
  }
  const header = create(SessionHeaderSchema, {
    applicationAddress,
    serviceId,
    sessionId: hydrated.sessionId,
    sessionStartBlockHeight: hydrated.header.sessionStartBlockHeight,
    sessionEndBlockHeight: hydrated.header.sessionEndBlockHeight,
  })
  return create(SessionSchema, {
    header,
    sessionId: hydrated.sessionId,
    sessionNumber: hydrated.sessionNumber,
    numBlocksPerSession: hydrated.numBlocksPerSession,
    application: app,
    suppliers,
  })
}
