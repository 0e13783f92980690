import type http from 'node:http'
import type https from 'node:https'
import { create, type RelayRequest, RelayResponseSchema } from '@decai/protocol'
import { getRootSum, mineRelay } from '@decai/relay-mining'
import {
  buildRelayResponse,
  checkRelayRequestWellFormed,
  checkRelayRewardEligibility,
  createPoktHttpResponse,
  createRelayStreamSigner,
  encodeRelayStreamFrame,
  getClaimedUpokt,
  getNumPendingSessions,
  parseRelayRequest,
  type SessionHeaderFields,
  type SharedParams,
  serializeRelay,
  serializeRelayResponse,
  signRelayResponse,
  verifyRelayRequest,
} from '@decai/session'
import { Hono } from 'hono'
import {
  type BackendResponse,
  buildBackendRequest,
  getPocketHeaders,
  parsePoktHttpRequest,
  sendBackendRequest,
} from './backend.js'
import type { ChainView, MiningParams } from './chain-view.js'
import type { ServiceConfig } from './config.js'
import { isSupplierError, SupplierError } from './errors.js'
import type { Logger } from './logger.js'
import {
  createSseMeter,
  prepareMeteredRequest,
  readJsonUsage,
  type TokenUsage,
} from './metering.js'
import type { SupplierMetrics } from './metrics.js'
import {
  getRelayCost,
  getSessionBudget,
  type RelayMeter,
  type SessionMeter,
  toStakeTerms,
} from './rate-limit.js'
import {
  createRelayMinerError,
  getRelayMinerErrorKind,
  type RelayMinerErrorKind,
  serializeRelayErrorResponse,
} from './relay-errors.js'
import type { SessionStore } from './session-store.js'
import type { VerifyPool, VerifyResult } from './verify-pool.js'

/** The header a gateway sends to ask for a signed stream (packages/session/docs/streaming.md). */
export const RELAY_STREAM_HEADER = 'Pokt-Relay-Stream'
export const RELAY_STREAM_CONTENT_TYPE = 'application/x-pokt-relay-stream; version=1'

export type ServedService = {
  config: ServiceConfig
  agent: http.Agent | https.Agent
}

export type RelayServerContext = {
  operatorAddress: string
  privateKey: Uint8Array
  services: Map<string, ServedService>
  chain: ChainView
  store: SessionStore
  meter: RelayMeter
  rateLimit: boolean
  metrics: SupplierMetrics
  logger: Logger
  /** Whether a session's trie is sealed for its claim (no more relays go in). */
  isSealed(sessionId: string): boolean
  /** Worker threads verifying requests; verification runs inline without. */
  verifyPool?: VerifyPool | undefined
  /** Relays in flight, for the gauge and for a graceful stop. */
  inFlight: { count: number }
}

// Answered by the backend but dropped from the trie on purpose.
type NotMinedReason =
  | 'difficulty'
  | 'not_reward_eligible'
  | 'session_sealed'
  | 'backend_5xx'
  | 'backend_error_event'

const octetStream = { 'content-type': 'application/octet-stream' }
const hopByHopResponse = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer'])

// Response bodies are plain ArrayBuffer-backed bytes; the DOM typings want it said.
const asBody = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>

const sessionKeyOf = (h: SessionHeaderFields) => `${h.applicationAddress}|${h.sessionId}`

/** The relay endpoint: poktroll's wire (POST a `RelayRequest`, get a `RelayResponse`) and streams. */
export function createRelayApp(ctx: RelayServerContext): Hono {
  const app = new Hono()
  const maxRequestBytes = Math.max(
    ...[...ctx.services.values()].map((s) => s.config.maxRequestBytes),
  )

  app.get('/healthz', (c) => c.json({ status: 'ok', height: ctx.chain.height.toString() }))
  // Whatever escapes (a chain read failing mid-relay, a bug) still gets poktroll's error shape.
  app.onError((error) => {
    ctx.metrics.errors.inc({ component: 'relay' })
    ctx.logger.error('relay handler failed', { error })
    return reject(ctx, 'internal', 'INTERNAL_ERROR', String(error), undefined, 'unknown')
  })
  app.post('*', async (c) => {
    ctx.inFlight.count++
    try {
      return await serveRelay(ctx, c.req.raw, maxRequestBytes)
    } finally {
      ctx.inFlight.count--
    }
  })
  return app
}

function reject(
  ctx: RelayServerContext,
  kind: RelayMinerErrorKind,
  reason: string,
  context: string | undefined,
  request: RelayRequest | undefined,
  serviceId: string,
): Response {
  ctx.metrics.relaysRejected.inc({ service: serviceId, reason })
  ctx.logger.debug('relay rejected', { reason, service: serviceId, details: context })
  return new Response(
    asBody(serializeRelayErrorResponse(createRelayMinerError(kind, context), request)),
    { status: 200, headers: octetStream },
  )
}

function fail(
  ctx: RelayServerContext,
  error: SupplierError,
  request: RelayRequest,
  serviceId: string,
): Response {
  const [kind, reason] = failureOf(error)
  ctx.metrics.relaysFailed.inc({ service: serviceId, reason })
  ctx.logger.warn('relay failed', { reason, service: serviceId, error })
  return new Response(
    asBody(serializeRelayErrorResponse(createRelayMinerError(kind, error.message), request)),
    { status: 200, headers: octetStream },
  )
}

function failureOf(error: SupplierError): [RelayMinerErrorKind, string] {
  switch (error.code) {
    case 'BACKEND_TIMEOUT':
      return ['timeout', 'backend_timeout']
    case 'BACKEND_UNREACHABLE':
      return ['internal', 'backend_unreachable']
    case 'BACKEND_RESPONSE_TOO_LARGE':
      return ['responseLimitExceeded', 'response_too_large']
    case 'CLIENT_GONE':
      return ['internal', 'client_gone']
    case 'STORE_FAILED':
      return ['internal', 'store_failed']
    default:
      return ['internal', 'backend_failed']
  }
}

/** `verifyRelayRequest` on a worker thread when there are some, else here. */
async function verify(
  ctx: RelayServerContext,
  bytes: Uint8Array,
  request: RelayRequest,
  serviceId: string,
  height: bigint,
): Promise<VerifyResult> {
  // Alone, a relay verifies fastest here (no thread hop); under load, the workers take it.
  const onWorker =
    ctx.inFlight.count > 1 ? ctx.verifyPool?.verify(bytes, serviceId, height) : undefined
  ctx.metrics.verifications.inc({ where: onWorker ? 'worker' : 'inline' })
  if (onWorker) return onWorker
  const result = await verifyRelayRequest(request, {
    currentHeight: height,
    serviceId,
    supplierOperatorAddresses: [ctx.operatorAddress],
    getSharedParams: ctx.chain.getSharedParams,
    getRingPublicKeys: ctx.chain.getRingPublicKeys,
    getSession: ctx.chain.getSession,
  })
  return result.ok
    ? { ok: true, sessionHeight: result.sessionHeight, session: result.session }
    : { ok: false, code: result.error.code, message: result.error.message }
}

/** The POST body, or `undefined` past `limit` bytes (read no further than that). */
async function readRequestBody(request: Request, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  if (declared > limit) return undefined
  // With a declared length the server's fast path reads the body directly.
  if (Number.isSafeInteger(declared)) {
    const body = new Uint8Array(await request.arrayBuffer())
    return body.length > limit ? undefined : body
  }
  if (!request.body) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = request.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > limit) {
      await reader.cancel().catch(() => {})
      return undefined
    }
    chunks.push(value)
  }
  return concatAll(chunks, size)
}

function concatAll(chunks: Uint8Array[], size?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(size ?? chunks.reduce((n, c) => n + c.length, 0))
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

async function serveRelay(
  ctx: RelayServerContext,
  raw: Request,
  maxRequestBytes: number,
): Promise<Response> {
  const started = performance.now()
  const body = await readRequestBody(raw, maxRequestBytes)
  if (body === undefined)
    return reject(ctx, 'maxBodyExceeded', 'REQUEST_TOO_LARGE', undefined, undefined, 'unknown')

  let request: RelayRequest
  try {
    request = parseRelayRequest(body)
  } catch (error) {
    const details = error instanceof Error ? error.message : String(error)
    return reject(
      ctx,
      'unmarshalingRelayRequest',
      'RELAY_REQUEST_MALFORMED',
      details,
      undefined,
      'unknown',
    )
  }
  const malformed = checkRelayRequestWellFormed(request)
  if (malformed)
    return reject(
      ctx,
      getRelayMinerErrorKind(malformed.error.code),
      malformed.error.code,
      malformed.error.message,
      request,
      'unknown',
    )
  const meta = request.meta!
  const header = meta.sessionHeader!
  const serviceId = header.serviceId
  // poktroll checks the supplier before anything that needs the chain.
  if (meta.supplierOperatorAddress !== ctx.operatorAddress)
    return reject(
      ctx,
      'supplierNotReachable',
      'RELAY_UNKNOWN_SUPPLIER',
      `supplier ${meta.supplierOperatorAddress} is not served here`,
      request,
      serviceId,
    )
  const service = ctx.services.get(serviceId)
  if (!service)
    return reject(
      ctx,
      'serviceEndpointNotHandled',
      'UNKNOWN_SERVICE',
      `service "${serviceId}" not configured`,
      request,
      serviceId,
    )
  if (body.length > service.config.maxRequestBytes)
    return reject(ctx, 'maxBodyExceeded', 'REQUEST_TOO_LARGE', undefined, request, serviceId)

  const height = ctx.chain.height
  const verification = await verify(ctx, body, request, serviceId, height)
  if (!verification.ok)
    return reject(
      ctx,
      getRelayMinerErrorKind(verification.code),
      verification.code,
      verification.message,
      request,
      serviceId,
    )
  const session = verification.session
  const sessionKey = sessionKeyOf(header)

  // What the relay weighs and must beat; fetched while the backend works.
  const miningParams = ctx.chain.getMiningParams(serviceId, header.sessionStartBlockHeight)
  miningParams.catch(() => {})

  const endParams = await ctx.chain.getSharedParams(header.sessionEndBlockHeight)
  const eligible = checkRelayRewardEligibility(request, height, endParams) === undefined

  let reserved = false
  if (ctx.rateLimit && eligible) {
    try {
      reserved = await ctx.meter.reserve(sessionKey, () =>
        initSessionMeter(ctx, header, session.supplierOperatorAddresses.length, miningParams),
      )
      if (!reserved)
        return reject(
          ctx,
          'rateLimited',
          'RATE_LIMITED',
          `application ${header.applicationAddress} has spent its stake for this session`,
          request,
          serviceId,
        )
    } catch (error) {
      // As poktroll: a meter that cannot be set up does not block service.
      ctx.metrics.errors.inc({ component: 'rate_limit' })
      ctx.logger.warn('relay meter unavailable', { error, session: header.sessionId })
    }
  }
  const release = () => {
    if (reserved) {
      reserved = false
      void ctx.meter.release(sessionKey)
    }
  }

  try {
    ctx.store.ensureSession(header, ctx.operatorAddress, height)
  } catch (cause) {
    release()
    ctx.metrics.errors.inc({ component: 'store' })
    return fail(
      ctx,
      new SupplierError('STORE_FAILED', 'Cannot record the session.', { cause }),
      request,
      serviceId,
    )
  }

  let backendRequest: ReturnType<typeof buildBackendRequest>
  try {
    backendRequest = buildBackendRequest(
      parsePoktHttpRequest(request.payload),
      service.config,
      service.config.forwardPocketHeaders ? getPocketHeaders(meta) : undefined,
    )
  } catch (error) {
    release()
    return reject(
      ctx,
      'internal',
      'INVALID_HTTP_PAYLOAD',
      `failed to build the service backend request: ${error instanceof Error ? error.message : String(error)}`,
      request,
      serviceId,
    )
  }
  const metered = prepareMeteredRequest(backendRequest.clientPath, backendRequest.body)
  backendRequest.body = metered.body

  const abort = new AbortController()
  const deadline = setTimeout(
    () =>
      abort.abort(
        new SupplierError('BACKEND_TIMEOUT', 'The backend did not answer in time.', {
          details: `service ${serviceId}, timeout ${service.config.timeout} ms`,
        }),
      ),
    service.config.timeout,
  )
  const headersDeadline =
    service.config.headersTimeout === undefined
      ? undefined
      : setTimeout(
          () =>
            abort.abort(
              new SupplierError(
                'BACKEND_TIMEOUT',
                'The backend sent no response headers in time.',
                {
                  details: `service ${serviceId}, headers timeout ${service.config.headersTimeout} ms`,
                },
              ),
            ),
          service.config.headersTimeout,
        )
  const backendStarted = performance.now()
  let backend: BackendResponse
  try {
    backend = await sendBackendRequest(backendRequest, {
      agent: service.agent,
      signal: abort.signal,
    })
  } catch (error) {
    clearTimeout(deadline)
    clearTimeout(headersDeadline)
    release()
    return fail(ctx, asSupplierError(error), request, serviceId)
  } finally {
    clearTimeout(headersDeadline)
  }
  ctx.metrics.backendHeaders.observe(backend.headersMs / 1000, { service: serviceId })

  const relay: RelayInFlight = {
    ctx,
    request,
    header,
    serviceId,
    service: service.config,
    sessionKey,
    eligible,
    endParams,
    miningParams,
    started,
    backendStarted,
    backend,
    abort,
    deadline,
    release,
    dropUsageOnlyEvents: metered.injectedUsage,
  }
  const isSse = backend.contentType.toLowerCase().startsWith('text/event-stream')
  const wantsStream = raw.headers.get(RELAY_STREAM_HEADER)?.trim().toLowerCase() === 'v1'
  if (wantsStream && isSse) return streamRelay(relay)
  return bufferRelay(relay, isSse)
}

type RelayInFlight = {
  ctx: RelayServerContext
  request: RelayRequest
  header: SessionHeaderFields
  serviceId: string
  service: ServiceConfig
  sessionKey: string
  eligible: boolean
  /** Shared params at the session end (for the claim window). */
  endParams: SharedParams
  miningParams: Promise<MiningParams>
  started: number
  backendStarted: number
  backend: BackendResponse
  abort: AbortController
  deadline: ReturnType<typeof setTimeout>
  release: () => void
  dropUsageOnlyEvents: boolean
}

function asSupplierError(error: unknown): SupplierError {
  if (isSupplierError(error)) return error
  return new SupplierError('BACKEND_FAILED', 'The relay failed.', {
    details: error instanceof Error ? error.message : String(error),
    cause: error,
  })
}

async function initSessionMeter(
  ctx: RelayServerContext,
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
      numClaimedComputeUnits: getRootSum(ctx.store.getRoot(ctx.operatorAddress, header.sessionId)),
      targetHash: mining.targetHash,
      computeUnitsToTokensMultiplier: shared.computeUnitsToTokensMultiplier,
      computeUnitCostGranularity: shared.computeUnitCostGranularity,
    })
    consumed = toStakeTerms(claimed, g)
  }
  return { budget, relayCost, consumed }
}

/** The response head and body as the relay carries them (`POKTHTTPResponse`). */
function toPoktHttpResponse(status: number, headers: [string, string][], body?: Uint8Array) {
  return createPoktHttpResponse({
    status,
    headers: headers.filter(([name]) => !hopByHopResponse.has(name.toLowerCase())),
    ...(body === undefined ? {} : { body }),
  })
}

/**
 * Mines a completed relay: hash, difficulty at the session start, insert into the session's
 * durable trie. Returns why it was not mined, or `undefined` once it is on disk.
 */
async function mine(
  relay: RelayInFlight,
  relayBytes: Uint8Array,
): Promise<NotMinedReason | 'mined'> {
  const { ctx, header } = relay
  const params = await relay.miningParams
  // Checked again at the end, as poktroll does: a long answer may finish after the claim
  // window opened, and such a relay can no longer be claimed.
  if (
    !relay.eligible ||
    checkRelayRewardEligibility(relay.request, ctx.chain.height, relay.endParams) !== undefined
  )
    return 'not_reward_eligible'
  // Checked after the await: the claim may have sealed the trie meanwhile.
  if (ctx.isSealed(header.sessionId)) return 'session_sealed'
  const mined = mineRelay({
    relay: relayBytes,
    target: params.targetHash,
    computeUnitsPerRelay: params.computeUnitsPerRelay,
  })
  if (!mined) return 'difficulty'
  ctx.store.insertRelay(ctx.operatorAddress, header.sessionId, mined.key, mined.value, mined.weight)
  return 'mined'
}

function record(
  relay: RelayInFlight,
  outcome: NotMinedReason | 'mined',
  usage: TokenUsage | undefined,
  mode: 'buffered' | 'streamed',
  backendEnded: number,
) {
  const { ctx, serviceId } = relay
  const labels = { service: serviceId }
  const now = performance.now()
  ctx.metrics.relaysServed.inc({ service: serviceId, mode })
  if (outcome === 'mined') ctx.metrics.relaysMined.inc(labels)
  else {
    ctx.metrics.relaysNotMined.inc({ service: serviceId, reason: outcome })
    relay.release()
  }
  const backendSeconds = (backendEnded - relay.backendStarted) / 1000
  ctx.metrics.backendLatency.observe(backendSeconds, labels)
  ctx.metrics.relayDuration.observe((now - relay.started) / 1000, labels)
  ctx.metrics.addedLatency.observe(
    Math.max(0, (now - relay.started) / 1000 - backendSeconds),
    labels,
  )
  if (usage) {
    ctx.metrics.tokens.inc({ service: serviceId, kind: 'prompt' }, usage.promptTokens)
    ctx.metrics.tokens.inc({ service: serviceId, kind: 'completion' }, usage.completionTokens)
  }
  try {
    ctx.store.recordRelay(relay.header.sessionId, ctx.operatorAddress, {
      mined: outcome === 'mined',
      promptTokens: usage?.promptTokens ?? 0,
      completionTokens: usage?.completionTokens ?? 0,
    })
  } catch (error) {
    ctx.metrics.errors.inc({ component: 'store' })
    ctx.logger.error('cannot record relay usage', { error })
  }
}

/** The base protocol: the whole answer in one signed `RelayResponse`. */
async function bufferRelay(relay: RelayInFlight, isSse: boolean): Promise<Response> {
  const { ctx, backend, service, request, serviceId } = relay
  const sse = isSse ? createSseMeter({ dropUsageOnlyEvents: relay.dropUsageOnlyEvents }) : undefined
  const chunks: Uint8Array[] = []
  let received = 0
  try {
    for await (const chunk of backend.body) {
      received += chunk.length
      if (received > service.maxResponseBytes) {
        const error = new SupplierError(
          'BACKEND_RESPONSE_TOO_LARGE',
          'The backend answer is too large.',
          {
            details: `more than ${service.maxResponseBytes} bytes`,
          },
        )
        relay.abort.abort(error)
        throw error
      }
      chunks.push(sse ? sse.push(chunk) : chunk)
    }
    if (sse) chunks.push(sse.flush())
  } catch (error) {
    relay.release()
    return fail(ctx, asSupplierError(error), request, serviceId)
  } finally {
    clearTimeout(relay.deadline)
  }
  const backendEnded = performance.now()
  const body = concatAll(chunks)
  const modified = sse !== undefined && body.length !== received
  const headers = modified
    ? backend.headers.filter(([n]) => n.toLowerCase() !== 'content-length')
    : backend.headers
  const usage = sse ? sse.usage : readJsonUsage(body)

  let response: ReturnType<typeof signRelayResponse>
  try {
    response = signRelayResponse(
      buildRelayResponse({
        sessionHeader: relay.header,
        payload: toPoktHttpResponse(backend.status, headers, body),
      }),
      ctx.privateKey,
    )
  } catch (error) {
    relay.release()
    return fail(ctx, asSupplierError(error), request, serviceId)
  }

  let outcome: NotMinedReason | 'mined'
  if (backend.status >= 500) outcome = 'backend_5xx'
  else if (sse?.sawError) outcome = 'backend_error_event'
  else {
    try {
      // Durable before the client gets a byte: every answered relay is acknowledged.
      outcome = await mine(relay, serializeRelay(request, response))
    } catch (cause) {
      relay.release()
      ctx.metrics.errors.inc({ component: 'store' })
      return fail(
        ctx,
        new SupplierError('STORE_FAILED', 'Cannot record the relay.', { cause }),
        request,
        serviceId,
      )
    }
  }
  record(relay, outcome, usage, 'buffered', backendEnded)
  ctx.metrics.timeToFirstByte.observe((performance.now() - relay.started) / 1000, {
    service: serviceId,
  })
  return new Response(asBody(serializeRelayResponse(response)), {
    status: 200,
    headers: octetStream,
  })
}

/**
 * The streaming variant (`pokt-relay-stream/v1`): a signed head frame as soon as the backend's
 * headers arrive, one signed frame per batch of whole SSE events as they come, and the final
 * frame only once the relay is mined.
 */
function streamRelay(relay: RelayInFlight): Response {
  const { ctx, backend, service, request, serviceId } = relay
  const signer = createRelayStreamSigner({ request, privateKey: ctx.privateKey })
  const sse = createSseMeter({ dropUsageOnlyEvents: relay.dropUsageOnlyEvents })
  const headers = backend.headers.filter(([n]) => n.toLowerCase() !== 'content-length')
  const head = signer.head(toPoktHttpResponse(backend.status, headers))
  let cancelled = false

  const errorFrame = (error: SupplierError) => {
    const [kind] = failureOf(error)
    return encodeRelayStreamFrame(
      create(RelayResponseSchema, {
        meta: { sessionHeader: request.meta!.sessionHeader },
        payload: new TextEncoder().encode(error.message),
        relayMinerError: createRelayMinerError(kind, error.message),
      }),
    )
  }

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(head)
      ctx.metrics.timeToFirstByte.observe((performance.now() - relay.started) / 1000, {
        service: serviceId,
      })
      void (async () => {
        let received = 0
        try {
          for await (const chunk of backend.body) {
            received += chunk.length
            if (received > service.maxResponseBytes) {
              const error = new SupplierError(
                'BACKEND_RESPONSE_TOO_LARGE',
                'The backend answer is too large.',
                { details: `more than ${service.maxResponseBytes} bytes` },
              )
              relay.abort.abort(error)
              throw error
            }
            const events = sse.push(chunk)
            if (events.length > 0 && !cancelled) controller.enqueue(signer.data(events))
          }
          const rest = sse.flush()
          if (rest.length > 0 && !cancelled) controller.enqueue(signer.data(rest))
        } catch (error) {
          clearTimeout(relay.deadline)
          relay.release()
          const failure = asSupplierError(error)
          const [, reason] = failureOf(failure)
          ctx.metrics.relaysFailed.inc({ service: serviceId, reason })
          ctx.logger.warn('streamed relay failed', { reason, service: serviceId, error: failure })
          if (!cancelled) {
            controller.enqueue(errorFrame(failure))
            controller.close()
          }
          return
        }
        clearTimeout(relay.deadline)
        const backendEnded = performance.now()
        if (cancelled) {
          relay.release()
          ctx.metrics.relaysFailed.inc({ service: serviceId, reason: 'client_gone' })
          return
        }
        const final = signer.end()
        let outcome: NotMinedReason | 'mined'
        if (backend.status >= 500) outcome = 'backend_5xx'
        else if (sse.sawError) outcome = 'backend_error_event'
        else {
          try {
            // Durable before the final frame: a client holding it has an acknowledged relay.
            outcome = await mine(relay, signer.relay())
          } catch (cause) {
            relay.release()
            ctx.metrics.errors.inc({ component: 'store' })
            const error = new SupplierError('STORE_FAILED', 'Cannot record the relay.', { cause })
            ctx.metrics.relaysFailed.inc({ service: serviceId, reason: 'store_failed' })
            ctx.logger.error('cannot record a streamed relay', { error })
            if (!cancelled) {
              controller.enqueue(errorFrame(error))
              controller.close()
            }
            return
          }
        }
        record(relay, outcome, sse.usage, 'streamed', backendEnded)
        if (!cancelled) {
          controller.enqueue(final)
          controller.close()
        }
      })()
    },
    cancel() {
      cancelled = true
      relay.abort.abort(new SupplierError('CLIENT_GONE', 'The client closed the stream.'))
    },
  })
  return new Response(body, {
    status: 200,
    headers: { 'content-type': RELAY_STREAM_CONTENT_TYPE, 'cache-control': 'no-cache' },
  })
}
