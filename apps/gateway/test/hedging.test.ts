// Hedging that pays for itself, on the devnet with real suppliers in front of slow stub
// backends: the hedge budget caps hedges whatever the delays say, and a hedge sent after the
// request's session ended goes to the session the chain is in, never to the ended one.
import OpenAI from 'openai'
import { afterAll, describe, expect, it } from 'vitest'
import {
  MODEL,
  metricValue,
  type Network,
  startNetwork,
  startStubBackend,
  waitUntil,
} from './helpers.js'

const body = { model: MODEL, messages: [{ role: 'user' as const, content: 'hi' }] }
const stops: (() => Promise<void>)[] = []

afterAll(async () => {
  for (const stop of stops.reverse()) await stop()
})

async function metrics(net: Network): Promise<string> {
  return (await fetch(`${net.gateway.url}/metrics`)).text()
}

describe('the hedge budget', () => {
  it('caps hedges at the configured share of relays, plus the burst', async () => {
    const stub = await startStubBackend({ tokens: 3 })
    stops.push(() => stub.stop())
    // Both suppliers hold every answer 300 ms, and a hedge is due after 50 ms: without a
    // budget every request is hedged.
    const net = await startNetwork({
      suppliers: ['slow', 'slow'],
      backendUrl: stub.url,
      slowMs: 300,
      gateway: {
        routing: {
          explorationRate: 0,
          hedgePolicy: 'typical-ttft',
          hedgeDelayMs: 50,
          minHedgeDelayMs: 50,
          maxHedgeDelayMs: 50,
          hedgeBudget: 0.1,
          hedgeBurst: 1,
        },
      },
    })
    stops.push(() => net.stop())
    const { key } = await net.gateway.createApiKey({ name: 'budget' })
    const client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: key, maxRetries: 0 })
    const requests = 20
    for (let i = 0; i < requests; i++) {
      const completion = await client.chat.completions.create(body)
      expect(completion.usage?.completion_tokens).toBe(3)
    }
    const text = await metrics(net)
    const sent = metricValue(text, 'decai_gateway_hedges_sent_total')
    expect(sent).toBeGreaterThanOrEqual(1)
    expect(sent).toBeLessThanOrEqual(1 + 0.1 * requests)
    expect(metricValue(text, 'decai_gateway_hedges_skipped_total', { reason: 'budget' })).toBe(
      requests - sent,
    )
    expect(metricValue(text, 'decai_gateway_relays_total')).toBe(requests + sent)
    // Each lost hedge wasted one prompt's prefill, counted for the gateway, not the key.
    const lost = metricValue(text, 'decai_gateway_relays_total', { outcome: 'hedge_lost' })
    expect(lost).toBeGreaterThanOrEqual(1)
    expect(metricValue(text, 'decai_gateway_hedge_wasted_tokens_total')).toBeGreaterThan(0)
  })
})

describe('a hedge after the session ended', () => {
  it('goes to the current session, so no supplier rejects it', async () => {
    const stub = await startStubBackend({ tokens: 3 })
    stops.push(() => stub.stop())
    // Four-block sessions of 1.2 s; the suppliers hold every answer 3 s and the hedge goes out
    // after 2 s, when the request's session is past its grace period.
    const net = await startNetwork({
      suppliers: ['slow', 'slow'],
      backendUrl: stub.url,
      slowMs: 3000,
      blockTimeMs: 300,
      numBlocksPerSession: 4,
      gracePeriodEndOffsetBlocks: 1,
      gateway: { routing: { explorationRate: 0, hedgeDelayMs: 2000, minHedgeDelayMs: 2000 } },
    })
    stops.push(() => net.stop())
    const { key } = await net.gateway.createApiKey({ name: 'ended' })
    const client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: key, maxRetries: 0 })
    // Start right after a boundary, so the first relay is not the one near a boundary.
    await waitUntil(() => (net.gateway.chain.height - 1n) % 4n === 1n)
    const started = net.gateway.chain.height
    const completion = await client.chat.completions.create(body)
    expect(completion.usage?.completion_tokens).toBe(3)
    expect(net.gateway.chain.height - started).toBeGreaterThanOrEqual(6n)
    const text = await metrics(net)
    expect(metricValue(text, 'decai_gateway_hedges_sent_total')).toBe(1)
    expect(metricValue(text, 'decai_gateway_supplier_errors_total', { reason: 'session' })).toBe(0)
    expect(metricValue(text, 'decai_gateway_session_fallbacks_total')).toBe(0)
    expect(metricValue(text, 'decai_gateway_relays_total', { outcome: 'failed' })).toBe(0)
  })
})
