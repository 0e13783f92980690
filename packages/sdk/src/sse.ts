import { createParser } from 'eventsource-parser'

/**
 * The `data` of each Server-Sent Event in a body, in order (multi-line data joined with `\n`;
 * comments, `event:` and `id:` fields ignored). Works on any split of the bytes; parsing is
 * eventsource-parser's (the WHATWG event-stream rules).
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<string, void, undefined> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let ready: string[] = []
  const parser = createParser({ onEvent: (event) => ready.push(event.data) })
  let finished = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      finished = done
      // At the end, a blank line completes a last event sent without one.
      parser.feed(done ? `${decoder.decode()}\n\n` : decoder.decode(value, { stream: true }))
      const events = ready
      ready = []
      for (const event of events) yield event
      if (done) return
    }
  } finally {
    // A consumer that stops early (break, error) no longer wants the rest of the body.
    if (!finished) await reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}
