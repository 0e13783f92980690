import { requestStreamUsage } from '@decai/app-kit/openai'
import type { Context } from 'hono'
import { getChargeCost } from '../billing.js'
import type { EndpointName, GatewayConfig } from '../config.js'
import { GatewayError, toErrorResponse, toOpenAiError } from '../errors.js'
import type { ApiKeyRecord } from '../key-store.js'
import type { CatalogModel, ModelCatalog } from '../models.js'
import type { RateLimiter } from '../rate-limiter.js'
import type { ExecutionOutcome } from '../relay-executor.js'
import { authenticate } from './auth.js'
import type { GatewayAppDependencies } from './context.js'

// `POST /v1/chat/completions`, `/v1/completions` and `/v1/embeddings`. Checks run in a fixed
// order — key, content type, size, JSON, model, permission, budget, rate limit — and a request
// refused by any of them changes nothing: no relay, no usage record, no spend.

/** Usage is recorded under this key ID when `auth.required` is false and no key is sent. */
export const ANONYMOUS_KEY_ID = 'anonymous'

export const inferenceRoutes: { path: string; endpoint: EndpointName }[] = [
  { path: '/v1/chat/completions', endpoint: 'chat' },
  { path: '/v1/completions', endpoint: 'completions' },
  { path: '/v1/embeddings', endpoint: 'embeddings' },
]

export async function handleInference(
  deps: GatewayAppDependencies,
  c: Context,
  endpoint: EndpointName,
  path: string,
): Promise<Response> {
  const receivedAt = performance.now()
  const { config, metrics, logger } = deps
  let modelLabel = 'unknown'
  try {
    if (deps.isStopping()) throw new GatewayError('SHUTTING_DOWN', 'The gateway is stopping.')
    const key = authenticate(config, deps.store, c)
    const request = await readJsonRequest(c, config.limits.maxBodyBytes)
    const { model, stream } = checkInferenceRequest(deps.catalog, key, endpoint, request)
    modelLabel = model.name
    const keyId = admitRequest(config, deps.limiter, key)
    const upstream = toUpstreamRequest(request, model, stream)
    const execution = await deps.executor.execute({
      endpoint,
      path,
      model,
      body: new TextEncoder().encode(JSON.stringify(upstream.request)),
      stream,
      stripUsage: upstream.stripUsage,
      application: key?.application ?? null,
      signal: c.req.raw.signal,
      receivedAt,
    })
    void execution.outcome.then((outcome) =>
      recordOutcome(deps, outcome, { keyId, endpoint, model, stream }),
    )
    return execution.response
  } catch (error) {
    const response = toErrorResponse(error)
    metrics.requests.inc({ endpoint, model: modelLabel, status: String(response.status) })
    logger.info('request refused', {
      endpoint,
      model: modelLabel,
      status: response.status,
      code: toOpenAiError(error).body.error.code,
    })
    return response
  }
}

/** The JSON object body: `Content-Type` JSON, within `max` bytes, valid UTF-8, an object. */
export async function readJsonRequest(c: Context, max: number): Promise<Record<string, unknown>> {
  const contentType = (c.req.header('content-type') ?? '').toLowerCase()
  if (!/^application\/(.+\+)?json\s*(;|$)/.test(contentType))
    throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'The body must be JSON.', {
      details: "Send 'Content-Type: application/json'.",
    })
  const bytes = await readBody(c.req.raw, max)
  let body: unknown
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new GatewayError('INVALID_JSON', 'We could not parse the JSON body of your request.')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new GatewayError('INVALID_JSON', 'The request body must be a JSON object.')
  return body as Record<string, unknown>
}

/** The body's bytes; `BODY_TOO_LARGE` past `max` (declared or read), without reading the rest. */
export async function readBody(request: Request, max: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  const tooLarge = () =>
    new GatewayError('BODY_TOO_LARGE', 'The request body is too large.', {
      details: `limit ${max} bytes`,
    })
  if (Number.isFinite(declared) && declared > max) throw tooLarge()
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
      throw tooLarge()
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, size)
}

/** The model the request names (served on this endpoint, allowed for the key) and `stream`. */
export function checkInferenceRequest(
  catalog: Pick<ModelCatalog, 'resolve'>,
  key: ApiKeyRecord | null,
  endpoint: EndpointName,
  request: Record<string, unknown>,
): { model: CatalogModel; stream: boolean } {
  const name = request['model']
  if (typeof name !== 'string' || name === '')
    throw new GatewayError('INVALID_PARAMETER', 'You must provide a model parameter.', {
      param: 'model',
    })
  const model = catalog.resolve(name)
  if (!model?.endpoints.includes(endpoint))
    throw new GatewayError(
      'MODEL_NOT_FOUND',
      `The model '${name}' does not exist or is not served on this endpoint.`,
      { param: 'model' },
    )
  if (endpoint === 'chat' && !Array.isArray(request['messages']))
    throw new GatewayError('INVALID_PARAMETER', "'messages' must be an array.", {
      param: 'messages',
    })
  if (request['stream'] !== undefined && typeof request['stream'] !== 'boolean')
    throw new GatewayError('INVALID_PARAMETER', "'stream' must be a boolean.", {
      param: 'stream',
    })
  if (key?.models != null && !key.models.includes(model.name))
    throw new GatewayError('MODEL_NOT_ALLOWED', `This key may not use '${model.name}'.`, {
      param: 'model',
    })
  return { model, stream: endpoint !== 'embeddings' && request['stream'] === true }
}

/** Checks the key's budget and rate limits; returns the key ID usage is recorded under. */
export function admitRequest(
  config: Pick<GatewayConfig, 'limits'>,
  limiter: Pick<RateLimiter, 'admit'>,
  key: ApiKeyRecord | null,
): string {
  const keyId = key?.id ?? ANONYMOUS_KEY_ID
  if (key?.budgetUsd != null && key.spentUsd >= key.budgetUsd)
    throw new GatewayError('BUDGET_EXCEEDED', 'You exceeded your current quota.', {
      details: `budget ${key.budgetUsd} USD, spent ${key.spentUsd.toFixed(6)} USD`,
    })
  const decision = limiter.admit(keyId, {
    rpm: key ? (key.rpm ?? config.limits.defaultRpm ?? null) : null,
    tpm: key ? (key.tpm ?? config.limits.defaultTpm ?? null) : null,
  })
  if (!decision.ok)
    throw new GatewayError(
      decision.kind === 'requests' ? 'RATE_LIMIT_REQUESTS' : 'RATE_LIMIT_TOKENS',
      `Rate limit reached: ${decision.limit} ${decision.kind} per minute.`,
      { retryAfter: decision.retryAfter },
    )
  return keyId
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
  const upstream = { ...request, model: model.upstreamModel }
  if (!stream) return { request: upstream, stripUsage: false }
  const { request: withUsage, injected } = requestStreamUsage(upstream)
  return { request: withUsage, stripUsage: injected }
}

/** Records a finished request: usage and spend, token counters, metrics and the request log line. */
export function recordOutcome(
  deps: Pick<GatewayAppDependencies, 'store' | 'limiter' | 'metrics' | 'logger'>,
  outcome: ExecutionOutcome,
  request: { keyId: string; endpoint: EndpointName; model: CatalogModel; stream: boolean },
): void {
  const { store, limiter, metrics, logger } = deps
  const { model } = request
  // The billing rule (billing.ts): tokens processed for the key, reported or counted.
  const { promptTokens: prompt, completionTokens: completion, promptSource } = outcome.charge
  const cost = getChargeCost(outcome.charge, model.pricing)
  try {
    limiter.addTokens(request.keyId, prompt + completion)
    store.recordUsage({
      keyId: request.keyId,
      at: Date.now(),
      endpoint: request.endpoint,
      model: model.name,
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
    latencyMs: Math.round(outcome.latencyMs),
    ttftMs: outcome.ttftMs === null ? null : Math.round(outcome.ttftMs),
    overheadMs: outcome.overheadMs === null ? null : Number(outcome.overheadMs.toFixed(2)),
    ...(outcome.errorCode ? { error: outcome.errorCode } : {}),
    ...(outcome.clientDisconnected ? { clientDisconnected: true } : {}),
  })
}
