import { POKTHTTPRequestSchema, unmarshal } from '@decai/protocol'
import { describe, expect, it } from 'vitest'
import { buildRelayPayload, prepareUpstreamRequest } from '../src/relay-payload.js'

describe('prepareUpstreamRequest', () => {
  it("replaces the model in place and keeps the client's field order", () => {
    const { request, stripUsage } = prepareUpstreamRequest(
      { messages: [], model: 'alias', max_tokens: 5, temperature: 0 },
      'upstream-model',
      false,
    )
    expect(JSON.stringify(request)).toBe(
      '{"messages":[],"model":"upstream-model","max_tokens":5,"temperature":0}',
    )
    expect(stripUsage).toBe(false)
  })

  it('asks for usage on streams, last, and says whether the client had', () => {
    const injected = prepareUpstreamRequest({ model: 'a', stream: true }, 'b', true)
    expect(JSON.stringify(injected.request)).toBe(
      '{"model":"b","stream":true,"stream_options":{"include_usage":true}}',
    )
    expect(injected.stripUsage).toBe(true)
    const asked = prepareUpstreamRequest(
      { model: 'a', stream: true, stream_options: { include_usage: true } },
      'b',
      true,
    )
    expect(asked.stripUsage).toBe(false)
  })
})

describe('buildRelayPayload', () => {
  it('wraps the body in a POST with the JSON and Accept headers', () => {
    const body = new TextEncoder().encode('{"model":"m"}')
    for (const stream of [true, false]) {
      const http = unmarshal(
        POKTHTTPRequestSchema,
        buildRelayPayload({ path: '/v1/chat/completions', stream, body }),
      )
      expect(http.method).toBe('POST')
      expect(http.url).toBe('/v1/chat/completions')
      expect(new TextDecoder().decode(http.bodyBz)).toBe('{"model":"m"}')
      const headers = Object.fromEntries(Object.values(http.header).map((h) => [h.key, h.values]))
      expect(headers).toEqual({
        'Content-Type': ['application/json'],
        Accept: [stream ? 'text/event-stream' : 'application/json'],
      })
    }
  })
})
