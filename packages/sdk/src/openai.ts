import type { RelayedResponse, RelayInit } from './client.js'
import { SdkError } from './errors.js'
import {
  type ChatCompletionCreateParams,
  type ChatCompletionCreateParamsNonStreaming,
  type ChatCompletionCreateParamsStreaming,
  type CompletionCreateParams,
  type CompletionCreateParamsNonStreaming,
  type CompletionCreateParamsStreaming,
  checkOpenAiRequest,
  type EmbeddingCreateParams,
  type OpenAiRequestKind,
} from './openai-request.js'
import type {
  ChatCompletion,
  ChatCompletionChunk,
  Completion,
  CreateEmbeddingResponse,
  Model,
} from './openai-types.js'
import { readServerSentEvents } from './sse.js'

/** Per-call options, as the `openai` package takes them. */
export type RequestOptions = { signal?: AbortSignal | undefined }

/**
 * A streamed completion: iterate it with `for await` to get each chunk as soon as its signed
 * frame is verified. `response.relay` says which supplier answered.
 */
export type RelayStream<T> = AsyncIterable<T> & {
  readonly response: RelayedResponse
  /** Stops the stream (the supplier sees the connection close). */
  readonly controller: AbortController
}

export type ChatCompletions = {
  create(
    body: ChatCompletionCreateParamsNonStreaming,
    options?: RequestOptions,
  ): Promise<ChatCompletion>
  create(
    body: ChatCompletionCreateParamsStreaming,
    options?: RequestOptions,
  ): Promise<RelayStream<ChatCompletionChunk>>
  create(
    body: ChatCompletionCreateParams,
    options?: RequestOptions,
  ): Promise<ChatCompletion | RelayStream<ChatCompletionChunk>>
}

export type Completions = {
  create(body: CompletionCreateParamsNonStreaming, options?: RequestOptions): Promise<Completion>
  create(
    body: CompletionCreateParamsStreaming,
    options?: RequestOptions,
  ): Promise<RelayStream<Completion>>
  create(
    body: CompletionCreateParams,
    options?: RequestOptions,
  ): Promise<Completion | RelayStream<Completion>>
}

/** The OpenAI-compatible part of the client: `chat.completions`, `completions`, ... */
export type OpenAiApi = {
  chat: { completions: ChatCompletions }
  completions: Completions
  embeddings: {
    create(body: EmbeddingCreateParams, options?: RequestOptions): Promise<CreateEmbeddingResponse>
  }
  models: { list(options?: RequestOptions): Promise<{ object: 'list'; data: Model[] }> }
}

type Relay = (path: string, init?: RelayInit) => Promise<RelayedResponse>

/** Builds the OpenAI-shaped namespaces on top of the relaying `fetch`. */
export function createOpenAiApi(relay: Relay): OpenAiApi {
  const post = async (
    kind: OpenAiRequestKind,
    path: string,
    body: Record<string, unknown>,
    options: RequestOptions,
  ): Promise<{ response: RelayedResponse; controller: AbortController }> => {
    // Checked here, before a session is read or a relay signed: an invalid request never costs
    // a relay, and the error says which field is wrong as OpenAI would.
    const payload = toRequestBody(kind, body)
    const controller = new AbortController()
    const signal = options.signal
    if (signal) {
      if (signal.aborted) controller.abort(signal.reason)
      else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true })
    }
    const response = await relay(path, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: body['stream'] === true ? 'text/event-stream' : 'application/json',
      },
      body: payload,
      signal: controller.signal,
    })
    if (!response.ok) throw await toApiError(response)
    return { response, controller }
  }

  const json = async <T>(response: RelayedResponse): Promise<T> => {
    const text = await response.text()
    try {
      return JSON.parse(text) as T
    } catch (cause) {
      throw new SdkError('INVALID_RESPONSE_BODY', 'The service did not answer with JSON.', {
        details: text.slice(0, 300),
        cause,
      })
    }
  }

  const create = async <Whole, Chunk>(
    kind: OpenAiRequestKind,
    path: string,
    body: Record<string, unknown>,
    options: RequestOptions = {},
  ): Promise<Whole | RelayStream<Chunk>> => {
    const { response, controller } = await post(kind, path, body, options)
    if (body['stream'] !== true) return json<Whole>(response)
    return {
      response,
      controller,
      [Symbol.asyncIterator]: () => readChunks<Chunk>(response),
    }
  }

  return {
    chat: {
      completions: {
        create: ((body: ChatCompletionCreateParams, options?: RequestOptions) =>
          create<ChatCompletion, ChatCompletionChunk>(
            'chat',
            '/v1/chat/completions',
            body,
            options,
          )) as ChatCompletions['create'],
      },
    },
    completions: {
      create: ((body: CompletionCreateParams, options?: RequestOptions) =>
        create<Completion, Completion>(
          'completions',
          '/v1/completions',
          body,
          options,
        )) as Completions['create'],
    },
    embeddings: {
      create: async (body, options = {}) =>
        json<CreateEmbeddingResponse>(
          (await post('embeddings', '/v1/embeddings', body, options)).response,
        ),
    },
    models: {
      list: async (options = {}) => {
        const response = await relay('/v1/models', {
          method: 'GET',
          ...(options.signal ? { signal: options.signal } : {}),
        })
        if (!response.ok) throw await toApiError(response)
        return json<{ object: 'list'; data: Model[] }>(response)
      },
    },
  }
}

/** The JSON of a request that matches its schema; `INVALID_REQUEST` with the field at fault if not. */
function toRequestBody(kind: OpenAiRequestKind, body: unknown): string {
  const check = checkOpenAiRequest(kind, body)
  if (!check.ok)
    throw new SdkError('INVALID_REQUEST', 'The request is not a valid OpenAI request.', {
      details: check.issue.message,
      param: check.issue.param ?? undefined,
    })
  try {
    return JSON.stringify(body)
  } catch (cause) {
    // A cycle, a bigint, or nesting deeper than the engine's stack in an extension field.
    throw new SdkError('INVALID_REQUEST', 'The request cannot be serialised as JSON.', {
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    })
  }
}

/** The chunks of an OpenAI event stream; an `error` event mid-stream throws `STREAM_ERROR`. */
async function* readChunks<T>(response: RelayedResponse): AsyncGenerator<T, void, undefined> {
  if (response.body === null) return
  for await (const data of readServerSentEvents(response.body)) {
    if (data === '[DONE]') return
    let parsed: unknown
    try {
      parsed = JSON.parse(data)
    } catch (cause) {
      throw new SdkError('INVALID_RESPONSE_BODY', 'A stream event is not JSON.', {
        details: data.slice(0, 300),
        cause,
      })
    }
    const error = (parsed as { error?: { message?: unknown } }).error
    if (error !== undefined && error !== null)
      throw new SdkError('STREAM_ERROR', 'The service reported an error mid-stream.', {
        details: typeof error.message === 'string' ? error.message : JSON.stringify(error),
        body: parsed,
      })
    yield parsed as T
  }
}

async function toApiError(response: RelayedResponse): Promise<SdkError> {
  const text = await response.text().catch(() => '')
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // Not JSON: keep the text.
  }
  const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message
  return new SdkError('API_ERROR', `The service answered HTTP ${response.status}.`, {
    status: response.status,
    body,
    details: typeof message === 'string' ? message : text.slice(0, 300),
  })
}
