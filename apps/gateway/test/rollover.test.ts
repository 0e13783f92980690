// Session rollover: requests run back to back, streamed and not, while sessions of four blocks
// roll over every second. None may fail at a boundary (PATH's known pain point): the gateway
// fetches each session as soon as its first block exists, keeps the ended one through its grace
// period, and re-sends with the neighbouring session when a supplier disagrees by a block.
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../src/index.js'
import { MODEL, metricValue, type Network, startNetwork, startStubBackend } from './helpers.js'

let stub: Awaited<ReturnType<typeof startStubBackend>>
let net: Network
let client: OpenAI

beforeAll(async () => {
  stub = await startStubBackend({ tokens: 6, chunkDelayMs: 20 })
  net = await startNetwork({
    suppliers: ['good', 'good'],
    backendUrl: stub.url,
    blockTimeMs: 250,
    numBlocksPerSession: 4,
    gracePeriodEndOffsetBlocks: 1,
  })
  const { key } = await net.gateway.createApiKey({ name: 'rollover' })
  client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: key, maxRetries: 0 })
})

afterAll(async () => {
  await net?.stop()
  await stub?.stop()
})

/** Runs requests from `workers` concurrent loops for `ms`; returns how many ran and failed. */
async function hammer(client: OpenAI, ms: number, workers = 3) {
  let count = 0
  let failures = 0
  const deadline = Date.now() + ms
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < deadline) {
        try {
          await once(count++, client)
        } catch (error) {
          failures++
          console.error(error)
        }
      }
    }),
  )
  return { count, failures }
}

async function once(i: number, client: OpenAI): Promise<void> {
  const body = { model: MODEL, messages: [{ role: 'user' as const, content: `hi ${i}` }] }
  if (i % 2 === 0) {
    const completion = await client.chat.completions.create(body)
    expect(completion.usage?.completion_tokens).toBe(6)
    return
  }
  const stream = await client.chat.completions.create({ ...body, stream: true })
  let text = ''
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
  expect(text).toBe('tok tok tok tok tok tok')
}

describe('session rollover', () => {
  it('serves every request across many session boundaries', async () => {
    const startHeight = net.devnet.height
    const { count: i, failures } = await hammer(client, 5000)
    const blocks = net.devnet.height - startHeight
    expect(failures).toBe(0)
    expect(i).toBeGreaterThan(40)
    // At least four boundaries were crossed while requests ran.
    expect(blocks).toBeGreaterThanOrEqual(16n)
    const text = await (await fetch(`${net.gateway.url}/metrics`)).text()
    expect(
      metricValue(text, 'decai_gateway_session_fetches_total', { result: 'ok' }),
    ).toBeGreaterThan(5)
    expect(metricValue(text, 'decai_gateway_requests_total', { status: '200' })).toBe(i)
  })

  it('recovers when its own view of the chain lags by sessions', async () => {
    // A second gateway polling every 2 s while blocks come every 250 ms: its height is up to
    // eight blocks (two sessions) old, so suppliers reject its sessions as expired until it
    // re-reads the height and moves on.
    const gatewayKey = net.devnet.accounts.find((a) => a.name === 'gateway')!.privateKey!
    const lagging = await startGateway({
      listen: { port: 0 },
      chain: { rpcUrl: net.devnet.rpcUrl, pollingIntervalMs: 2000, blockTransport: 'polling' },
      gateway: { privateKey: gatewayKey },
      models: [{ name: MODEL, serviceId: 'llm' }],
      store: { path: ':memory:' },
      log: { level: 'silent' },
    })
    try {
      const { key } = await lagging.createApiKey()
      const laggingClient = new OpenAI({ baseURL: lagging.baseUrl, apiKey: key, maxRetries: 0 })
      const { count, failures } = await hammer(laggingClient, 4000, 2)
      expect(failures).toBe(0)
      expect(count).toBeGreaterThan(20)
      const text = await lagging.metrics.render()
      expect(metricValue(text, 'decai_gateway_session_fallbacks_total')).toBeGreaterThan(0)
      expect(
        metricValue(text, 'decai_gateway_supplier_errors_total', { reason: 'session' }),
      ).toBeGreaterThan(0)
      // Session errors are the gateway's lag, not the suppliers' fault.
      for (const s of lagging.router.snapshot()) expect(s.state).toBe('healthy')
    } finally {
      await lagging.stop()
    }
  })
})
