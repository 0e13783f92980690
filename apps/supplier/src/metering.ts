// Token metering from the backend's own `usage` (OpenAI-compatible servers: vLLM, Ollama,
// llama.cpp, @decai/llm-server). The chain pays per relay today; these counts are the
// off-chain record a per-token tokenomics would settle on.

export type TokenUsage = { promptTokens: number; completionTokens: number }

const COMPLETION_PATH = /\/(chat\/)?completions\/?$/
const USAGE = /"usage"\s*:\s*\{/
const ERROR = /^\s*\{\s*"error"\s*:/

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/** The request as forwarded, and whether the supplier asked for usage on the client's behalf. */
export type MeteredRequest = { body: Uint8Array; injectedUsage: boolean; streaming: boolean }

/**
 * For streamed completions, asks the backend to report usage
 * (`stream_options.include_usage`) when the client did not; the extra usage chunk is then
 * dropped from the answer (see {@link createSseMeter}) so the client gets what it asked for.
 * Any other body is forwarded byte for byte.
 */
export function prepareMeteredRequest(path: string, body: Uint8Array): MeteredRequest {
  if (body.length === 0 || body[0] !== 0x7b /* { */ || !COMPLETION_PATH.test(path))
    return { body, injectedUsage: false, streaming: false }
  let json: Record<string, unknown>
  try {
    json = JSON.parse(decoder.decode(body)) as Record<string, unknown>
  } catch {
    return { body, injectedUsage: false, streaming: false }
  }
  if (json === null || typeof json !== 'object' || json['stream'] !== true)
    return { body, injectedUsage: false, streaming: false }
  const options = json['stream_options']
  if (
    options !== null &&
    typeof options === 'object' &&
    (options as Record<string, unknown>)['include_usage'] === true
  )
    return { body, injectedUsage: false, streaming: true }
  json['stream_options'] = {
    ...(options !== null && typeof options === 'object' ? options : {}),
    include_usage: true,
  }
  return { body: encoder.encode(JSON.stringify(json)), injectedUsage: true, streaming: true }
}

function readUsage(value: unknown): TokenUsage | undefined {
  if (value === null || typeof value !== 'object') return undefined
  const { prompt_tokens, completion_tokens } = value as Record<string, unknown>
  if (typeof prompt_tokens !== 'number' && typeof completion_tokens !== 'number') return undefined
  return {
    promptTokens: typeof prompt_tokens === 'number' ? prompt_tokens : 0,
    completionTokens: typeof completion_tokens === 'number' ? completion_tokens : 0,
  }
}

/** Usage of a whole (non-streamed) JSON response, if it reports one. */
export function readJsonUsage(body: Uint8Array): TokenUsage | undefined {
  if (body.length === 0 || body[0] !== 0x7b) return undefined
  try {
    const json = JSON.parse(decoder.decode(body)) as Record<string, unknown>
    return readUsage(json['usage'])
  } catch {
    return undefined
  }
}

export type SseMeter = {
  /**
   * Feeds backend bytes; returns the complete events among them (and before them) to forward,
   * possibly empty. A partial event waits for its end: clients act on whole events only.
   */
  push(chunk: Uint8Array): Uint8Array
  /** What is left when the backend ends (an unterminated last event), to forward as is. */
  flush(): Uint8Array
  /** The last usage an event reported. */
  readonly usage: TokenUsage | undefined
  /** Whether an event was an in-band error (`data: {"error": …}`), as vLLM reports failures. */
  readonly sawError: boolean
}

/** Index just past the end of the last complete event (blank line) in `bytes`, or 0. */
function lastEventEnd(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= 1; i--) {
    if (bytes[i] !== 0x0a) continue
    if (bytes[i - 1] === 0x0a) return i + 1
    if (i >= 3 && bytes[i - 1] === 0x0d && bytes[i - 2] === 0x0a && bytes[i - 3] === 0x0d)
      return i + 1
  }
  return 0
}

/** Splits complete events (text ending with a blank line) into single events. */
function splitEvents(text: string): string[] {
  return text.split(/(?<=\r?\n\r?\n)/)
}

function dataOf(event: string): string {
  let data = ''
  for (const line of event.split(/\r?\n/)) {
    if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(line[5] === ' ' ? 6 : 5)
  }
  return data
}

/**
 * Follows a Server-Sent Events body: forwards whole events, records the last `usage`, and,
 * when the supplier injected `include_usage`, drops the usage-only chunk the client did not ask
 * for.
 */
export function createSseMeter(options: { dropUsageOnlyEvents: boolean }): SseMeter {
  let pending = new Uint8Array()
  let usage: TokenUsage | undefined
  let sawError = false

  const inspect = (events: Uint8Array): Uint8Array => {
    const text = decoder.decode(events)
    if (!USAGE.test(text) && !text.includes('"error"')) return events
    let dropped = false
    const kept: string[] = []
    for (const event of splitEvents(text)) {
      const data = dataOf(event)
      if (ERROR.test(data)) sawError = true
      if (!USAGE.test(data)) {
        kept.push(event)
        continue
      }
      try {
        const json = JSON.parse(data) as Record<string, unknown>
        usage = readUsage(json['usage']) ?? usage
        const choices = json['choices']
        if (options.dropUsageOnlyEvents && Array.isArray(choices) && choices.length === 0) {
          dropped = true
          continue
        }
      } catch {
        // Not JSON: forward it untouched.
      }
      kept.push(event)
    }
    return dropped ? encoder.encode(kept.join('')) : events
  }

  return {
    push(chunk) {
      const bytes = pending.length === 0 ? chunk : concat(pending, chunk)
      const end = lastEventEnd(bytes)
      if (end === 0) {
        pending = bytes.slice()
        return new Uint8Array()
      }
      pending = bytes.slice(end)
      return inspect(bytes.subarray(0, end))
    },
    flush() {
      const rest = pending
      pending = new Uint8Array()
      return rest.length === 0 ? rest : inspect(rest)
    },
    get usage() {
      return usage
    },
    get sawError() {
      return sawError
    },
  }
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
