import { createParser, type EventSourceMessage } from 'eventsource-parser'

// Server-Sent Events, parsed by eventsource-parser (the WHATWG event-stream rules: any chunking,
// LF, CR or CRLF line ends, multi-line `data:`, comments). Apps that pass a stream on (the
// supplier to its client, the gateway to its client) forward each event re-serialised from its
// fields, so what they forward is exactly what they inspected.

/** One event, or one comment line, of a stream. */
export type SseEvent = {
  /** The event as written onward: its fields (or the comment) and the blank line that ends it. */
  raw: string
  /** The joined `data:` lines; undefined for a comment. */
  data: string | undefined
  /** The `event:` field, if any. */
  event?: string
  /** The `id:` field, if any. */
  id?: string
}

/** Response headers of an event stream that must reach the client token by token. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Proxies such as nginx must pass events through as they come.
  'x-accel-buffering': 'no',
  // Said outright, so that @hono/node-server sends the head and each chunk at once: without it,
  // it reads ahead to size the body, waiting a timer turn (1 ms and more on a busy event loop)
  // whenever the next chunk is not there yet — before the first token goes out.
  'transfer-encoding': 'chunked',
} as const

/** An event's wire form: `event:`, `id:` and one `data:` line per line of data, then a blank line. */
export function formatSseEvent(event: {
  data: string
  event?: string | undefined
  id?: string | undefined
}): string {
  let out = ''
  if (event.event !== undefined) out += `event: ${event.event}\n`
  if (event.id !== undefined) out += `id: ${event.id}\n`
  if (event.data.includes('\n')) for (const line of event.data.split('\n')) out += `data: ${line}\n`
  else out += `data: ${event.data}\n`
  return `${out}\n`
}

/** Splits text, however chunked, into complete events. */
export class SseParser {
  #out: SseEvent[] = []
  readonly #parser = createParser({
    onEvent: (message: EventSourceMessage) => {
      const event: SseEvent = { raw: formatSseEvent(message), data: message.data }
      if (message.event !== undefined) event.event = message.event
      if (message.id !== undefined) event.id = message.id
      this.#out.push(event)
    },
    onComment: (comment: string) => {
      this.#out.push({ raw: `: ${comment}\n\n`, data: undefined })
    },
  })

  /** Feeds text and returns the events it completes, in order. */
  push(text: string): SseEvent[] {
    this.#parser.feed(text)
    return this.#take()
  }

  /** At the end of the stream: the last event if it lacked its blank line. */
  flush(): SseEvent[] {
    // Ends a pending line, then the event (a blank line); harmless when nothing is pending.
    this.#parser.feed('\n\n')
    return this.#take()
  }

  #take(): SseEvent[] {
    if (this.#out.length === 0) return []
    const out = this.#out
    this.#out = []
    return out
  }
}
