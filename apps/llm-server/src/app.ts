import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { LlmEngine } from './engine.js'
import { isLlmServerError, LlmServerError, toOpenAiError } from './errors.js'
import { createGenerations } from './generations.js'
import type { LlmMetrics } from './metrics.js'
import { handleChatCompletion, handleCompletion } from './routes/completions.js'
import type { LlmAppContext, LlmAppOptions } from './routes/context.js'
import { handleEmbeddings } from './routes/embeddings.js'
import { handleGetModel, handleHealth, handleListModels } from './routes/models.js'

export type { LlmAppOptions } from './routes/context.js'

export type LlmApp = {
  app: Hono
  /** Stops every generation in flight and resolves when they have let go of their sequences. */
  abortAll(reason: LlmServerError): Promise<void>
}

/** The OpenAI-compatible HTTP API over one engine: routes, body limit, errors, metrics. */
export function createLlmApp(
  engine: LlmEngine,
  metrics: LlmMetrics,
  options: LlmAppOptions,
): LlmApp {
  const ctx: LlmAppContext = {
    engine,
    metrics,
    options,
    generations: createGenerations(options.requestTimeoutMs),
    createdAt: Math.floor(Date.now() / 1000),
  }
  metrics.gauge('llm_sequences_busy', 'Context sequences generating now.', () => engine.busy)
  metrics.gauge('llm_sequences_total', 'Context sequences available.', () => engine.parallel)
  metrics.gauge('llm_requests_queued', 'Requests waiting for a sequence.', () => engine.queued)

  const app = new Hono()
  app.use(async (c, next) => {
    await next()
    metrics.requests.inc({ endpoint: endpointLabel(c.req.path), status: String(c.res.status) })
  })
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: () => {
        throw new LlmServerError('BODY_TOO_LARGE', 'The request body is too large.', {
          details: `The limit is ${options.maxBodyBytes} bytes.`,
        })
      },
    }),
  )
  app.onError((error, c) => {
    const response = answerError(error, c)
    metrics.errors.inc({ code: response.code })
    return response.response
  })
  // Unknown routes are answered, not counted as errors.
  app.notFound(
    (c) =>
      answerError(new LlmServerError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}.`), c)
        .response,
  )

  app.get('/v1/models', (c) => handleListModels(ctx, c))
  app.get('/v1/models/:model', (c) => handleGetModel(ctx, c))
  app.get('/healthz', (c) => handleHealth(ctx, c))
  // llama-server's path, so health checks written for it work unchanged.
  app.get('/health', (c) => handleHealth(ctx, c))
  app.get('/metrics', () => metrics.respond())
  app.post('/v1/chat/completions', (c) => handleChatCompletion(ctx, c))
  app.post('/v1/completions', (c) => handleCompletion(ctx, c))
  app.post('/v1/embeddings', (c) => handleEmbeddings(ctx, c))

  return { app, abortAll: (reason) => ctx.generations.abortAll(reason) }
}

/** The OpenAI error answer and its code; internal errors are logged. */
export function answerError(error: unknown, c: Context): { response: Response; code: string } {
  const { status, body } = toOpenAiError(error)
  if (status >= 500 && !isLlmServerError(error)) console.error('llm-server: internal error', error)
  // The rest of an oversized body is never read, so this connection cannot carry another
  // request; saying so keeps clients from reusing it.
  if (status === 413) c.header('connection', 'close')
  if (status === 503) c.header('retry-after', '1')
  return { response: c.json(body, status as 500), code: body.error.code ?? 'unknown' }
}

const endpoints = new Set([
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/models',
  '/healthz',
  '/health',
  '/metrics',
])

/** Bounded label values: unknown paths share one series. */
export function endpointLabel(path: string): string {
  if (endpoints.has(path)) return path
  if (path.startsWith('/v1/models/')) return '/v1/models/:model'
  return 'other'
}
