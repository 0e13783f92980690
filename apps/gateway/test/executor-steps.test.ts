// The relay executor's inner steps on their own (src/attempt-verdict.ts, answer-tally.ts,
// client-stream.ts, whole-answer.ts, request-run.ts): verdicts on an attempt's events, what a
// stream forwards and counts, the whole-answer error, the hedge delay and the relay payload.

import { SseParser } from '@decai/app-kit/sse'
import { POKTHTTPRequestSchema, unmarshal } from '@decai/protocol'
import { describe, expect, it } from 'vitest'
import { AnswerTally } from '../src/answer-tally.js'
import { type Attempt, createAttempt, judgeAttemptEvent } from '../src/attempt-verdict.js'
import type { CachedSession } from '../src/chain-view.js'
import { ClientStream } from '../src/client-stream.js'
import { parseGatewayConfig } from '../src/config.js'
import { getHedgeDelay } from '../src/hedge-policy.js'
import { type AttemptEvent, AttemptFailure } from '../src/relay-attempt.js'
import { buildRelayPayload } from '../src/request-run.js'
import { getOverheadMs, upstreamError, wholeAnswerHeaders } from '../src/whole-answer.js'

const END: AttemptEvent = { type: 'end', answerHash: new Uint8Array(32) }

const encode = (s: string) => new TextEncoder().encode(s)
const head = (status: number, contentType: string): AttemptEvent => ({
  type: 'head',
  status,
  headers: { 'content-type': contentType },
})
const data = (s: string): AttemptEvent => ({ type: 'data', bytes: encode(s) })

function attempt(): Attempt {
  const a = createAttempt(
    {
      id: 1,
      supplier: 'pokt1supplier',
      session: {} as CachedSession,
      hedge: false,
      work: 0,
      expectedMs: undefined,
    },
    async function* () {},
  )
  a.next.catch(() => {})
  return a
}

/** Feeds events in order and returns the verdicts. */
function judge(a: Attempt, stream: boolean, events: AttemptEvent[]) {
  return events.map((e) => judgeAttemptEvent(a, e, stream))
}

// An OpenAI stream as llama.cpp sends it: a role-only chunk first, then tokens, usage, [DONE].
const openAiStream = [
  'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n',
  'data: {"choices":[{"index":0,"delta":{"content":"Par"}}]}\n\n',
  'data: {"choices":[{"index":0,"delta":{"content":"is."}}]}\n\n',
  'data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}\n\n',
  'data: [DONE]\n\n',
]

describe('attempt verdicts before the first byte', () => {
  it('a stream wins on its first token, not on a role-only chunk', () => {
    const a = attempt()
    const verdicts = judge(a, true, [
      head(200, 'text/event-stream'),
      data(openAiStream[0]!),
      data(openAiStream[1]!),
    ])
    expect(verdicts).toEqual(['continue', 'continue', 'win'])
    expect(a.held.map((e) => e.raw)).toEqual(openAiStream.slice(0, 2))
    expect(a.ready).toBe(true)
  })

  it('a backend error before any token fails over; so does a retryable status', () => {
    const errored = judge(attempt(), true, [
      head(200, 'text/event-stream'),
      data('data: {"error":{"message":"out of memory"}}\n\n'),
    ])
    expect(errored[1]).toBeInstanceOf(AttemptFailure)
    expect((errored[1] as AttemptFailure).reason).toBe('upstream_status')

    const busy = judge(attempt(), false, [head(503, 'application/json'), data('{}'), END])
    expect((busy[2] as AttemptFailure).message).toBe('The backend answered HTTP 503.')
    // A client error is the answer: passed through, not retried.
    const a = attempt()
    expect(judge(a, false, [head(400, 'application/json'), data('{"error":1}'), END])).toEqual([
      'continue',
      'continue',
      'win',
    ])
    expect(new TextDecoder().decode(a.body[0])).toBe('{"error":1}')
  })

  it('a relay without a head is malformed', () => {
    const [verdict] = judge(attempt(), false, [data('x')])
    expect((verdict as AttemptFailure).reason).toBe('malformed')
    const [end] = judge(attempt(), false, [END])
    expect((end as AttemptFailure).reason).toBe('malformed')
  })

  it('a streamed answer that is not SSE wins on its first bytes', () => {
    const a = attempt()
    expect(judge(a, true, [head(200, 'text/plain'), data('Paris')])).toEqual(['continue', 'win'])
    expect(a.heldBytes).toHaveLength(1)
  })
})

describe('forwarding a stream', () => {
  it('counts tokens and usage, drops the usage-only chunk when asked, and keeps [DONE]', async () => {
    const client = new ClientStream(() => {})
    const tally = new AnswerTally(true)
    const parser = new SseParser()
    for (const chunk of openAiStream) for (const e of parser.push(chunk)) tally.forward(e, client)
    client.close()
    const sent = await new Response(client.stream).text()
    expect(sent).toBe([openAiStream[0], openAiStream[1], openAiStream[2], openAiStream[4]].join(''))
    expect(tally).toMatchObject({ contentChunks: 2, sawDone: true })
    expect(tally.usage).toEqual({ promptTokens: 9, completionTokens: 2, totalTokens: 11 })
    expect(tally.completionTokens).toBe(2)
    expect(tally.firstTokenAt).toBeLessThanOrEqual(tally.lastContentAt!)
  })

  it('a client stream ignores writes once the client has gone', async () => {
    let cancelled = false
    const client = new ClientStream(() => {
      cancelled = true
    })
    client.write(': keep-alive\n\n')
    const reader = client.stream.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(': keep-alive\n\n')
    await reader.cancel()
    expect(cancelled && client.closed).toBe(true)
    client.write('late')
    client.close()
  })
})

describe('whole answers and planning', () => {
  it('passes the backend’s own OpenAI error on, or describes its status', () => {
    const own = encode('{"error":{"message":"model not found","type":"not_found","code":"x"}}')
    expect(upstreamError(404, own)).toEqual({
      message: 'model not found',
      type: 'not_found',
      code: 'x',
    })
    expect(upstreamError(502, encode('<html>'))).toEqual({
      message: 'The backend answered HTTP 502.',
      type: 'server_error',
      code: null,
    })
  })

  it('states the gateway’s own share of the latency only when the supplier answered', () => {
    expect(getOverheadMs(50, { fetchStartedAt: 10, responseAt: 40 })).toBe(20)
    expect(getOverheadMs(50, { fetchStartedAt: 10, responseAt: 0 })).toBeNull()
    expect(wholeAnswerHeaders('application/json', 'pokt1s', 1.234)).toEqual({
      'content-type': 'application/json',
      'x-decai-supplier': 'pokt1s',
      'x-decai-overhead-duration-ms': '1.23',
    })
  })

  it('hedges at a multiple of the typical first token, within the configured bounds', () => {
    const { routing } = parseGatewayConfig({
      chain: { rpcUrl: 'http://127.0.0.1:1' },
      gateway: { privateKey: '11'.repeat(32) },
      models: [{ name: 'm', serviceId: 's' }],
    } as never)
    expect(getHedgeDelay(routing, undefined)).toBe(routing.hedgeDelayMs)
    expect(getHedgeDelay(routing, 200)).toBe(200 * routing.hedgeTtftMultiplier)
    expect(getHedgeDelay(routing, 1)).toBe(routing.minHedgeDelayMs)
    expect(getHedgeDelay(routing, 1e9)).toBe(routing.maxHedgeDelayMs)
  })

  it('the relay payload is the client request as the backend receives it', () => {
    const body = encode('{"model":"m"}')
    const request = unmarshal(
      POKTHTTPRequestSchema,
      buildRelayPayload({ path: '/v1/chat/completions', stream: true, body }),
    )
    expect(request.method).toBe('POST')
    expect(request.url).toBe('/v1/chat/completions')
    expect(request.bodyBz).toEqual(body)
    expect(Object.values(request.header).map((h) => [h.key, h.values])).toContainEqual([
      'Accept',
      ['text/event-stream'],
    ])
  })
})
