import type { RelayRequest } from '@decai/protocol'
import { getClaimedUpokt, getRootSum } from '@decai/relay-mining'
import {
  checkRelayRewardEligibility,
  getNumPendingSessions,
  type SessionHeaderFields,
  type SharedParams,
} from '@decai/session'
import type { MiningParams } from './chain-view.js'
import { SupplierError } from './errors.js'
import { getRelayCost, getSessionBudget, type SessionMeter, toStakeTerms } from './rate-limit.js'
import { fail, reject } from './relay-reply.js'
import type { RelayServerContext, ServedService } from './relay-server.js'

// Admitting a verified relay: whether it can earn (reward eligibility), whether the
// application can still pay for it (the rate limit by stake), and the session on record.
// What it reserves here is given back through `release` if the relay is not served or mined.

/** A verified relay the supplier has agreed to serve. */
export type AdmittedRelay = {
  ctx: RelayServerContext
  request: RelayRequest
  header: SessionHeaderFields
  serviceId: string
  service: ServedService
  sessionKey: string
  eligible: boolean
  /** Shared params at the session end (for the claim window). */
  endParams: SharedParams
  miningParams: Promise<MiningParams>
  /** `performance.now()` when the relay arrived. */
  started: number
  /** Gives the reserved budget back (once; a no-op when nothing was reserved). */
  release: () => void
}

export type AdmitRelayParameters = {
  request: RelayRequest
  serviceId: string
  service: ServedService
  /** Suppliers in the session: the application's stake is shared between them. */
  numSuppliers: number
  height: bigint
  started: number
}

export const getSessionKey = (h: SessionHeaderFields) => `${h.applicationAddress}|${h.sessionId}`

/** Admits a verified relay, or answers the refusal (rate limited, store down). */
export async function admitRelay(
  ctx: RelayServerContext,
  p: AdmitRelayParameters,
): Promise<AdmittedRelay | Response> {
  const { request, serviceId, height } = p
  const header = request.meta!.sessionHeader!
  const sessionKey = getSessionKey(header)
  // What the relay weighs and must beat; fetched while the backend works.
  const miningParams = ctx.chain.getMiningParams(serviceId, header.sessionStartBlockHeight)
  miningParams.catch(() => {})
  const endParams = await ctx.chain.getSharedParams(header.sessionEndBlockHeight)
  const eligible = checkRelayRewardEligibility(request, height, endParams) === undefined

  const reserved =
    ctx.rateLimit && eligible
      ? await reserveRelay(ctx, request, p.numSuppliers, miningParams)
      : false
  if (reserved instanceof Response) return reserved
  const release = createRelease(ctx, sessionKey, reserved)

  try {
    ctx.store.ensureSession(header, ctx.operatorAddress, height)
  } catch (cause) {
    release()
    ctx.metrics.errors.inc({ component: 'store' })
    const error = new SupplierError('STORE_FAILED', 'Cannot record the session.', { cause })
    return fail(ctx, error, request, serviceId)
  }
  const { service, started } = p
  return {
    ctx,
    request,
    header,
    serviceId,
    service,
    sessionKey,
    eligible,
    endParams,
    miningParams,
    started,
    release,
  }
}

/**
 * Reserves one relay's cost: `true` once reserved, `false` when the meter is unavailable (as
 * poktroll, that does not block service), the rejection when the application cannot pay.
 */
async function reserveRelay(
  ctx: RelayServerContext,
  request: RelayRequest,
  numSuppliers: number,
  miningParams: Promise<MiningParams>,
): Promise<boolean | Response> {
  const header = request.meta!.sessionHeader!
  try {
    const reserved = await ctx.meter.reserve(getSessionKey(header), () =>
      initSessionMeter(ctx, header, numSuppliers, miningParams),
    )
    if (reserved) return true
  } catch (error) {
    ctx.metrics.errors.inc({ component: 'rate_limit' })
    ctx.logger.warn('relay meter unavailable', { error, session: header.sessionId })
    return false
  }
  return reject(ctx, {
    kind: 'rateLimited',
    reason: 'RATE_LIMITED',
    details: `application ${header.applicationAddress} has spent its stake for this session`,
    request,
    serviceId: header.serviceId,
  })
}

function createRelease(
  ctx: Pick<RelayServerContext, 'meter'>,
  sessionKey: string,
  reserved: boolean,
): () => void {
  return () => {
    if (reserved) {
      reserved = false
      void ctx.meter.release(sessionKey)
    }
  }
}

/** A session's meter from the chain: its budget, one relay's cost, what is already spent. */
export async function initSessionMeter(
  ctx: Pick<RelayServerContext, 'chain' | 'store' | 'operatorAddress'>,
  header: SessionHeaderFields,
  numSuppliers: number,
  miningParams: Promise<MiningParams>,
): Promise<SessionMeter> {
  const [app, shared, tokenomics, mining] = await Promise.all([
    ctx.chain.getApplication(header.applicationAddress, header.sessionId),
    ctx.chain.getSharedParams(header.sessionEndBlockHeight),
    ctx.chain.getModuleParams('tokenomics'),
    miningParams,
  ])
  const g = tokenomics.globalInflationPerClaim
  const relayCost = getRelayCost({
    computeUnitsPerRelay: mining.computeUnitsPerRelay,
    computeUnitsToTokensMultiplier: shared.computeUnitsToTokensMultiplier,
    computeUnitCostGranularity: shared.computeUnitCostGranularity,
    globalInflationPerClaim: g,
  })
  const budget = getSessionBudget({
    appStake: BigInt(app.stake?.amount ?? '0'),
    perSessionSpendLimit: app.perSessionSpendLimit ? BigInt(app.perSessionSpendLimit.amount) : 0n,
    numPendingSessions: getNumPendingSessions(shared),
    numSuppliers: BigInt(numSuppliers),
  })
  // After a restart, what the session's trie already claims has been spent.
  let consumed = 0n
  if ((ctx.store.getSession(header.sessionId, ctx.operatorAddress)?.relaysMined ?? 0) > 0) {
    const claimed = getClaimedUpokt({
      computeUnits: getRootSum(ctx.store.getRoot(ctx.operatorAddress, header.sessionId)),
      target: mining.targetHash,
      computeUnitsToTokensMultiplier: shared.computeUnitsToTokensMultiplier,
      computeUnitCostGranularity: shared.computeUnitCostGranularity,
    })
    consumed = toStakeTerms(claimed, g)
  }
  return { budget, relayCost, consumed }
}
