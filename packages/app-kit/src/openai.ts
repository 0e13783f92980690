import { formatSseEvent, SseParser } from './sse.js'

// The OpenAI HTTP conventions the apps share: error bodies and statuses, the in-stream error
// event, token usage, what one streamed chunk says, and asking a backend for usage.

// --- errors -----------------------------------------------------------------------------------

/** The body OpenAI (and vLLM, llama-server) send with every error status. */
export type OpenAiErrorBody = {
  error: { message: string; type: string; code: string | null; param: string | null }
}

/** How one app error code is answered: HTTP status and OpenAI's `type` and `code` strings. */
export type OpenAiErrorMapping = { status: number; type: string; code: string }

/** What an app error carries that the answer uses. */
export type OpenAiMappableError<Code extends string> = {
  code: Code
  shortMessage: string
  details?: string | undefined
  /** The request field at fault, reported as OpenAI's `param`. */
  param?: string | undefined
  /** Seconds a client should wait before retrying (`Retry-After`). */
  retryAfter?: number | undefined
}

/** An error as answered over HTTP. */
export type OpenAiError = { status: number; body: OpenAiErrorBody; retryAfter: number | undefined }

export type CreateOpenAiErrorMapperParameters<
  Code extends string,
  E extends OpenAiMappableError<Code>,
> = {
  /** Every code of the app, with OpenAI's own `type`/`code` strings where OpenAI has one. */
  mappings: Readonly<Record<Code, OpenAiErrorMapping>>
  /** The app's error guard. */
  isKnown: (error: unknown) => error is E
  /** What anything else is answered as (an internal error wrapping it). */
  toInternal: (error: unknown) => E
}

/**
 * The app's `toOpenAiError`: HTTP status and OpenAI error body for any thrown value. Clients
 * (the official SDKs map statuses to exception classes) branch on `type` and `code`.
 */
export function createOpenAiErrorMapper<Code extends string, E extends OpenAiMappableError<Code>>(
  parameters: CreateOpenAiErrorMapperParameters<Code, E>,
): (error: unknown) => OpenAiError {
  const { mappings, isKnown, toInternal } = parameters
  return (error) => {
    const isAppError = isKnown(error)
    const known = isAppError ? error : toInternal(error)
    const mapping = mappings[known.code]
    // Details of an unexpected error (a cause's message, paths, SQL) stay in the logs.
    const message =
      isAppError && known.details ? `${known.shortMessage} ${known.details}` : known.shortMessage
    return {
      status: mapping.status,
      body: {
        error: { message, type: mapping.type, code: mapping.code, param: known.param ?? null },
      },
      retryAfter: known.retryAfter,
    }
  }
}

/** The JSON answer for an error, with `Retry-After` when the error names a wait. */
export function toOpenAiErrorResponse(error: OpenAiError): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter)
  return new Response(JSON.stringify(error.body), { status: error.status, headers })
}

/** An SSE error event, as sent after a stream has started (vLLM's shape), then `[DONE]`. */
export function formatSseError(error: {
  message: string
  type: string
  code: string | null
}): string {
  return (
    formatSseEvent({ data: JSON.stringify({ error: { ...error, param: null } }) }) +
    formatSseEvent({ data: '[DONE]' })
  )
}

// --- usage and streamed chunks ----------------------------------------------------------------

/** Token counts as OpenAI reports them. */
export type Usage = { promptTokens: number; completionTokens: number; totalTokens: number }

/** Reads `usage` from an OpenAI response or chunk object; undefined unless it has counts. */
export function readUsage(value: unknown): Usage | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const usage = (value as { usage?: unknown }).usage
  if (typeof usage !== 'object' || usage === null) return undefined
  const u = usage as Record<string, unknown>
  const prompt = u['prompt_tokens']
  const completion = u['completion_tokens']
  if (typeof prompt !== 'number' && typeof completion !== 'number') return undefined
  const p = typeof prompt === 'number' ? prompt : 0
  const c = typeof completion === 'number' ? completion : 0
  const total = typeof u['total_tokens'] === 'number' ? u['total_tokens'] : p + c
  return { promptTokens: p, completionTokens: c, totalTokens: total }
}

const readWhole = (v: unknown) =>
  Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : undefined

/** The longest answer a request asks for per choice: `max_completion_tokens`, else `max_tokens`. */
export function readMaxTokens(request: unknown): number | undefined {
  if (typeof request !== 'object' || request === null) return undefined
  const r = request as Record<string, unknown>
  return readWhole(r['max_completion_tokens']) ?? readWhole(r['max_tokens'])
}

/** How many answers a request asks for: the larger of `n` and `best_of`, at least 1. */
export function readChoices(request: unknown): number {
  if (typeof request !== 'object' || request === null) return 1
  const r = request as Record<string, unknown>
  return Math.max(1, readWhole(r['n']) ?? 1, readWhole(r['best_of']) ?? 1)
}

/**
 * The most completion tokens a request may produce: its `readMaxTokens` times its
 * `readChoices`; undefined when it sets no limit.
 */
export function readCompletionLimit(request: unknown): number | undefined {
  const limit = readMaxTokens(request)
  return limit === undefined ? undefined : limit * readChoices(request)
}

/** What one streamed chunk says. */
export type ChunkInfo = {
  /** `[DONE]`. */
  done: boolean
  /** The chunk carries usage. */
  usage: Usage | undefined
  /** A usage-only chunk (`choices: []`), dropped by whoever asked for usage on the client's behalf. */
  usageOnly: boolean
  /** The chunk carries generated text (or a tool call fragment, or reasoning). */
  hasContent: boolean
  /** An in-stream `{"error": …}` event. */
  error: unknown
}

const nothing: ChunkInfo = {
  done: false,
  usage: undefined,
  usageOnly: false,
  hasContent: false,
  error: undefined,
}

/** Parses one `data:` payload of an OpenAI stream. */
export function inspectChunk(data: string): ChunkInfo {
  if (data.trim() === '[DONE]') return { ...nothing, done: true }
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return nothing
  }
  if (typeof value !== 'object' || value === null) return nothing
  const object = value as Record<string, unknown>
  const choices = Array.isArray(object['choices']) ? (object['choices'] as unknown[]) : undefined
  const usage = readUsage(object)
  return {
    done: false,
    usage,
    usageOnly: usage !== undefined && choices !== undefined && choices.length === 0,
    hasContent: choices?.some(hasText) ?? false,
    error: object['error'],
  }
}

function hasText(choice: unknown): boolean {
  if (typeof choice !== 'object' || choice === null) return false
  const c = choice as Record<string, unknown>
  if (typeof c['text'] === 'string' && c['text'] !== '') return true
  const delta = c['delta']
  if (typeof delta !== 'object' || delta === null) return false
  const d = delta as Record<string, unknown>
  return (
    (typeof d['content'] === 'string' && d['content'] !== '') ||
    (Array.isArray(d['tool_calls']) && d['tool_calls'].length > 0) ||
    (typeof d['reasoning_content'] === 'string' && d['reasoning_content'] !== '')
  )
}

/**
 * A streamed completion request that asks for usage: `stream_options.include_usage` is added
 * unless the client set it. `injected` says the final usage-only chunk was not asked for by the
 * client and should be dropped before it reaches them.
 */
export function requestStreamUsage(request: Readonly<Record<string, unknown>>): {
  request: Record<string, unknown>
  injected: boolean
} {
  const options = request['stream_options']
  const isObject = typeof options === 'object' && options !== null
  if (isObject && (options as { include_usage?: unknown }).include_usage === true)
    return { request: { ...request }, injected: false }
  return {
    request: { ...request, stream_options: { ...(isObject ? options : {}), include_usage: true } },
    injected: true,
  }
}

/** The usage an answer reports, read as its body passes (an SSE stream, or one JSON body). */
export type UsageReader = { push(bytes: Uint8Array): void; readonly usage: Usage | undefined }

export function createUsageReader(sse: boolean): UsageReader {
  const decoder = new TextDecoder()
  if (sse) {
    const parser = new SseParser()
    let usage: Usage | undefined
    return {
      push(bytes) {
        for (const event of parser.push(decoder.decode(bytes, { stream: true })))
          if (event.data !== undefined) usage = inspectChunk(event.data).usage ?? usage
      },
      get usage() {
        for (const event of parser.flush())
          if (event.data !== undefined) usage = inspectChunk(event.data).usage ?? usage
        return usage
      },
    }
  }
  let text = ''
  return {
    push(bytes) {
      text += decoder.decode(bytes, { stream: true })
    },
    get usage() {
      try {
        return readUsage(JSON.parse(text + decoder.decode()))
      } catch {
        return undefined
      }
    },
  }
}
