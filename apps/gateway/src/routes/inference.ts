import { exceedsJsonDepth, MAX_JSON_DEPTH } from '@decai/app-kit/json'
import { readMaxTokens } from '@decai/app-kit/openai'
import { prepareUpstreamRequest } from '@decai/app-kit/relay-payload'
import { checkOpenAiRequest, type OpenAiRequestIssue } from '@decai/sdk/openai'
import type { Context } from 'hono'
import { getChargeCost } from '../billing.js'
import { getWorstCaseCost } from '../budget-reservation.js'
import { type ClientAnswer, toErrorAnswer, toWebResponse } from '../client-answer.js'
import type { EndpointName, GatewayConfig, ModelTier } from '../config.js'
import { GatewayError, isUnexpectedError, toOpenAiError } from '../errors.js'
import type { ApiKeyRecord } from '../key-store.js'
import type { CatalogModel, ModelCatalog } from '../models.js'
import type { KeyLimits, Reservation } from '../rate-limiter.js'
import type { ExecutionOutcome } from '../relay-executor.js'
import { authenticateBearer } from './auth.js'
import type { GatewayAppDependencies } from './context.js'

// `POST /v1/chat/completions`, `/v1/completions` and `/v1/embeddings`. Checks run in a fixed
// order — key, content type, size, JSON (and its depth), the request schema (the SDK's, shared
// with `createClient`), model, permission, budget, rate limit — and a request refused by any of
// them changes nothing: no relay, no usage record, no spend.

/** Usage is recorded under this key ID when `auth.required` is false and no key is sent. */
export const ANONYMOUS_KEY_ID = 'anonymous'

export const inferenceRoutes: { path: string; endpoint: EndpointName }[] = [
  { path: '/v1/chat/completions', endpoint: 'chat' },
  { path: '/v1/completions', endpoint: 'completions' },
  { path: '/v1/embeddings', endpoint: 'embeddings' },
]

/** What the inference handler reads of a request, whichever server it came through. */
export type InferenceInput = {
  /** A request header by its lower-case name. */
  header(name: string): string | undefined
  /** The body's bytes; `BODY_TOO_LARGE` past `max` (declared or read), without reading the rest. */
  readBody(max: number): Promise<Uint8Array>
  /** Aborts when the client leaves. */
  signal: AbortSignal
}

const encoder = new TextEncoder()

/** An inference route on hono: the answer as a web `Response`. */
export async function handleInference(
  deps: GatewayAppDependencies,
  c: Context,
  endpoint: EndpointName,
  path: string,
): Promise<Response> {
  const raw = c.req.raw
  const input: InferenceInput = {
    header: (name) => c.req.header(name),
    readBody: (max) => readBody(raw, max),
    get signal() {
      return raw.signal
    },
  }
  return toWebResponse(await runInference(deps, input, endpoint, path))
}

/** Runs an inference request through its checks and the relay; resolves with the answer to write. */
export async function runInference(
  deps: GatewayAppDependencies,
  input: InferenceInput,
  endpoint: EndpointName,
  path: string,
): Promise<ClientAnswer> {
  const receivedAt = performance.now()
  const { config, metrics, logger } = deps
  let modelLabel = 'unknown'
  try {
    if (deps.isStopping()) throw new GatewayError('SHUTTING_DOWN', 'The gateway is stopping.')
    const key = await authenticateBearer(config, deps.store, input.header('authorization'))
    const request = await readJsonBody(input, config.limits.maxBodyBytes)
    const { model, stream, tier } = checkInferenceRequest(deps.catalog, key, endpoint, request)
    modelLabel = model.name
    // A tier reserves at its multiplier: the most it may bill.
    const reserveUsd =
      getWorstCaseCost(model, endpoint, request, config.limits.reserveCompletionTokens) *
      Math.max(1, tier?.priceMultiplier ?? 1)
    const { keyId, reservation } = await admitRequest(config, deps.limiter, key, reserveUsd)
    let execution: Awaited<ReturnType<typeof deps.executor.execute>>
    try {
      const upstream = toUpstreamRequest(request, model, stream)
      execution = await deps.executor.execute({
        endpoint,
        path,
        model,
        body: encoder.encode(JSON.stringify(upstream.request)),
        request: upstream.request,
        stream,
        stripUsage: upstream.stripUsage,
        application: key?.application ?? null,
        signal: input.signal,
        receivedAt,
        maxTokens: readMaxTokens(request),
        tier,
      })
    } catch (error) {
      // Refused before any relay: the reservation goes back untouched.
      void deps.limiter.settle(keyId, { tokens: 0, costUsd: 0, reservation })
      throw error
    }
    void execution.outcome.then((outcome) =>
      recordOutcome(deps, outcome, { keyId, endpoint, model, stream, tier, reservation }),
    )
    return execution.answer
  } catch (error) {
    const failure = toOpenAiError(error)
    metrics.requests.inc({ endpoint, model: modelLabel, status: String(failure.status) })
    const fields = {
      endpoint,
      model: modelLabel,
      status: failure.status,
      code: failure.body.error.code,
    }
    // A refusal is the client's business; anything unexpected is ours, logged with its cause,
    // unless the client left first (its upload cut short is not the gateway's failure).
    if (!isUnexpectedError(error)) logger.info('request refused', fields)
    else if (input.signal.aborted) logger.debug('client left', { ...fields, error })
    else logger.error('request failed', { ...fields, error })
    return toErrorAnswer(failure)
  }
}

/**
 * The JSON object body: `Content-Type` JSON, within `max` bytes, valid UTF-8, nested at most
 * `MAX_JSON_DEPTH` deep (checked before parsing: deeper values overflow the stack of whatever
 * walks them next), an object.
 */
export function readJsonRequest(c: Context, max: number): Promise<Record<string, unknown>> {
  return readJsonBody(
    { header: (name) => c.req.header(name), readBody: (limit) => readBody(c.req.raw, limit) },
    max,
  )
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

async function readJsonBody(
  input: Pick<InferenceInput, 'header' | 'readBody'>,
  max: number,
): Promise<Record<string, unknown>> {
  const contentType = (input.header('content-type') ?? '').toLowerCase()
  if (!/^application\/(.+\+)?json\s*(;|$)/.test(contentType))
    throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'The body must be JSON.', {
      details: "Send 'Content-Type: application/json'.",
    })
  const bytes = await input.readBody(max)
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw new GatewayError('INVALID_JSON', 'We could not parse the JSON body of your request.', {
      details: 'It is not valid UTF-8.',
    })
  }
  if (exceedsJsonDepth(text, MAX_JSON_DEPTH))
    throw new GatewayError('JSON_TOO_DEEP', 'The JSON body of your request is nested too deeply.', {
      details: `Objects and arrays may nest at most ${MAX_JSON_DEPTH} levels deep.`,
    })
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new GatewayError('INVALID_JSON', 'We could not parse the JSON body of your request.')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new GatewayError('INVALID_JSON', 'The request body must be a JSON object.')
  return body as Record<string, unknown>
}

/** `BODY_TOO_LARGE`, with the limit. */
export function bodyTooLarge(max: number): GatewayError {
  return new GatewayError('BODY_TOO_LARGE', 'The request body is too large.', {
    details: `limit ${max} bytes`,
  })
}

/** The body's bytes; `BODY_TOO_LARGE` past `max` (declared or read), without reading the rest. */
export async function readBody(request: Request, max: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  if (Number.isFinite(declared) && declared > max) throw bodyTooLarge(max)
  const reader = request.body?.getReader()
  if (!reader) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > max) {
      await reader.cancel().catch(() => {})
      throw bodyTooLarge(max)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, size)
}

/**
 * The request checked against the SDK's schema of its endpoint (the same check `createClient`
 * runs), then the model it names (served on this endpoint, allowed for the key) and `stream`.
 */
export function checkInferenceRequest(
  catalog: Pick<ModelCatalog, 'resolveTiered'>,
  key: ApiKeyRecord | null,
  endpoint: EndpointName,
  request: Record<string, unknown>,
): { model: CatalogModel; stream: boolean; tier: ModelTier | undefined } {
  const check = checkOpenAiRequest(endpoint, request)
  // `model` first (`model: 123` is a type error, not a missing model), then whether it is served
  // here, then the rest of the request.
  if (!check.ok && check.issue.param === 'model') throw toRequestError(check.issue)
  const name = request['model']
  // The schema lets `model` out (a supplier serving one model takes none); the gateway routes on it.
  if (typeof name !== 'string' || name === '')
    throw new GatewayError('MISSING_PARAMETER', 'You must provide a model parameter.', {
      param: 'model',
    })
  // `model@tier` names one of the model's price tiers (docs/gateway.md, "Price tiers").
  const resolved = catalog.resolveTiered(name)
  const model = resolved?.model
  if (!model?.endpoints.includes(endpoint))
    throw new GatewayError(
      'MODEL_NOT_FOUND',
      `The model '${name}' does not exist or is not served on this endpoint.`,
      { param: 'model' },
    )
  if (!check.ok) throw toRequestError(check.issue)
  checkChoices(model, request)
  if (key?.models != null && !key.models.includes(model.name))
    throw new GatewayError('MODEL_NOT_ALLOWED', `This key may not use '${model.name}'.`, {
      param: 'model',
    })
  return {
    model,
    stream: endpoint !== 'embeddings' && request['stream'] === true,
    tier: resolved?.tier,
  }
}

/** `n` and `best_of` within what the model's backends take (`maxChoices`), else a 400. */
function checkChoices(model: CatalogModel, request: Record<string, unknown>): void {
  const max = model.maxChoices
  if (max === undefined) return
  for (const param of ['n', 'best_of'])
    if (typeof request[param] === 'number' && request[param] > max)
      throw new GatewayError(
        'INVALID_PARAMETER',
        `Invalid '${param}': '${model.name}' returns at most ${max} ${max === 1 ? 'choice' : 'choices'} per request, but got ${request[param]}.`,
        { param },
      )
}

/** The gateway error for a request that does not match its schema, with OpenAI's code for it. */
function toRequestError(issue: OpenAiRequestIssue): GatewayError {
  const code =
    issue.code === 'missing_required_parameter'
      ? 'MISSING_PARAMETER'
      : issue.code === 'invalid_type'
        ? 'INVALID_TYPE'
        : 'INVALID_PARAMETER'
  return new GatewayError(code, issue.message, { param: issue.param ?? undefined })
}

/**
 * Checks the key's budget (its spend and the reservations of its requests in flight) and rate
 * limits, and reserves `reserveUsd` against its budget; returns the key ID usage is recorded
 * under and the reservation to settle.
 */
export async function admitRequest(
  config: Pick<GatewayConfig, 'limits'>,
  limiter: Pick<KeyLimits, 'admit'>,
  key: ApiKeyRecord | null,
  reserveUsd = 0,
): Promise<{ keyId: string; reservation: Reservation | undefined }> {
  const keyId = key?.id ?? ANONYMOUS_KEY_ID
  const decision = await limiter.admit({
    keyId,
    rpm: key ? (key.rpm ?? config.limits.defaultRpm ?? null) : null,
    tpm: key ? (key.tpm ?? config.limits.defaultTpm ?? null) : null,
    budget:
      key?.budgetUsd != null
        ? { budgetUsd: key.budgetUsd, spentUsd: key.spentUsd, reserveUsd }
        : null,
  })
  if (decision.ok) return { keyId, reservation: decision.reservation }
  switch (decision.kind) {
    case 'budget':
      throw new GatewayError('BUDGET_EXCEEDED', 'You exceeded your current quota.', {
        details: `budget ${decision.budgetUsd} USD, spent ${decision.spentUsd.toFixed(6)} USD, reserved by requests in flight ${decision.reservedUsd.toFixed(6)} USD`,
      })
    case 'unavailable':
      throw new GatewayError(
        'LIMITS_UNAVAILABLE',
        'The gateway cannot check your limits right now. Please retry shortly.',
        { details: `${decision.limit} limit: shared state unreachable`, retryAfter: 1 },
      )
    default:
      throw new GatewayError(
        decision.kind === 'requests' ? 'RATE_LIMIT_REQUESTS' : 'RATE_LIMIT_TOKENS',
        `Rate limit reached: ${decision.limit} ${decision.kind} per minute.`,
        { retryAfter: decision.retryAfter },
      )
  }
}

/**
 * The request for the suppliers: the service's model name, and usage always asked for on
 * streams; `stripUsage` when the client did not ask for it (the extra chunk is then dropped).
 */
export function toUpstreamRequest(
  request: Record<string, unknown>,
  model: CatalogModel,
  stream: boolean,
): { request: Record<string, unknown>; stripUsage: boolean } {
  return prepareUpstreamRequest(request, model.upstreamModel, stream)
}

/** Records a finished request: usage and spend, token counters, metrics and the request log line. */
export async function recordOutcome(
  deps: Pick<GatewayAppDependencies, 'store' | 'limiter' | 'metrics' | 'logger'>,
  outcome: ExecutionOutcome,
  request: {
    keyId: string
    endpoint: EndpointName
    model: CatalogModel
    stream: boolean
    tier?: ModelTier | undefined
    reservation?: Reservation | undefined
  },
): Promise<void> {
  const { store, limiter, metrics, logger } = deps
  const { model } = request
  // The billing rule (billing.ts): tokens processed for the key, reported or counted. A price
  // tier multiplies the price when a supplier within its limits answered (`outcome.tier`); a
  // tier that fell back bills the model's own price.
  const { promptTokens: prompt, completionTokens: completion, promptSource } = outcome.charge
  const tier = outcome.tier !== null ? request.tier : undefined
  const cost = getChargeCost(outcome.charge, model.pricing) * (tier?.priceMultiplier ?? 1)
  try {
    await store.recordUsage({
      keyId: request.keyId,
      at: Date.now(),
      endpoint: request.endpoint,
      model: tier ? `${model.name}@${tier.name}` : model.name,
      serviceId: outcome.serviceId,
      application: outcome.application,
      supplier: outcome.supplier,
      status: outcome.status,
      stream: request.stream,
      promptTokens: prompt,
      completionTokens: completion,
      relays: outcome.relays,
      latencyMs: outcome.latencyMs,
      ttftMs: outcome.ttftMs,
      costUsd: cost,
    })
  } catch (error) {
    logger.error('cannot record usage', { error, key: request.keyId })
  }
  // After the store has the spend: the reservation is released and the cost mirrored at once.
  void limiter
    .settle(request.keyId, {
      tokens: prompt + completion,
      costUsd: cost,
      reservation: request.reservation,
    })
    .catch((error: unknown) => logger.error('cannot settle limits', { error, key: request.keyId }))
  const labels = { endpoint: request.endpoint, model: model.name }
  metrics.requests.inc({ ...labels, status: String(outcome.status) })
  metrics.duration.observe(labels, outcome.latencyMs / 1000)
  if (prompt > 0) metrics.tokens.inc({ model: model.name, kind: 'prompt' }, prompt)
  if (completion > 0) metrics.tokens.inc({ model: model.name, kind: 'completion' }, completion)
  logger.info('request', {
    key: request.keyId,
    ...labels,
    stream: request.stream,
    status: outcome.status,
    service: outcome.serviceId,
    application: outcome.application,
    supplier: outcome.supplier,
    relays: outcome.relays,
    promptTokens: prompt,
    completionTokens: completion,
    promptTokensFrom: promptSource,
    ...(request.tier ? { tier: request.tier.name, tierMet: outcome.tier !== null } : {}),
    latencyMs: Math.round(outcome.latencyMs),
    ttftMs: outcome.ttftMs === null ? null : Math.round(outcome.ttftMs),
    overheadMs: outcome.overheadMs === null ? null : Number(outcome.overheadMs.toFixed(2)),
    ...(outcome.errorCode ? { error: outcome.errorCode } : {}),
    ...(outcome.clientDisconnected ? { clientDisconnected: true } : {}),
  })
}
