import { exceedsJsonDepth, MAX_JSON_DEPTH } from '@decai/app-kit/json'
import { inspectChunk, readUsage, requestStreamUsage, type Usage } from '@decai/app-kit/openai'
import { SseParser } from '@decai/app-kit/sse'

// Token metering from the backend's own `usage` (OpenAI-compatible servers: vLLM, Ollama,
// llama.cpp, @decai/llm-server). The chain pays per relay today; these counts are the
// off-chain record a per-token tokenomics would settle on.

export type TokenUsage = Usage

const COMPLETION_PATH = /\/(chat\/)?completions\/?$/

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/** The request as forwarded, and whether the supplier asked for usage on the client's behalf. */
export type MeteredRequest = {
  body: Uint8Array
  injectedUsage: boolean
  streaming: boolean
  /**
   * A completion request nested deeper than `MAX_JSON_DEPTH`: not to be forwarded (re-serialising
   * it would overflow the stack, and no model server takes it).
   */
  tooDeep: boolean
}

/**
 * For streamed completions, asks the backend to report usage
 * (`stream_options.include_usage`) when the client did not; the extra usage chunk is then
 * dropped from the answer (see {@link createSseMeter}) so the client gets what it asked for.
 * Any other body is forwarded byte for byte.
 */
export function prepareMeteredRequest(path: string, body: Uint8Array): MeteredRequest {
  const untouched = { body, injectedUsage: false, streaming: false, tooDeep: false }
  if (body.length === 0 || body[0] !== 0x7b /* { */ || !COMPLETION_PATH.test(path)) return untouched
  const text = decoder.decode(body)
  if (exceedsJsonDepth(text, MAX_JSON_DEPTH)) return { ...untouched, tooDeep: true }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return untouched
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return untouched
  if ((json as Record<string, unknown>)['stream'] !== true) return untouched
  const { request, injected } = requestStreamUsage(json as Record<string, unknown>)
  if (!injected) return { body, injectedUsage: false, streaming: true, tooDeep: false }
  const rewritten = encoder.encode(JSON.stringify(request))
  return { body: rewritten, injectedUsage: true, streaming: true, tooDeep: false }
}

/** Usage of a whole (non-streamed) JSON response, if it reports one. */
export function readJsonUsage(body: Uint8Array): TokenUsage | undefined {
  if (body.length === 0 || body[0] !== 0x7b) return undefined
  try {
    return readUsage(JSON.parse(decoder.decode(body)))
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
  /** What is left when the backend ends (an unterminated last event), to forward. */
  flush(): Uint8Array
  /** The last usage an event reported. */
  readonly usage: TokenUsage | undefined
  /** Whether an event was an in-band error (`data: {"error": …}`), as vLLM reports failures. */
  readonly sawError: boolean
}

/**
 * Follows a Server-Sent Events body: forwards whole events, records the last `usage`, and,
 * when the supplier injected `include_usage`, drops the usage-only chunk the client did not ask
 * for.
 */
export function createSseMeter(options: { dropUsageOnlyEvents: boolean }): SseMeter {
  const parser = new SseParser()
  const bytes = new TextDecoder()
  let usage: TokenUsage | undefined
  let sawError = false

  const forward = (events: ReturnType<SseParser['push']>): Uint8Array => {
    if (events.length === 0) return new Uint8Array()
    let out = ''
    for (const event of events) {
      // Only usage and errors matter here: most token chunks are not parsed at all.
      if (event.data?.includes('"usage"') || event.data?.includes('"error"')) {
        const info = inspectChunk(event.data)
        if (info.error !== undefined) sawError = true
        if (info.usage) usage = info.usage
        if (options.dropUsageOnlyEvents && info.usageOnly) continue
      }
      out += event.raw
    }
    return encoder.encode(out)
  }

  return {
    push: (chunk) => forward(parser.push(bytes.decode(chunk, { stream: true }))),
    flush: () => forward([...parser.push(bytes.decode()), ...parser.flush()]),
    get usage() {
      return usage
    },
    get sawError() {
      return sawError
    },
  }
}
