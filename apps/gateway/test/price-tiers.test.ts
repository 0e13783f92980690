// Time per output token in routing and price tiers by latency, on the devnet with real
// suppliers in front of stub backends whose timing differs for real: `quick` answers its first
// token at once and then decodes slowly (60 ms per token), `steady` prefills for about 1.2 s and
// then decodes fast (1 ms per token, plus the relay's signature per frame). A long answer (max_tokens) goes to `steady`, a short one
// to `quick`; a tier that asks for fast decode is served by `steady` alone and billed at its
// multiplier; a tier nobody meets is a 503 in OpenAI's shape, or falls back when it may.
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  MODEL,
  type Network,
  SERVICE_ID,
  startNetwork,
  startStubBackend,
  waitUntil,
} from './helpers.js'

const TOKENS = 12
const PROMPT = 'Tell me about tiers, please, in a few words of plain English.'
const stops: (() => Promise<void>)[] = []
let net: Network
let quick: string
let steady: string

beforeAll(async () => {
  const backends = [
    await startStubBackend({ tokens: TOKENS, chunkDelayMs: 60 }),
    await startStubBackend({ tokens: TOKENS, chunkDelayMs: 1, prefillMsPerChar: 20 }),
  ]
  for (const b of backends) stops.push(() => b.stop())
  net = await startNetwork({
    suppliers: ['good', 'good'],
    backendUrl: backends[0]!.url,
    backendUrls: backends.map((b) => b.url),
    gateway: {
      // No hedges, no exploration: where the relay goes is what this test is about.
      routing: { explorationRate: 0, hedge: false },
      models: [
        {
          name: MODEL,
          serviceId: SERVICE_ID,
          pricing: { promptPerMillion: 1, completionPerMillion: 2 },
          tiers: [
            { name: 'fast-decode', maxTpotMs: 35, priceMultiplier: 2 },
            { name: 'instant', maxTtftMs: 1, maxTpotMs: 1, priceMultiplier: 5 },
            { name: 'instant-or-any', maxTtftMs: 1, priceMultiplier: 5, fallback: true },
          ],
        },
      ],
    },
  })
  stops.push(() => net.stop())
  quick = net.suppliers[0]!.address
  steady = net.suppliers[1]!.address
}, 120_000)

afterAll(async () => {
  for (const stop of stops.reverse()) await stop()
})

/** A streamed chat read to its end: status, the supplier that answered and the body. */
async function chat(key: string, model: string, extra: Record<string, unknown> = {}) {
  const res = await fetch(`${net.gateway.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      messages: [{ role: 'user', content: PROMPT }],
      stream: true,
      ...extra,
    }),
  })
  return {
    status: res.status,
    supplier: res.headers.get('x-decai-supplier'),
    body: await res.text(),
  }
}

async function spentUsd(id: string): Promise<number> {
  const res = await fetch(`${net.gateway.url}/admin/keys/${id}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  return ((await res.json()) as { spentUsd: number }).spentUsd
}

/** A fresh key, one request with it, and what it was charged once recorded. */
async function charged(model: string) {
  const { key, record } = await net.gateway.createApiKey({ name: model })
  const answer = await chat(key, model)
  expect(answer.status).toBe(200)
  await waitUntil(async () => (await spentUsd(record.id)) > 0)
  return { supplier: answer.supplier, usd: await spentUsd(record.id) }
}

describe('TPOT in routing and price tiers', () => {
  it('measures both suppliers, then routes long answers by TTFT + max_tokens × TPOT', async () => {
    const { key } = await net.gateway.createApiKey({ name: 'warm-up' })
    const measured = () =>
      net.gateway.router
        .snapshot()
        .filter((s) => s.samples >= 2 && s.tpotMs !== null && s.serviceId === SERVICE_ID)
    for (let i = 0; i < 12 && measured().length < 2; i++)
      expect((await chat(key, MODEL)).status).toBe(200)
    const tpot = Object.fromEntries(measured().map((s) => [s.supplier, s.tpotMs!]))
    expect(Object.keys(tpot).sort()).toEqual([quick, steady].sort())
    expect(tpot[quick]).toBeGreaterThan(50)
    expect(tpot[steady]).toBeLessThan(35)

    // A short answer: quick's first token is ~1.2 s sooner, beyond the tie band.
    for (let i = 0; i < 3; i++) expect((await chat(key, MODEL)).supplier).toBe(quick)
    expect((await chat(key, MODEL, { max_tokens: 4 })).supplier).toBe(quick)
    // A long one: 500 tokens take ~30 s of decode at quick, a few seconds at steady.
    for (let i = 0; i < 3; i++)
      expect((await chat(key, MODEL, { max_tokens: 500 })).supplier).toBe(steady)
  }, 60_000)

  it('serves a tier only within its limits and bills its multiplier', async () => {
    const base = await charged(MODEL)
    expect(base.supplier).toBe(quick)
    // 5 prompt + 12 completion tokens at 1 and 2 USD per million.
    expect(base.usd).toBeCloseTo(29e-6, 12)
    const tiered = await charged(`${MODEL}@fast-decode`)
    expect(tiered.supplier).toBe(steady)
    expect(tiered.usd).toBeCloseTo(2 * base.usd, 12)
    // A tier that may fall back: served by the best supplier, at the model's own price.
    const fellBack = await charged(`${MODEL}@instant-or-any`)
    expect(fellBack.supplier).toBe(quick)
    expect(fellBack.usd).toBeCloseTo(base.usd, 12)
  }, 60_000)

  it("refuses a tier nobody meets with a 503 in OpenAI's shape, an unknown tier with a 404", async () => {
    const { key, record } = await net.gateway.createApiKey({ name: 'refused' })
    const client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: key, maxRetries: 0 })
    // The tiers are listed with their model, under their `model@tier` ids.
    const listed = (await client.models.list()).data.find((m) => m.id === MODEL) as unknown as {
      tiers: { id: string; max_tpot_ms: number | null; price_multiplier: number }[]
    }
    expect(listed.tiers.map((t) => t.id)).toEqual([
      `${MODEL}@fast-decode`,
      `${MODEL}@instant`,
      `${MODEL}@instant-or-any`,
    ])
    expect(listed.tiers[0]).toMatchObject({ max_tpot_ms: 35, price_multiplier: 2 })
    const refused = await client.chat.completions
      .create({ model: `${MODEL}@instant`, messages: [{ role: 'user', content: PROMPT }] })
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(OpenAI.APIError)
    expect(refused).toMatchObject({ status: 503, code: 'tier_unavailable', type: 'server_error' })
    const unknown = await chat(key, `${MODEL}@nope`)
    expect(unknown.status).toBe(404)
    expect(JSON.parse(unknown.body)).toMatchObject({ error: { code: 'model_not_found' } })
    // Nothing was charged for either.
    expect(await spentUsd(record.id)).toBe(0)
  })
})
