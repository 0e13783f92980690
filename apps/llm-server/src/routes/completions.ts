import { formatSseEvent, SSE_HEADERS } from '@decai/app-kit/sse'
import type { Context } from 'hono'
import type { GenerateInput, GenerateResult, LlmEngine } from '../engine.js'
import { isLlmServerError, toOpenAiError } from '../errors.js'
import { clientDisconnected, isClientGone } from '../generations.js'
import {
  type CompletionHeader,
  type CompletionKind,
  createChunkWriter,
  newCompletionId,
  toCompletionBody,
} from '../openai-responses.js'
import {
  parseJsonBody,
  readChatCompletionRequest,
  readCompletionRequest,
  type SamplingRequest,
} from '../requests.js'
import { assertModel, type LlmAppContext } from './context.js'

// `POST /v1/chat/completions` and `POST /v1/completions`: read the request, wait for a sequence,
// then answer as one JSON body or as an SSE stream.

/** One generation to run. */
export type GenerationJob = {
  kind: CompletionKind
  request: SamplingRequest
  input: GenerateInput
  /** Completions with `echo`: the prompt text, sent before the completion. */
  echo: string
  startedAt: number
}

export async function handleChatCompletion(ctx: LlmAppContext, c: Context): Promise<Response> {
  const startedAt = performance.now()
  const request = readChatCompletionRequest(parseJsonBody(await c.req.text()))
  assertModel(ctx, request.model)
  const promptTokens = ctx.engine.tokenizeChat(request.messages)
  const input = toGenerateInput(ctx.engine, request, promptTokens)
  return runGeneration(ctx, c.req.raw.signal, { kind: 'chat', request, input, echo: '', startedAt })
}

export async function handleCompletion(ctx: LlmAppContext, c: Context): Promise<Response> {
  const startedAt = performance.now()
  const request = readCompletionRequest(parseJsonBody(await c.req.text()))
  assertModel(ctx, request.model)
  const promptTokens = ctx.engine.tokenizePrompt(request.prompt)
  const input = toGenerateInput(ctx.engine, request, promptTokens)
  const echo = !request.echo
    ? ''
    : typeof request.prompt === 'string'
      ? request.prompt
      : ctx.engine.detokenize(promptTokens)
  return runGeneration(ctx, c.req.raw.signal, {
    kind: 'completion',
    request,
    input,
    echo,
    startedAt,
  })
}

/** The engine's input: the prompt tokens and the sampling parameters, `max_tokens` resolved. */
export function toGenerateInput(
  engine: LlmEngine,
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

/**
 * Acquires a sequence first, so that overload and queue timeouts are plain HTTP errors even for
 * streaming requests; only then does the response (JSON or SSE) begin.
 */
export async function runGeneration(
  ctx: LlmAppContext,
  clientSignal: AbortSignal,
  job: GenerationJob,
): Promise<Response> {
  const { engine, metrics } = ctx
  const { controller, finish } = ctx.generations.begin(clientSignal)
  let lease: Awaited<ReturnType<LlmEngine['acquire']>>
  try {
    lease = await engine.acquire(controller.signal)
  } catch (error) {
    finish()
    throw error
  }

  metrics.promptTokens.inc({ endpoint: job.kind }, job.input.promptTokens.length)
  const header: CompletionHeader = {
    kind: job.kind,
    id: newCompletionId(job.kind),
    created: Math.floor(Date.now() / 1000),
    model: ctx.options.modelName,
  }
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
    return Response.json(toCompletionBody(header, result, job.echo))
  }
  return streamGeneration(ctx, job, header, controller, generate)
}

/** The SSE answer: chunks as tokens come, the finish and usage chunks, then `[DONE]`. */
export function streamGeneration(
  ctx: LlmAppContext,
  job: GenerationJob,
  header: CompletionHeader,
  controller: AbortController,
  generate: (onDelta: (delta: string) => void) => Promise<GenerateResult>,
): Response {
  const encoder = new TextEncoder()
  const chunks = createChunkWriter(header, job.request.includeUsage)
  // False once the stream is closed or the client cancelled it: nothing may be written then.
  let open = true
  const body = new ReadableStream<Uint8Array>({
    start(stream) {
      const write = (data: string) => {
        if (!open) return
        try {
          stream.enqueue(encoder.encode(formatSseEvent({ data })))
        } catch {
          open = false
        }
      }
      const send = (value: unknown) => write(JSON.stringify(value))
      const close = () => {
        if (!open) return
        open = false
        stream.close()
      }

      if (job.kind === 'chat') send(chunks.role())
      else if (job.echo) send(chunks.text(job.echo))
      generate((text) => send(chunks.text(text))).then(
        (result) => {
          send(chunks.finish(result))
          if (job.request.includeUsage) send(chunks.usage(result))
          write('[DONE]')
          close()
        },
        (error: unknown) => {
          // A client that left gets nothing more; anyone still listening gets the error, in
          // the shape vLLM streams it, then the end marker.
          if (!isClientGone(controller)) {
            const { body: errorBody } = toOpenAiError(error)
            ctx.metrics.errors.inc({ code: errorBody.error.code ?? 'unknown' })
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
  return new Response(body, { status: 200, headers: SSE_HEADERS })
}

function secondsSince(start: number): number {
  return (performance.now() - start) / 1000
}
