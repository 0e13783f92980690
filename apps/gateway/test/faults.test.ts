// Fault tolerance on the devnet with the real model. Four suppliers are staked for the service:
// one good, one down (staked, nothing listening), one slow (its backend holds every answer for
// seconds, so its first token is late) and one returning bad signatures (a real supplier whose
// signing key is not its on-chain key). The client must see no error at all, and /metrics must
// say what happened to each faulty supplier.
import { type LlmServer, startLlmServer } from '@decai/llm-server'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, MODEL, metricValue, type Network, startNetwork } from './helpers.js'

let llm: LlmServer
let net: Network
let client: OpenAI

beforeAll(async () => {
  llm = await startLlmServer({ port: 0, threads: 1, parallel: 2, embeddings: false })
  net = await startNetwork({
    suppliers: ['good', 'down', 'slow', 'bad-signature'],
    backendUrl: llm.url,
    slowMs: 5000,
    // No exploration: the test controls which suppliers are fresh. No hedge budget either:
    // hedges to the down and lying suppliers fail, and each spends budget as any hedge does,
    // while this test watches every supplier's faults (hedging.test.ts covers the budget).
    gateway: {
      routing: { explorationRate: 0, hedgeDelayMs: 1000, hedgeBudget: 1, hedgeBurst: 10 },
    },
  })
  const { key } = await net.gateway.createApiKey({ name: 'faults' })
  client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: key, maxRetries: 0 })
})

afterAll(async () => {
  await net?.stop()
  await llm?.stop()
})

const body = {
  model: MODEL,
  messages: [{ role: 'user' as const, content: 'Name a color.' }],
  max_tokens: 6,
  temperature: 0,
}

async function streamText(): Promise<string> {
  const stream = await client.chat.completions.create({ ...body, stream: true })
  let text = ''
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
  return text
}

describe('a session with a down, a slow and a lying supplier', () => {
  it('answers every request, streamed or not, without an error', async () => {
    // Every supplier is fresh at first, so the router tries each faulty one early.
    for (let i = 0; i < 10; i++) {
      if (i % 2 === 0) {
        const completion = await client.chat.completions.create(body)
        expect(completion.choices[0]!.message.content!.length).toBeGreaterThan(0)
        expect(completion.usage!.completion_tokens).toBeGreaterThan(0)
      } else expect((await streamText()).length).toBeGreaterThan(0)
    }
  })

  it('shows in /metrics why each faulty supplier was avoided', async () => {
    const text = await (await fetch(`${net.gateway.url}/metrics`)).text()
    const errors = (kind: Parameters<Network['addressOf']>[0], reason: string) =>
      metricValue(text, 'decai_gateway_supplier_errors_total', {
        supplier: net.addressOf(kind),
        reason,
      })
    expect(errors('down', 'connect')).toBeGreaterThan(0)
    expect(errors('bad-signature', 'bad_signature')).toBeGreaterThan(0)
    // The lying supplier is benched at once; the dead one after its failures.
    expect(
      metricValue(text, 'decai_gateway_supplier_cooldowns_total', {
        supplier: net.addressOf('bad-signature'),
        reason: 'bad_signature',
      }),
    ).toBe(1)
    // The slow one lost the race to a hedge: its first token was late.
    expect(
      metricValue(text, 'decai_gateway_relays_total', {
        supplier: net.addressOf('slow'),
        outcome: 'hedge_lost',
      }),
    ).toBeGreaterThan(0)
    expect(metricValue(text, 'decai_gateway_hedges_total', { won: 'hedge' })).toBeGreaterThan(0)
    expect(metricValue(text, 'decai_gateway_retries_total')).toBeGreaterThan(0)
    // Nothing a faulty supplier sent reached a client.
    for (const kind of ['down', 'bad-signature'] as const)
      expect(
        metricValue(text, 'decai_gateway_relays_total', {
          supplier: net.addressOf(kind),
          outcome: 'ok',
        }),
      ).toBe(0)
    expect(metricValue(text, 'decai_gateway_requests_total', { status: '200' })).toBe(10)
  })

  it('ranks the good supplier first and reports the others in the admin API', async () => {
    const res = await fetch(`${net.gateway.url}/admin/suppliers`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    const { data } = (await res.json()) as {
      data: { supplier: string; state: string; score: number; lastError: string | null }[]
    }
    const by = (kind: Parameters<Network['addressOf']>[0]) =>
      data.find((s) => s.supplier === net.addressOf(kind))!
    expect(by('bad-signature')).toMatchObject({ state: 'cooldown', lastError: 'bad_signature' })
    expect(by('down').lastError).toBe('connect')
    for (const kind of ['down', 'slow', 'bad-signature'] as const)
      expect(by('good').score).toBeGreaterThan(by(kind).score)
    // With the faults known, the good supplier answers.
    for (let i = 0; i < 2; i++) {
      const { response } = await client.chat.completions.create(body).withResponse()
      expect(response.headers.get('x-decai-supplier')).toBe(net.addressOf('good'))
    }
  })
})
