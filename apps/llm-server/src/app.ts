import { randomBytes } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { GenerateInput, GenerateResult, LlmEngine } from './engine.js'
import { isLlmServerError, LlmServerError, toOpenAiError } from './errors.js'
import type { Metrics } from './metrics.js'
import {
  parseJsonBody,
  readChatCompletionRequest,
  readCompletionRequest,
  readEmbeddingRequest,
  type SamplingRequest,
} from './requests.js'

export type LlmAppOptions = {
  /** The name clients send as `model`; any other name is a 404. */
  modelName: string
  maxBodyBytes: number
  /** Deadline for one generation, queueing included. */
  requestTimeoutMs: number
}

export type LlmApp = {
  app: Hono
  /** Stops every generation in flight and resolves when they have let go of their sequences. */
  abortAll(reason: LlmServerError): Promise<void>
}

type Kind = 'chat' | 'completion'

type Job = {
  kind: Kind
  request: SamplingRequest
  input: GenerateInput
  /** Completions with `echo`: the prompt text, sent before the completion. */
  echo: string
  startedAt: number
}

type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number }

const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // Proxies such as nginx must pass tokens through as they come.
  'x-accel-buffering': 'no',
}

/** The OpenAI-compatible HTTP API over one engine. */
export function createLlmApp(engine: LlmEngine, metrics: Metrics, options: LlmAppOptions): LlmApp {
  const app = new Hono()
  const createdAt = Math.floor(Date.now() / 1000)
  const inFlight = new Map<AbortController, Promise<unknown>>()

  metrics.addGauge('llm_sequences_busy', 'Context sequences generating now.', () => engine.busy)
  metrics.addGauge('llm_sequences_total', 'Context sequences available.', () => engine.parallel)
  metrics.addGauge('llm_requests_queued', 'Requests waiting for a sequence.', () => engine.queued)

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
    const { status, body } = toOpenAiError(error)
    metrics.errors.inc({ code: body.error.code ?? 'unknown' })
    if (status >= 500 && !isLlmServerError(error))
      console.error('llm-server: internal error', error)
    // The rest of an oversized body is never read, so this connection cannot carry another
    // request; saying so keeps clients from reusing it.
    if (status === 413) c.header('connection', 'close')
    if (status === 503) c.header('retry-after', '1')
    return c.json(body, status as 500)
  })

  app.notFound((c) => {
    const { status, body } = toOpenAiError(
      new LlmServerError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}.`),
    )
    return c.json(body, status as 404)
  })

  const modelCard = () => ({
    id: options.modelName,
    object: 'model',
    created: createdAt,
    owned_by: 'decai',
    max_model_len: engine.contextSize,
  })

  app.get('/v1/models', (c) => c.json({ object: 'list', data: [modelCard()] }))

  app.get('/v1/models/:model', (c) => {
    assertModel(c.req.param('model'))
    return c.json(modelCard())
  })

  const health = (c: Context) =>
    c.json({
      status: 'ok',
      model: options.modelName,
      sequences: engine.parallel,
      busy: engine.busy,
      queued: engine.queued,
    })
  app.get('/healthz', health)
  // llama-server's path, so health checks written for it work unchanged.
  app.get('/health', health)

  app.get('/metrics', (c) =>
    c.body(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
  )

  app.post('/v1/chat/completions', async (c) => {
    const startedAt = performance.now()
    const request = readChatCompletionRequest(parseJsonBody(await c.req.text()))
    assertModel(request.model)
    const promptTokens = engine.tokenizeChat(request.messages)
    const input = toGenerateInput(request, promptTokens)
    return run(c, { kind: 'chat', request, input, echo: '', startedAt })
  })

  app.post('/v1/completions', async (c) => {
    const startedAt = performance.now()
    const request = readCompletionRequest(parseJsonBody(await c.req.text()))
    assertModel(request.model)
    const promptTokens = engine.tokenizePrompt(request.prompt)
    const input = toGenerateInput(request, promptTokens)
    const echo = !request.echo
      ? ''
      : typeof request.prompt === 'string'
        ? request.prompt
        : engine.detokenize(promptTokens)
    return run(c, { kind: 'completion', request, input, echo, startedAt })
  })

  app.post('/v1/embeddings', async (c) => {
    const request = readEmbeddingRequest(parseJsonBody(await c.req.text()))
    assertModel(request.model)
    if (!engine.embeddingsEnabled) {
      throw new LlmServerError('NOT_FOUND', 'Embeddings are turned off on this server.', {
        details: 'Start it with embeddings enabled (the default; see --no-embeddings).',
      })
    }
    const { vectors, promptTokens } = await engine.embed(request.inputs)
    metrics.promptTokens.inc({ endpoint: 'embeddings' }, promptTokens)
    return c.json({
      object: 'list',
      data: vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding:
          request.encodingFormat === 'base64'
            ? encodeFloat32Base64(normalize(vector))
            : normalize(vector),
      })),
      model: options.modelName,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    })
  })

  function assertModel(model: string | undefined): void {
    if (model !== undefined && model !== options.modelName) {
      throw new LlmServerError('MODEL_NOT_FOUND', `The model \`${model}\` does not exist.`, {
        param: 'model',
        details: `This server serves \`${options.modelName}\`.`,
      })
    }
  }

  function toGenerateInput(
    request: SamplingRequest,
    promptTokens: GenerateInput['promptTokens'],
  ): GenerateInput {
    return {
      promptTokens,
      maxTokens: engine.resolveMaxTokens(promptTokens.length, request.maxTokens),
      temperature: request.temperature,
      topP: request.topP,
      seed: request.seed,
      stop: request.stop,
      frequencyPenalty: request.frequencyPenalty,
      presencePenalty: request.presencePenalty,
      ignoreEos: request.ignoreEos,
    }
  }

  // Acquires a sequence first, so that overload and queue timeouts are plain HTTP errors even for
  // streaming requests; only then does the response (JSON or SSE) begin.
  async function run(c: Context, job: Job): Promise<Response> {
    const controller = new AbortController()
    const timer = setTimeout(
      () =>
        controller.abort(
          new LlmServerError('TIMEOUT', 'The request ran past its deadline.', {
            details: `${options.requestTimeoutMs} ms`,
          }),
        ),
      options.requestTimeoutMs,
    )
    const onClientGone = () => controller.abort(clientDisconnected())
    const clientSignal = c.req.raw.signal
    if (clientSignal.aborted) onClientGone()
    else clientSignal.addEventListener('abort', onClientGone, { once: true })
    let settle: () => void = () => {}
    inFlight.set(
      controller,
      new Promise<void>((resolve) => {
        settle = resolve
      }),
    )
    const finish = () => {
      clearTimeout(timer)
      clientSignal.removeEventListener('abort', onClientGone)
      inFlight.delete(controller)
      settle()
    }

    let lease: Awaited<ReturnType<LlmEngine['acquire']>>
    try {
      lease = await engine.acquire(controller.signal)
    } catch (error) {
      finish()
      throw error
    }

    metrics.promptTokens.inc({ endpoint: job.kind }, job.input.promptTokens.length)
    const id = newId(job.kind)
    const created = Math.floor(Date.now() / 1000)
    const observe = (count: number) => {
      metrics.completionTokens.inc({ endpoint: job.kind })
      if (count === 1) metrics.timeToFirstToken.observe(secondsSince(job.startedAt))
    }
    const generate = (onDelta?: (delta: string) => void) =>
      engine
        .generate(lease, job.input, { signal: controller.signal, onDelta, onToken: observe })
        .then(
          (result) => {
            metrics.requestDuration.observe(secondsSince(job.startedAt))
            return result
          },
          (error: unknown) => {
            if (isLlmServerError(error) && error.code === 'ABORTED') metrics.aborted.inc()
            throw error
          },
        )
        .finally(() => {
          lease.release()
          finish()
        })

    if (!job.request.stream) {
      const result = await generate()
      return c.json(completionBody(job, id, created, result))
    }
    return streamResponse(job, id, created, controller, generate)
  }

  function completionBody(job: Job, id: string, created: number, result: GenerateResult) {
    const usage = toUsage(result)
    if (job.kind === 'chat') {
      return {
        id,
        object: 'chat.completion',
        created,
        model: options.modelName,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: result.text, refusal: null },
            logprobs: null,
            finish_reason: result.finishReason,
          },
        ],
        usage,
      }
    }
    return {
      id,
      object: 'text_completion',
      created,
      model: options.modelName,
      choices: [
        {
          index: 0,
          text: job.echo + result.text,
          logprobs: null,
          finish_reason: result.finishReason,
        },
      ],
      usage,
    }
  }

  function streamResponse(
    job: Job,
    id: string,
    created: number,
    controller: AbortController,
    generate: (onDelta: (delta: string) => void) => Promise<GenerateResult>,
  ): Response {
    const encoder = new TextEncoder()
    const object = job.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion'
    // With include_usage, OpenAI sends `usage: null` on every chunk and the numbers at the end.
    const usageField = job.request.includeUsage ? { usage: null } : {}
    const chunk = (choices: unknown[], extra: object = usageField) => ({
      id,
      object,
      created,
      model: options.modelName,
      choices,
      ...extra,
    })
    const delta = (text: string) =>
      job.kind === 'chat'
        ? { index: 0, delta: { content: text }, logprobs: null, finish_reason: null }
        : { index: 0, text, logprobs: null, finish_reason: null }

    // False once the stream is closed or the client cancelled it: nothing may be written then.
    let open = true
    const body = new ReadableStream<Uint8Array>({
      start(stream) {
        const write = (line: string) => {
          if (!open) return
          try {
            stream.enqueue(encoder.encode(`data: ${line}\n\n`))
          } catch {
            open = false
          }
        }
        const send = (data: unknown) => write(JSON.stringify(data))
        const close = () => {
          if (!open) return
          open = false
          stream.close()
        }

        if (job.kind === 'chat') {
          send(
            chunk([
              {
                index: 0,
                delta: { role: 'assistant', content: '' },
                logprobs: null,
                finish_reason: null,
              },
            ]),
          )
        } else if (job.echo) {
          send(chunk([delta(job.echo)]))
        }
        generate((text) => send(chunk([delta(text)]))).then(
          (result) => {
            const final =
              job.kind === 'chat'
                ? { index: 0, delta: {}, logprobs: null, finish_reason: result.finishReason }
                : { index: 0, text: '', logprobs: null, finish_reason: result.finishReason }
            send(chunk([final]))
            if (job.request.includeUsage) send(chunk([], { usage: toUsage(result) }))
            write('[DONE]')
            close()
          },
          (error: unknown) => {
            // A client that left gets nothing more; anyone still listening gets the error, in
            // the shape vLLM streams it, then the end marker.
            if (!clientLeft(controller)) {
              const { body: errorBody } = toOpenAiError(error)
              metrics.errors.inc({ code: errorBody.error.code ?? 'unknown' })
              send(errorBody)
              write('[DONE]')
            }
            close()
          },
        )
      },
      cancel() {
        open = false
        controller.abort(clientDisconnected())
      },
    })
    return new Response(body, { status: 200, headers: sseHeaders })
  }

  async function abortAll(reason: LlmServerError): Promise<void> {
    const pending = [...inFlight.entries()]
    for (const [controller] of pending) controller.abort(reason)
    await Promise.all(pending.map(([, done]) => done))
  }

  return { app, abortAll }
}

function toUsage(result: GenerateResult): Usage {
  return {
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    total_tokens: result.promptTokens + result.completionTokens,
  }
}

// Marks the abort reasons that mean "nobody is listening any more" (as opposed to a deadline or
// a server shutdown, which the client should still hear about).
const disconnections = new WeakSet<object>()

function clientDisconnected(): LlmServerError {
  const error = new LlmServerError('ABORTED', 'The client disconnected.')
  disconnections.add(error)
  return error
}

function clientLeft(controller: AbortController): boolean {
  const reason: unknown = controller.signal.reason
  return (
    controller.signal.aborted &&
    typeof reason === 'object' &&
    reason !== null &&
    disconnections.has(reason)
  )
}

function newId(kind: Kind): string {
  return `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(12).toString('hex')}`
}

function secondsSince(start: number): number {
  return (performance.now() - start) / 1000
}

// Unit length, as OpenAI and llama-server return them, so cosine similarity is a dot product.
function normalize(vector: readonly number[]): number[] {
  const norm = Math.hypot(...vector)
  return norm > 0 ? vector.map((v) => v / norm) : [...vector]
}

// OpenAI's base64 format: the float32 values, little-endian, base64-encoded.
function encodeFloat32Base64(vector: readonly number[]): string {
  const bytes = new DataView(new ArrayBuffer(vector.length * 4))
  vector.forEach((v, i) => {
    bytes.setFloat32(i * 4, v, true)
  })
  return Buffer.from(bytes.buffer).toString('base64')
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

// Bounded label values: unknown paths share one series.
function endpointLabel(path: string): string {
  if (endpoints.has(path)) return path
  if (path.startsWith('/v1/models/')) return '/v1/models/:model'
  return 'other'
}
