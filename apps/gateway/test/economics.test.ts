// Gateway economics with the real model: two real suppliers in front of SmolLM2-135M on the
// devnet. A key pays for the prompt a supplier prefilled for it even when the client left
// before the usage chunk (counted with the model's own tokenizer, or estimated for a model
// without one), and a long prompt that is on time for its length is not hedged.
import { ensureModel, type LlmServer, startLlmServer } from '@decai/llm-server'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { estimatePromptTokens } from '../src/prompt-tokens.js'
import {
  ADMIN_TOKEN,
  MODEL,
  metricValue,
  type Network,
  SERVICE_ID,
  startNetwork,
  waitUntil,
} from './helpers.js'

/** The same model, served under a name the gateway has no tokenizer for. */
const ESTIMATED = 'smollm2-estimated'

let llm: LlmServer
let net: Network

beforeAll(async () => {
  llm = await startLlmServer({ port: 0, threads: 1, parallel: 2, embeddings: false })
  net = await startNetwork({
    suppliers: ['good', 'good'],
    backendUrl: llm.url,
    gateway: {
      models: [
        {
          name: MODEL,
          serviceId: SERVICE_ID,
          pricing: { promptPerMillion: 1, completionPerMillion: 2 },
          tokenizer: { gguf: await ensureModel() },
        },
        {
          name: ESTIMATED,
          serviceId: SERVICE_ID,
          upstreamModel: MODEL,
          pricing: { promptPerMillion: 1, completionPerMillion: 2 },
        },
      ],
      // The default hedge at 3 × the expected first token, from 50 ms. (Routing sends a request
      // to the supplier expected soonest, so its delay rests on the lower of two noisy fits:
      // a tighter multiple hedges a prompt that is on time whenever the loaded machine slows.)
      // Exploration off, so that both suppliers are measured by the first requests.
      routing: { explorationRate: 0, minHedgeDelayMs: 50 },
    },
  })
})

afterAll(async () => {
  await net?.stop()
  await llm?.stop()
})

// Each test has its own first words: the backend reuses a cached prefix, and the point is a
// prompt it prefills.
const longText = (title: string, repeat = 45) =>
  `${title}. ${'The quick brown fox jumps over the lazy dog. '.repeat(repeat)}`

/** The prompt tokens the backend itself counts for these messages. */
async function backendPromptTokens(messages: { role: 'user'; content: string }[]) {
  const res = await fetch(`${llm.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages, max_tokens: 1 }),
  })
  return ((await res.json()) as { usage: { prompt_tokens: number } }).usage.prompt_tokens
}

async function keyFigures(id: string) {
  const res = await fetch(`${net.gateway.url}/admin/keys/${id}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  return (await res.json()) as {
    spentUsd: number
    usage: { requests: number; promptTokens: number; completionTokens: number }
    lastMinute: { tokens: number }
  }
}

/** Streams, leaves after `leaveAfter` content chunks (0: before the first token, after 100 ms). */
async function streamAndLeave(
  client: OpenAI,
  model: string,
  messages: { role: 'user'; content: string }[],
  leaveAfter: number,
): Promise<void> {
  const controller = new AbortController()
  // The gateway answers a stream's headers with its first token: leaving before that is
  // leaving during the prefill.
  if (leaveAfter === 0) setTimeout(() => controller.abort(), 100)
  let chunks = 0
  try {
    const stream = await client.chat.completions.create(
      { model, messages, max_tokens: 200, stream: true },
      { signal: controller.signal },
    )
    for await (const chunk of stream)
      if (chunk.choices[0]?.delta?.content && ++chunks === leaveAfter) controller.abort()
  } catch {
    // The client left: the SDK ends the loop or throws an abort error.
  }
}

describe('a key whose client leaves a stream', () => {
  it("is charged the prompt the supplier prefilled, counted with the model's tokenizer", async () => {
    const messages = [{ role: 'user' as const, content: 'Write a long story about a dragon.' }]
    const prompt = await backendPromptTokens(messages)
    const { key, record } = await net.gateway.createApiKey({ name: 'leaver', budgetUsd: 1 })
    const client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: key, maxRetries: 0 })
    await streamAndLeave(client, MODEL, messages, 1)
    await waitUntil(async () => (await keyFigures(record.id)).usage.requests === 1)
    const figures = await keyFigures(record.id)
    expect(figures.usage.promptTokens).toBe(prompt)
    expect(figures.usage.completionTokens).toBeGreaterThanOrEqual(1)
    // The same tokens count against its tokens per minute and its budget.
    expect(figures.lastMinute.tokens).toBe(prompt + figures.usage.completionTokens)
    expect(figures.spentUsd).toBeCloseTo((prompt + 2 * figures.usage.completionTokens) / 1e6, 12)
  })

  it('is charged for a long prompt it left before the first token', async () => {
    const messages = [{ role: 'user' as const, content: longText('Early') }]
    const { key, record } = await net.gateway.createApiKey({ name: 'early-leaver' })
    const client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: key, maxRetries: 0 })
    await streamAndLeave(client, MODEL, messages, 0)
    const prompt = await backendPromptTokens(messages)
    await waitUntil(async () => (await keyFigures(record.id)).usage.requests === 1)
    const figures = await keyFigures(record.id)
    expect(figures.usage).toMatchObject({ promptTokens: prompt, completionTokens: 0 })
    expect(figures.lastMinute.tokens).toBe(prompt)
  })

  it('is charged the documented estimate for a model without a tokenizer', async () => {
    const messages = [{ role: 'user' as const, content: longText('Estimated') }]
    const prompt = await backendPromptTokens(messages)
    const { key, record } = await net.gateway.createApiKey({ name: 'estimated' })
    const client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: key, maxRetries: 0 })
    await streamAndLeave(client, ESTIMATED, messages, 1)
    await waitUntil(async () => (await keyFigures(record.id)).usage.requests === 1)
    const charged = (await keyFigures(record.id)).usage.promptTokens
    expect(charged).toBe(estimatePromptTokens('chat', { messages }))
    // On the high side for English text, within a factor of two.
    expect(charged).toBeGreaterThanOrEqual(prompt)
    expect(charged).toBeLessThan(2 * prompt)
  })
})

describe('a long prompt', () => {
  it('is not hedged when its expected first token says the supplier is on time', async () => {
    const { key, record } = await net.gateway.createApiKey({ name: 'long' })
    const client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: key, maxRetries: 0 })
    // Short chats first: both suppliers measured, a typical first token of a short prompt.
    for (let i = 0; i < 6; i++) {
      const stream = await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: `Name a color (${i}).` }],
        max_tokens: 4,
        stream: true,
      })
      for await (const _ of stream);
    }
    const before = await (await fetch(`${net.gateway.url}/metrics`)).text()
    const hedgesBefore = metricValue(before, 'decai_gateway_hedges_total')
    const started = performance.now()
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: longText('Long', 90) }],
      max_tokens: 4,
      stream: true,
    })
    for await (const _ of stream);
    const elapsed = performance.now() - started
    const after = await (await fetch(`${net.gateway.url}/metrics`)).text()
    // The former rule (3 × the service's typical first token, here a short chat's) would
    // have hedged it.
    const typical = net.gateway.router.typicalTtftMs(SERVICE_ID)!
    expect(elapsed).toBeGreaterThan(3 * typical)
    expect(metricValue(after, 'decai_gateway_hedges_total')).toBe(hedgesBefore)
    const res = await fetch(`${net.gateway.url}/admin/keys/${record.id}/usage?limit=1`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    const { data } = (await res.json()) as { data: { relays: number; promptTokens: number }[] }
    expect(data[0]).toMatchObject({ relays: 1 })
    expect(data[0]!.promptTokens).toBeGreaterThan(900)
  })
})
