/**
 * The `data` of each Server-Sent Event in a body, in order (multi-line data joined with `\n`;
 * comments, `event:` and `id:` fields ignored). Works on any split of the bytes.
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<string, void, undefined> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let data: string[] = []
  const line = (text: string): string | undefined => {
    if (text === '') {
      const event = data.length > 0 ? data.join('\n') : undefined
      data = []
      return event
    }
    if (text.startsWith(':')) return undefined
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') data.push(value)
    return undefined
  }
  let finished = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      finished = done
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true })
      let end = buffer.search(/\r\n|\r|\n/)
      while (end !== -1) {
        const newline = buffer.startsWith('\r\n', end) ? 2 : 1
        // A lone trailing \r may be the first half of \r\n: wait for the next chunk.
        if (!done && newline === 1 && buffer[end] === '\r' && end === buffer.length - 1) break
        const event = line(buffer.slice(0, end))
        buffer = buffer.slice(end + newline)
        if (event !== undefined) yield event
        end = buffer.search(/\r\n|\r|\n/)
      }
      if (done) {
        if (buffer !== '') line(buffer)
        const last = line('')
        if (last !== undefined) yield last
        return
      }
    }
  } finally {
    // A consumer that stops early (break, error) no longer wants the rest of the body.
    if (!finished) await reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}
