// Streaming details against a real supplier: keep-alive comments while the supplier is silent,
// and a connection that breaks mid-answer (a TCP proxy cuts it), which the client must see as an
// OpenAI-style error event after the verified tokens, never as a silently short answer.
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MODEL, metricValue, type Network, startNetwork, startStubBackend } from './helpers.js'

let stub: Awaited<ReturnType<typeof startStubBackend>>
let net: Network
let key: string

beforeAll(async () => {
  stub = await startStubBackend({ tokens: 6 })
  net = await startNetwork({
    suppliers: ['cut'],
    backendUrl: stub.url,
    gateway: { timeouts: { keepAliveMs: 60 } },
  })
  ;({ key } = await net.gateway.createApiKey({ name: 'streaming' }))
})

afterAll(async () => {
  await net?.stop()
  await stub?.stop()
})

async function rawStream(
  extra: Record<string, unknown>,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${net.gateway.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      ...extra,
    }),
  })
  return { status: res.status, text: await res.text() }
}

const contentOf = (text: string) =>
  text
    .split('\n\n')
    .filter((e) => e.startsWith('data: {'))
    .map((e) => JSON.parse(e.slice(6)) as { choices?: { delta?: { content?: string } }[] })
    .map((c) => c.choices?.[0]?.delta?.content ?? '')
    .join('')

describe('streaming', () => {
  it('sends keep-alive comments while the supplier is silent; clients ignore them', async () => {
    const { status, text } = await rawStream({ stub_chunk_delay_ms: 150 })
    expect(status).toBe(200)
    expect(text).toContain(': keep-alive\n\n')
    expect(contentOf(text)).toBe('tok tok tok tok tok tok')
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true)

    const client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: key, maxRetries: 0 })
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stub_chunk_delay_ms: 150,
    } as unknown as OpenAI.Chat.ChatCompletionCreateParamsStreaming)
    let streamed = ''
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? ''
    expect(streamed).toBe('tok tok tok tok tok tok')
  })

  it('reports a connection cut mid-answer as an OpenAI error event after the verified tokens', async () => {
    const cutter = net.suppliers[0]!.cutter!
    // Tokens every 100 ms: the cut comes after the first two or three, before the sixth.
    cutter.cutAfter(250)
    try {
      const { status, text } = await rawStream({ stub_chunk_delay_ms: 100 })
      expect(status).toBe(200)
      const content = contentOf(text)
      expect(content.length).toBeGreaterThan(0)
      expect('tok tok tok tok tok tok'.startsWith(content)).toBe(true)
      expect(content).not.toBe('tok tok tok tok tok tok')
      const events = text.split('\n\n').filter((e) => e.startsWith('data: '))
      expect(events.at(-1)).toBe('data: [DONE]')
      expect(JSON.parse(events.at(-2)!.slice(6))).toEqual({
        error: {
          message: expect.stringContaining('stopped before the end'),
          type: 'server_error',
          code: 'upstream_interrupted',
          param: null,
        },
      })

      // The official client surfaces it as an error, not as a short answer.
      const client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: key, maxRetries: 0 })
      const stream = await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stub_chunk_delay_ms: 100,
      } as unknown as OpenAI.Chat.ChatCompletionCreateParamsStreaming)
      await expect(
        (async () => {
          for await (const _ of stream) {
          }
        })(),
      ).rejects.toThrow(/stopped before the end/)
    } finally {
      cutter.cutAfter(Number.POSITIVE_INFINITY)
    }
    const metrics = await net.gateway.metrics.render()
    expect(metricValue(metrics, 'decai_gateway_stream_errors_total', { reason: 'truncated' })).toBe(
      2,
    )
  })
})
