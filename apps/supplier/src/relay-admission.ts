import { describeError } from '@decai/core'
import type { RelayRequest } from '@decai/protocol'
import { getClaimedUpokt, getRootSum } from '@decai/relay-mining'
import {
  checkRelayRewardEligibility,
  getNumPendingSessions,
  type SessionHeaderFields,
  type SharedParams,
} from '@decai/session'
import { parsePoktHttpRequest } from './backend.js'
import type { MiningParams } from './chain-view.js'
import { isSupplierError, SupplierError } from './errors.js'
import {
  getRelayCost,
  getSessionBudget,
  getWorstCaseReservation,
  type SessionMeter,
  toStakeTerms,
} from './rate-limit.js'
import { fail, RelayBytes, reject } from './relay-reply.js'
import type { RelayServerContext, ServedService } from './relay-server.js'

// Admitting a verified relay: whether it can earn (reward eligibility), whether the
// application can still pay for it (the rate limit by stake), and the session on record.
// What it reserves here is given back through `release` if the relay is not served or mined.
// A token-metered service reserves the request's worst case in quanta, and `settle` brings the
// reservation to the quanta the answer is worth once it ends.

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
  /**
   * Gives the reserved budget back (once; a no-op when nothing was reserved): all of it, or
   * after `settle` the settled quanta.
   */
  release: () => void
  /**
   * Brings the reservation to `relays` (the quanta a token-metered answer is worth, when it
   * ends): the rest of the worst case goes back. A no-op when nothing was reserved.
   */
  settle: (relays: number) => void
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
): Promise<AdmittedRelay | RelayBytes> {
  const { request, serviceId, height } = p
  const header = request.meta!.sessionHeader!
  const sessionKey = getSessionKey(header)
  // What the relay weighs and must beat; fetched while the backend works.
  const miningParams = ctx.chain.getMiningParams(serviceId, header.sessionStartBlockHeight)
  miningParams.catch(() => {})
  const endParams = await ctx.chain.getSharedParams(header.sessionEndBlockHeight)
  const eligible = checkRelayRewardEligibility(request, height, endParams) === undefined

  let reserved = 0
  if (ctx.rateLimit && eligible) {
    const relays = getReservation(ctx, p)
    if (relays instanceof RelayBytes) return relays
    const metered = p.service.config.tokenMetering !== undefined
    const outcome = await reserveRelay(ctx, request, p.numSuppliers, miningParams, {
      relays,
      metered,
    })
    if (outcome instanceof RelayBytes) return outcome
    reserved = outcome
  }
  const { release, settle } = createReservation(ctx, sessionKey, reserved)

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
    settle,
  }
}

/**
 * The relays to reserve: 1, or for a token-metered service the request's worst case in quanta;
 * the refusal of a request that cannot bound its answer.
 */
function getReservation(ctx: RelayServerContext, p: AdmitRelayParameters): number | RelayBytes {
  const metering = p.service.config.tokenMetering
  if (metering === undefined) return 1
  let http: ReturnType<typeof parsePoktHttpRequest>
  try {
    http = parsePoktHttpRequest(p.request.payload)
  } catch {
    return 1 // Not an HTTP request: forwarding refuses it and gives the relay back.
  }
  try {
    const path = new URL(http.url, 'http://relay.invalid').pathname
    return getWorstCaseReservation({ path, body: http.bodyBz }, metering)
  } catch (error) {
    if (!isSupplierError(error)) throw error
    return reject(ctx, {
      kind: 'serviceInvalidRelayRequest',
      reason: error.code,
      details: describeError(error),
      request: p.request,
      serviceId: p.serviceId,
    })
  }
}

/**
 * Reserves the cost of `relays` relays: how many once reserved, 0 when the meter is unavailable
 * (as poktroll, that does not block service), the rejection when the application cannot pay.
 */
async function reserveRelay(
  ctx: RelayServerContext,
  request: RelayRequest,
  numSuppliers: number,
  miningParams: Promise<MiningParams>,
  { relays, metered }: { relays: number; metered: boolean },
): Promise<number | RelayBytes> {
  const header = request.meta!.sessionHeader!
  try {
    const reserved = await ctx.meter.reserve(
      getSessionKey(header),
      () => initSessionMeter(ctx, header, numSuppliers, miningParams),
      relays,
    )
    if (reserved) return relays
  } catch (error) {
    ctx.metrics.errors.inc({ component: 'rate_limit' })
    ctx.logger.warn('relay meter unavailable', { error, session: header.sessionId })
    return 0
  }
  const error = metered
    ? new SupplierError(
        'WORST_CASE_OVER_BUDGET',
        'The request may cost more than the application can pay.',
        {
          details: `application ${header.applicationAddress}: the request's worst case is ${relays} quanta, more than its stake has left for this session`,
        },
      )
    : undefined
  return reject(ctx, {
    kind: 'rateLimited',
    reason: error?.code ?? 'RATE_LIMITED',
    details: error
      ? describeError(error)
      : `application ${header.applicationAddress} has spent its stake for this session`,
    request,
    serviceId: header.serviceId,
  })
}

/** `release` and `settle` of a reservation of `reserved` relays (0: none). */
function createReservation(
  ctx: Pick<RelayServerContext, 'meter'>,
  sessionKey: string,
  reserved: number,
): Pick<AdmittedRelay, 'release' | 'settle'> {
  return {
    release: () => {
      if (reserved > 0) void ctx.meter.release(sessionKey, reserved)
      reserved = 0
    },
    settle: (relays) => {
      if (reserved <= 0 || relays === reserved) return
      if (relays < reserved) void ctx.meter.release(sessionKey, reserved - relays)
      else void ctx.meter.charge(sessionKey, relays - reserved)
      reserved = relays
    },
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
