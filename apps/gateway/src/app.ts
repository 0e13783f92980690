import { type Context, Hono } from 'hono'
import type { ChainView } from './chain-view.js'
import type { EndpointName, GatewayConfig } from './config.js'
import { GatewayError, toOpenAiError } from './errors.js'
import type { ApiKeyRecord, KeyStore } from './key-store.js'
import type { Logger } from './logger.js'
import type { GatewayMetrics } from './metrics.js'
import type { ModelCatalog } from './models.js'
import type { RateLimiter } from './rate-limiter.js'
import type { ExecutionOutcome, RelayExecutor } from './relay-executor.js'
import type { SupplierRouter } from './supplier-router.js'

// The HTTP surface: OpenAI's `/v1` routes, `/healthz`, `/metrics` and the token-protected
// `/admin` API. Every failure is an OpenAI-shaped error: status, `error.type`, `error.code`,
// `error.message`. Checks run in a fixed order — key, content type, size, JSON, model,
// permission, rate limit, budget — and a request refused by any of them changes nothing: no
// relay, no usage record, no spend.

export type GatewayAppDependencies = {
  config: GatewayConfig
  store: KeyStore
  limiter: RateLimiter
  catalog: ModelCatalog
  view: ChainView
  router: SupplierRouter
  executor: RelayExecutor
  metrics: GatewayMetrics
  logger: Logger
  /** Set when the gateway is stopping: new requests get 503. */
  isStopping: () => boolean
}

const inferenceRoutes: { path: string; endpoint: EndpointName }[] = [
  { path: '/v1/chat/completions', endpoint: 'chat' },
  { path: '/v1/completions', endpoint: 'completions' },
  { path: '/v1/embeddings', endpoint: 'embeddings' },
]

/** Usage is recorded under this key ID when `auth.required` is false and no key is sent. */
export const ANONYMOUS_KEY_ID = 'anonymous'

function errorResponse(error: unknown): Response {
  const { status, body, retryAfter } = toOpenAiError(error)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter)
  return new Response(JSON.stringify(body), { status, headers })
}

function bearer(c: Context): string | undefined {
  const header = c.req.header('authorization')
  if (!header) return undefined
  const match = /^Bearer\s+(.+)$/i.exec(header.trim())
  return match?.[1]?.trim()
}

async function readBody(request: Request, max: number): Promise<Uint8Array> {
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
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

export function createGatewayApp(deps: GatewayAppDependencies): Hono {
  const { config, store, limiter, catalog, view, router, executor, metrics, logger } = deps
  const app = new Hono()

  const authenticate = (c: Context): ApiKeyRecord | null => {
    const token = bearer(c)
    if (token === undefined) {
      if (!config.auth.required) return null
      throw new GatewayError(
        'MISSING_API_KEY',
        "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.",
      )
    }
    const record = store.authenticate(token)
    if (!record) {
      if (!config.auth.required && token === '') return null
      throw new GatewayError('INVALID_API_KEY', 'Incorrect API key provided.')
    }
    return record
  }

  const requireAdmin = (c: Context): void => {
    const token = config.auth.adminToken
    if (token === undefined) throw new GatewayError('NOT_FOUND', 'Unknown route.')
    if (bearer(c) !== token)
      throw new GatewayError('INVALID_ADMIN_TOKEN', 'The admin token is missing or wrong.')
  }

  // Models a key may see: those whose service exists on chain with an application to pay for it
  // (all configured ones while the chain has not been read yet).
  const visibleModels = (key: ApiKeyRecord | null) =>
    catalog
      .all()
      .filter(
        (m) =>
          !view.ready ||
          (view.services.has(m.serviceId) && view.applicationsFor(m.serviceId).length > 0),
      )
      .filter((m) => key?.models == null || key.models.includes(m.name))

  const toOpenAiModel = (m: ReturnType<ModelCatalog['all']>[number]) => ({
    id: m.name,
    object: 'model',
    created: 0,
    owned_by: m.serviceId,
    ...(m.contextLength !== undefined ? { context_length: m.contextLength } : {}),
  })

  app.onError((error, c) => {
    logger.error('unhandled error', { error, path: c.req.path })
    return errorResponse(error)
  })
  app.notFound(() => errorResponse(new GatewayError('NOT_FOUND', 'Unknown route.')))

  app.get('/healthz', (c) => {
    const ready = view.ready && view.height > 0n
    return c.json(
      {
        status: ready ? 'ok' : 'degraded',
        height: view.height.toString(),
        applications: view.applications.length,
        sessions: view.listSessions().length,
        ...(view.lastError ? { chainError: view.lastError } : {}),
      },
      ready ? 200 : 503,
    )
  })

  app.get('/metrics', () => {
    return new Response(metrics.render(), {
      headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
    })
  })

  app.get('/v1/models', (c) => {
    try {
      const key = authenticate(c)
      return c.json({ object: 'list', data: visibleModels(key).map(toOpenAiModel) })
    } catch (error) {
      return errorResponse(error)
    }
  })

  app.get('/v1/models/:id{.+}', (c) => {
    try {
      const key = authenticate(c)
      const id = c.req.param('id')
      const model = visibleModels(key).find((m) => m.name === id)
      if (!model)
        throw new GatewayError('MODEL_NOT_FOUND', `The model '${id}' does not exist.`, {
          param: 'model',
        })
      return c.json(toOpenAiModel(model))
    } catch (error) {
      return errorResponse(error)
    }
  })

  for (const route of inferenceRoutes) {
    app.post(route.path, (c) => handleInference(c, route.endpoint, route.path))
    app.all(route.path, () =>
      errorResponse(new GatewayError('METHOD_NOT_ALLOWED', `Use POST on ${route.path}.`)),
    )
  }

  async function handleInference(c: Context, endpoint: EndpointName, path: string) {
    const receivedAt = performance.now()
    let modelLabel = 'unknown'
    try {
      if (deps.isStopping()) throw new GatewayError('SHUTTING_DOWN', 'The gateway is stopping.')
      const key = authenticate(c)
      const contentType = (c.req.header('content-type') ?? '').toLowerCase()
      if (!/^application\/(.+\+)?json\s*(;|$)/.test(contentType))
        throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'The body must be JSON.', {
          details: "Send 'Content-Type: application/json'.",
        })
      const bytes = await readBody(c.req.raw, config.limits.maxBodyBytes)
      let body: unknown
      try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
      } catch {
        throw new GatewayError('INVALID_JSON', 'We could not parse the JSON body of your request.')
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new GatewayError('INVALID_JSON', 'The request body must be a JSON object.')
      const request = body as Record<string, unknown>
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
      modelLabel = model.name
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

      // The body for the suppliers: the service's model name, usage always asked for.
      const stream = endpoint !== 'embeddings' && request['stream'] === true
      const upstream: Record<string, unknown> = { ...request, model: model.upstreamModel }
      let stripUsage = false
      if (stream) {
        const options = request['stream_options']
        const asked =
          typeof options === 'object' &&
          options !== null &&
          (options as { include_usage?: unknown }).include_usage === true
        if (!asked) {
          upstream['stream_options'] = {
            ...(typeof options === 'object' && options !== null ? options : {}),
            include_usage: true,
          }
          stripUsage = true
        }
      }
      const execution = await executor.execute({
        endpoint,
        path,
        model,
        body: new TextEncoder().encode(JSON.stringify(upstream)),
        stream,
        stripUsage,
        application: key?.application ?? null,
        signal: c.req.raw.signal,
        receivedAt,
      })
      void execution.outcome.then((outcome) => record(outcome, { keyId, endpoint, model, stream }))
      return execution.response
    } catch (error) {
      const response = errorResponse(error)
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

  function record(
    outcome: ExecutionOutcome,
    request: {
      keyId: string
      endpoint: EndpointName
      model: NonNullable<ReturnType<ModelCatalog['resolve']>>
      stream: boolean
    },
  ): void {
    const { model } = request
    const prompt = outcome.usage?.promptTokens ?? 0
    const completion = outcome.usage?.completionTokens ?? outcome.contentChunks
    const cost =
      (prompt * model.pricing.promptPerMillion + completion * model.pricing.completionPerMillion) /
      1e6
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
      latencyMs: Math.round(outcome.latencyMs),
      ttftMs: outcome.ttftMs === null ? null : Math.round(outcome.ttftMs),
      overheadMs: outcome.overheadMs === null ? null : Number(outcome.overheadMs.toFixed(2)),
      ...(outcome.errorCode ? { error: outcome.errorCode } : {}),
      ...(outcome.clientDisconnected ? { clientDisconnected: true } : {}),
    })
  }

  // --- admin ----------------------------------------------------------------------------------

  const admin = new Hono()
  admin.use(async (c, next) => {
    try {
      requireAdmin(c)
    } catch (error) {
      return errorResponse(error)
    }
    await next()
    return undefined
  })
  const readJson = async (c: Context): Promise<Record<string, unknown>> => {
    let value: unknown
    try {
      value = await c.req.json()
    } catch {
      throw new GatewayError('INVALID_JSON', 'The request body must be a JSON object.')
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new GatewayError('INVALID_JSON', 'The request body must be a JSON object.')
    return value as Record<string, unknown>
  }
  const guarded = (handler: (c: Context) => Response | Promise<Response>) => async (c: Context) => {
    try {
      return await handler(c)
    } catch (error) {
      return errorResponse(error)
    }
  }

  admin.post(
    '/keys',
    guarded(async (c) => {
      const body = await readJson(c)
      const { key, record } = store.create(body as Parameters<KeyStore['create']>[0])
      logger.info('api key created', { key: record.id, name: record.name })
      return c.json({ key, ...record }, 201)
    }),
  )
  admin.get(
    '/keys',
    guarded((c) => c.json({ data: store.list() })),
  )
  admin.get(
    '/keys/:id',
    guarded((c) => {
      const id = c.req.param('id')!
      return c.json({
        ...store.get(id),
        usage: store.summarize(id),
        lastMinute: limiter.usage(id),
      })
    }),
  )
  admin.get(
    '/keys/:id/usage',
    guarded((c) => {
      const id = c.req.param('id')!
      store.get(id)
      const limit = Math.min(1000, Math.max(1, Number(c.req.query('limit') ?? 100) || 100))
      const since = Number(c.req.query('since') ?? 0) || 0
      return c.json({
        data: store.getUsage(id, { limit, since }),
        summary: store.summarize(id, since),
      })
    }),
  )
  admin.patch(
    '/keys/:id',
    guarded(async (c) => {
      const body = await readJson(c)
      return c.json(store.update(c.req.param('id')!, body as Parameters<KeyStore['update']>[1]))
    }),
  )
  admin.delete(
    '/keys/:id',
    guarded((c) => {
      const record = store.revoke(c.req.param('id')!)
      logger.info('api key revoked', { key: record.id })
      return c.json(record)
    }),
  )
  admin.get(
    '/suppliers',
    guarded((c) => c.json({ data: router.snapshot() })),
  )
  admin.get(
    '/sessions',
    guarded((c) =>
      c.json({
        height: view.height.toString(),
        data: view.listSessions().map((s) => ({
          application: s.header.applicationAddress,
          serviceId: s.header.serviceId,
          sessionId: s.header.sessionId,
          startHeight: s.startHeight.toString(),
          endHeight: s.endHeight.toString(),
          graceEndHeight: s.graceEndHeight.toString(),
          suppliers: s.suppliers,
        })),
      }),
    ),
  )
  app.route('/admin', admin)

  return app
}
