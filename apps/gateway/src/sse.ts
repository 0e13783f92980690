// Server-Sent Events as OpenAI streams them: `data: {chunk}` events separated by blank lines,
// `:` comments, a final `data: [DONE]`. The gateway forwards events byte for byte and reads each
// one on the way for usage, the first token and in-stream errors.

export type SseEvent = {
  /** The event exactly as received, its terminating blank line included. */
  raw: string
  /** The joined `data:` lines; undefined for comment-only events. */
  data: string | undefined
}

// A blank line: two line ends, where CR LF counts as one.
const BOUNDARY = /(?:\r\n|\n|\r(?!\n))(?:\r\n|\n|\r(?!\n))/

/** Splits text (any chunking) into complete events. */
export class SseParser {
  #buffer = ''

  push(text: string): SseEvent[] {
    this.#buffer += text
    const events: SseEvent[] = []
    for (;;) {
      const match = BOUNDARY.exec(this.#buffer)
      if (!match) break
      const end = match.index + match[0].length
      const raw = this.#buffer.slice(0, end)
      this.#buffer = this.#buffer.slice(end)
      events.push({ raw, data: readData(raw.slice(0, match.index)) })
    }
    return events
  }

  /** Whatever is left when the stream ends (an event without its blank line). */
  flush(): SseEvent | undefined {
    if (this.#buffer.trim() === '') return undefined
    const raw = this.#buffer
    this.#buffer = ''
    return { raw, data: readData(raw) }
  }
}

function readData(block: string): string | undefined {
  let data: string | undefined
  for (const line of block.split(/\r\n|\n|\r/)) {
    if (!line.startsWith('data:')) continue
    const value = line.slice(line[5] === ' ' ? 6 : 5)
    data = data === undefined ? value : `${data}\n${value}`
  }
  return data
}

/** Token counts as OpenAI reports them. */
export type Usage = { promptTokens: number; completionTokens: number; totalTokens: number }

/** Reads `usage` from an OpenAI response or chunk object. */
export function readUsage(value: unknown): Usage | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const usage = (value as { usage?: unknown }).usage
  if (typeof usage !== 'object' || usage === null) return undefined
  const u = usage as Record<string, unknown>
  const prompt = typeof u['prompt_tokens'] === 'number' ? u['prompt_tokens'] : 0
  const completion = typeof u['completion_tokens'] === 'number' ? u['completion_tokens'] : 0
  const total = typeof u['total_tokens'] === 'number' ? u['total_tokens'] : prompt + completion
  return { promptTokens: prompt, completionTokens: completion, totalTokens: total }
}

/** What one streamed chunk says. */
export type ChunkInfo = {
  /** `[DONE]`. */
  done: boolean
  /** The chunk carries usage. */
  usage: Usage | undefined
  /** A usage-only chunk (`choices: []`), which the gateway drops when it asked for usage itself. */
  usageOnly: boolean
  /** The chunk carries generated text (or a tool call fragment). */
  hasContent: boolean
  /** An in-stream `{"error": …}` event. */
  error: unknown
}

/** Parses one `data:` payload of an OpenAI stream. */
export function inspectChunk(data: string): ChunkInfo {
  if (data.trim() === '[DONE]')
    return { done: true, usage: undefined, usageOnly: false, hasContent: false, error: undefined }
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return { done: false, usage: undefined, usageOnly: false, hasContent: false, error: undefined }
  }
  const object = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >
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

/** An SSE event carrying an OpenAI-shaped error, as sent after a stream has started. */
export function formatSseError(error: {
  message: string
  type: string
  code: string | null
}): string {
  return `data: ${JSON.stringify({ error: { ...error, param: null } })}\n\ndata: [DONE]\n\n`
}
