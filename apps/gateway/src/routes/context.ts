import type { ClaimAuditor } from '@decai/app-kit/claim-auditor'
import type { Logger } from '@decai/app-kit/logger'
import type { Context } from 'hono'
import type { ChainView } from '../chain-view.js'
import type { GatewayConfig } from '../config.js'
import { isUnexpectedError, toErrorResponse } from '../errors.js'
import type { KeyStore } from '../key-store.js'
import type { GatewayMetrics } from '../metrics.js'
import type { ModelCatalog } from '../models.js'
import type { KeyLimits } from '../rate-limiter.js'
import type { RelayExecutor } from '../relay-executor.js'
import type { SupplierRouter } from '../supplier-router.js'

/** What the HTTP routes use; each handler takes it explicitly. */
export type GatewayAppDependencies = {
  config: GatewayConfig
  store: KeyStore
  /** Per-key limits and budget reservations (in memory, or shared in Redis). */
  limiter: KeyLimits
  catalog: ModelCatalog
  view: ChainView
  router: SupplierRouter
  /** The claim audit, when `claimAudit.applications` is set. */
  claims?: ClaimAuditor | undefined
  executor: RelayExecutor
  metrics: GatewayMetrics
  logger: Logger
  /** Set when the gateway is stopping: new requests get 503. */
  isStopping: () => boolean
}

/**
 * A handler whose refusals are answered as OpenAI errors here; anything unexpected goes on to the
 * app's `onError`, which logs it with its cause before answering 500.
 */
export function guarded(
  handler: (c: Context) => Response | Promise<Response>,
): (c: Context) => Promise<Response> {
  return async (c) => {
    try {
      return await handler(c)
    } catch (error) {
      if (isUnexpectedError(error)) throw error
      return toErrorResponse(error)
    }
  }
}
