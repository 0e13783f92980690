import { LlmServerError } from './errors.js'

// Parsing of OpenAI request bodies into plain, validated values. Unknown fields are ignored (as
// OpenAI-compatible servers do); fields we know but cannot honour are refused, not ignored.

export type SamplingRequest = {
  model: string | undefined
  /** `max_completion_tokens`, else `max_tokens`; undefined means "until the context is full". */
  maxTokens: number | undefined
  temperature: number
  topP: number
  /** Undefined: a fresh random seed per request, like OpenAI. */
  seed: number | undefined
  stop: string[]
  frequencyPenalty: number
  presencePenalty: number
  /** vLLM and llama-server extension: keep generating past end-of-sequence tokens. */
  ignoreEos: boolean
  stream: boolean
  includeUsage: boolean
}

export type ChatRole = 'system' | 'user' | 'assistant'
export type ChatMessage = { role: ChatRole; content: string }

export type ChatCompletionRequest = SamplingRequest & { messages: ChatMessage[] }

export type CompletionRequest = SamplingRequest & {
  /** Text, or token IDs given directly. */
  prompt: string | number[]
  echo: boolean
}

export type EmbeddingRequest = {
  model: string | undefined
  inputs: Array<string | number[]>
  encodingFormat: 'float' | 'base64'
}

type Body = Record<string, unknown>

const maxStopSequences = 4

/** Parses raw body text; anything but a JSON object is a 400. */
export function parseJsonBody(text: string): Body {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    throw new LlmServerError('INVALID_JSON', 'The request body is not valid JSON.', {
      details: cause instanceof Error ? cause.message : undefined,
      cause,
    })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LlmServerError('INVALID_JSON', 'The request body must be a JSON object.')
  }
  return value as Body
}

export function readChatCompletionRequest(body: Body): ChatCompletionRequest {
  refuseUnsupported(body, ['tools', 'functions'], (v) => Array.isArray(v) && v.length > 0)
  refuseUnsupported(body, ['tool_choice', 'function_call'], (v) => v !== 'none' && v !== 'auto')
  refuseUnsupported(body, ['top_logprobs'], (v) => v !== 0)
  refuseUnsupported(body, ['audio', 'prediction'], () => true)
  const { response_format: format, messages } = body
  if (format !== undefined && format !== null) {
    const { type } = isRecord(format) ? format : {}
    if (type !== 'text') {
      throw unsupported('response_format', 'Only response_format {"type": "text"} is supported.')
    }
  }
  return { ...readSampling(body), messages: readMessages(messages) }
}

export function readCompletionRequest(body: Body): CompletionRequest {
  refuseUnsupported(body, ['suffix'], (v) => v !== '')
  refuseUnsupported(body, ['best_of'], (v) => v !== 1)
  const { prompt } = body
  return {
    ...readSampling(body),
    prompt: readPrompt(prompt),
    echo: readBoolean(body, 'echo') ?? false,
  }
}

export function readEmbeddingRequest(body: Body): EmbeddingRequest {
  const { encoding_format: format = 'float', input } = body
  if (format !== 'float' && format !== 'base64') {
    throw invalid('encoding_format', 'encoding_format must be "float" or "base64".')
  }
  let inputs: Array<string | number[]>
  if (typeof input === 'string') inputs = [input]
  else if (isTokenArray(input)) inputs = [input]
  else if (Array.isArray(input) && input.length > 0 && input.every((i) => typeof i === 'string'))
    inputs = input
  else if (Array.isArray(input) && input.length > 0 && input.every(isTokenArray)) inputs = input
  else {
    throw invalid(
      'input',
      'input must be a string, an array of strings, an array of token IDs, or an array of such arrays.',
    )
  }
  if (inputs.some((i) => i.length === 0)) throw invalid('input', 'input must not be empty.')
  return { model: readModel(body), inputs, encodingFormat: format }
}

function readSampling(body: Body): SamplingRequest {
  const { n, logprobs, logit_bias: logitBias, stream_options: streamOptions, stop } = body
  if (n !== undefined && n !== null && n !== 1) {
    if (!Number.isInteger(n)) throw invalid('n', 'n must be an integer.')
    throw unsupported('n', 'Only n=1 is supported; send separate requests for more choices.')
  }
  if (logprobs !== undefined && logprobs !== null && logprobs !== false && logprobs !== 0) {
    throw unsupported('logprobs', 'logprobs are not supported.')
  }
  if (logitBias !== undefined && logitBias !== null) {
    if (!isRecord(logitBias)) throw invalid('logit_bias', 'logit_bias must be an object.')
    if (Object.keys(logitBias).length > 0)
      throw unsupported('logit_bias', 'logit_bias is not supported.')
  }
  const maxTokens =
    readInteger(body, 'max_completion_tokens', 1) ?? readInteger(body, 'max_tokens', 1)
  const stream = readBoolean(body, 'stream') ?? false
  if (streamOptions !== undefined && streamOptions !== null && !isRecord(streamOptions)) {
    throw invalid('stream_options', 'stream_options must be an object.')
  }
  const { include_usage: usage } = isRecord(streamOptions) ? streamOptions : {}
  const includeUsage = stream && usage === true
  return {
    model: readModel(body),
    maxTokens,
    temperature: readNumber(body, 'temperature', 0, 2) ?? 1,
    topP: readNumber(body, 'top_p', 0, 1) ?? 1,
    seed: readSeed(body),
    stop: readStop(stop),
    frequencyPenalty: readNumber(body, 'frequency_penalty', -2, 2) ?? 0,
    presencePenalty: readNumber(body, 'presence_penalty', -2, 2) ?? 0,
    ignoreEos: readBoolean(body, 'ignore_eos') ?? false,
    stream,
    includeUsage,
  }
}

function readModel(body: Body): string | undefined {
  const { model } = body
  // Like vLLM, a missing model means the one this server serves.
  if (model === undefined || model === null) return undefined
  if (typeof model !== 'string') throw invalid('model', 'model must be a string.')
  return model
}

function readMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid('messages', 'messages must be a non-empty array.')
  }
  return value.map((message, i) => readMessage(message, `messages[${i}]`))
}

function readMessage(value: unknown, param: string): ChatMessage {
  if (!isRecord(value)) throw invalid(param, `${param} must be an object.`)
  const { role, tool_calls: toolCalls, content } = value
  if (role === 'tool' || role === 'function') {
    throw unsupported(`${param}.role`, `Messages with role "${role}" are not supported.`)
  }
  if (role !== 'system' && role !== 'developer' && role !== 'user' && role !== 'assistant') {
    throw invalid(`${param}.role`, `${param}.role must be system, developer, user or assistant.`)
  }
  if (Array.isArray(toolCalls) && toolCalls.length > 0) {
    throw unsupported(`${param}.tool_calls`, 'Tool calls are not supported.')
  }
  return {
    // "developer" is the newer name OpenAI gives the system role.
    role: role === 'developer' ? 'system' : role,
    content: readContent(content, role === 'assistant', `${param}.content`),
  }
}

function readContent(value: unknown, nullable: boolean, param: string): string {
  if (typeof value === 'string') return value
  if ((value === null || value === undefined) && nullable) return ''
  if (Array.isArray(value)) {
    return value
      .map((part, i) => {
        if (!isRecord(part)) throw invalid(`${param}[${i}]`, 'Content parts must be objects.')
        const { type, text } = part
        if (type !== 'text') {
          throw unsupported(`${param}[${i}].type`, 'Only text content parts are supported.')
        }
        if (typeof text !== 'string') throw invalid(`${param}[${i}].text`, 'text must be a string.')
        return text
      })
      .join('')
  }
  throw invalid(param, `${param} must be a string or an array of text parts.`)
}

function readPrompt(value: unknown): string | number[] {
  // A one-element batch is the same request; larger batches would need n>1-like fan-out.
  const single = Array.isArray(value) && value.length === 1 ? value[0] : value
  if (typeof single === 'string') return single
  if (isTokenArray(single) && single.length > 0) return single
  if (Array.isArray(value) && value.length > 1 && !isTokenArray(value)) {
    throw unsupported('prompt', 'Batched prompts are not supported; send one prompt per request.')
  }
  throw invalid('prompt', 'prompt must be a string or an array of token IDs.')
}

function readStop(value: unknown): string[] {
  if (value === undefined || value === null) return []
  const stops = typeof value === 'string' ? [value] : value
  if (!Array.isArray(stops) || !stops.every((s) => typeof s === 'string')) {
    throw invalid('stop', 'stop must be a string or an array of strings.')
  }
  if (stops.length > maxStopSequences) {
    throw invalid('stop', `stop accepts at most ${maxStopSequences} sequences.`)
  }
  return stops.filter((s) => s.length > 0)
}

function readSeed(body: Body): number | undefined {
  const { seed } = body
  if (seed === undefined || seed === null) return undefined
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw invalid('seed', 'seed must be an integer.')
  }
  // llama.cpp seeds are 32-bit; fold larger or negative seeds deterministically.
  return Number(BigInt.asUintN(32, BigInt(seed)))
}

function readNumber(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(name, `${name} must be a number between ${min} and ${max}.`)
  }
  return value
}

function readInteger(body: Body, name: string, min: number): number | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalid(name, `${name} must be an integer of at least ${min}.`)
  }
  return value
}

function readBoolean(body: Body, name: string): boolean | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean') throw invalid(name, `${name} must be a boolean.`)
  return value
}

function refuseUnsupported(
  body: Body,
  names: readonly string[],
  isUsed: (value: unknown) => boolean,
): void {
  for (const name of names) {
    const value = body[name]
    if (value !== undefined && value !== null && isUsed(value)) {
      throw unsupported(name, `${name} is not supported by this server.`)
    }
  }
}

function isTokenArray(value: unknown): value is number[] {
  return (
    Array.isArray(value) && value.every((t) => typeof t === 'number' && Number.isSafeInteger(t))
  )
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function invalid(param: string, message: string): LlmServerError {
  return new LlmServerError('INVALID_PARAMETER', message, { param })
}

function unsupported(param: string, message: string): LlmServerError {
  return new LlmServerError('UNSUPPORTED_PARAMETER', message, { param })
}
