import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readServerSentEvents } from '../src/index.js'

function streamOf(parts: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part))
      controller.close()
    },
  })
}

async function events(parts: string[]): Promise<string[]> {
  const out: string[] = []
  for await (const data of readServerSentEvents(streamOf(parts))) out.push(data)
  return out
}

describe('readServerSentEvents', () => {
  it('yields the data of each event', async () => {
    const text = 'data: {"a":1}\n\n: comment\nevent: x\ndata: two\ndata: lines\n\ndata: [DONE]\n\n'
    expect(await events([text])).toEqual(['{"a":1}', 'two\nlines', '[DONE]'])
  })

  it('accepts CRLF and CR line ends and a last event without a blank line', async () => {
    expect(await events(['data: a\r\n\r\ndata: b\r\rdata:c'])).toEqual(['a', 'b', 'c'])
  })

  it('gives the same events for any split of the bytes, multi-byte characters included', async () => {
    const text = 'data: héllo 🌍\r\n\r\ndata: x\n\ndata:y\r\rdata: z\n\n'
    const bytes = new TextEncoder().encode(text)
    const expected = await events([text])
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 })),
        async (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), bytes.length]
          const stream = new ReadableStream<Uint8Array>({
            start(controller) {
              for (let i = 1; i < points.length; i++)
                controller.enqueue(bytes.slice(points[i - 1], points[i]))
              controller.close()
            },
          })
          const out: string[] = []
          for await (const data of readServerSentEvents(stream)) out.push(data)
          expect(out).toEqual(expected)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('cancels the body when the reader stops early', async () => {
    let cancelled = false
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('data: x\n\n'))
      },
      cancel() {
        cancelled = true
      },
    })
    for await (const data of readServerSentEvents(stream)) {
      expect(data).toBe('x')
      break
    }
    expect(cancelled).toBe(true)
  })
})
