// End to end on the devnet with the real model: two real suppliers (apps/supplier) in front of
// SmolLM2-135M, the gateway signing relays for a delegating application, and the official
// `openai` npm client talking to the gateway by base URL and API key only.
import { type LlmServer, startLlmServer } from '@decai/llm-server'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  MODEL,
  metricValue,
  type Network,
  startNetwork,
  waitUntil,
} from './helpers.js'

let llm: LlmServer
let net: Network
let client: OpenAI
let keyId: string

const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }]

beforeAll(async () => {
  llm = await startLlmServer({ port: 0, threads: 1, parallel: 2 })
  net = await startNetwork({ suppliers: ['good', 'good'], backendUrl: llm.url })
  const { key, record } = await net.gateway.createApiKey({ name: 'e2e', rpm: 1000 })
  keyId = record.id
  client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: key, maxRetries: 0 })
})

afterAll(async () => {
  await net?.stop()
  await llm?.stop()
})

/** The same request straight to the backend, for the reference text and usage. */
async function direct(body: Record<string, unknown>) {
  const res = await fetch(`${llm.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return (await res.json()) as OpenAI.Chat.Completions.ChatCompletion
}

describe('the official openai client through the gateway', () => {
  it('lists the model from the chain', async () => {
    const models = await client.models.list()
    expect(models.data.map((m) => m.id)).toContain(MODEL)
    const model = await client.models.retrieve(MODEL)
    expect(model).toMatchObject({ id: MODEL, object: 'model', owned_by: 'llm' })
  })

  it('does a chat completion with real text and the backend’s usage', async () => {
    const body = { model: MODEL, messages, max_tokens: 12, temperature: 0 }
    const completion = await client.chat.completions.create(body)
    const reference = await direct(body)
    const text = completion.choices[0]!.message.content ?? ''
    expect(text.length).toBeGreaterThan(0)
    expect(text).toBe(reference.choices[0]!.message.content)
    expect(completion.usage).toEqual(reference.usage)
    expect(completion.usage!.total_tokens).toBe(
      completion.usage!.prompt_tokens + completion.usage!.completion_tokens,
    )
  })

  it('streams a chat completion chunk by chunk with usage at the end', async () => {
    const body = { model: MODEL, messages, max_tokens: 12, temperature: 0 }
    const stream = await client.chat.completions.create({
      ...body,
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    let chunks = 0
    let usage: OpenAI.CompletionUsage | undefined | null
    for await (const chunk of stream) {
      chunks++
      text += chunk.choices[0]?.delta?.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    const reference = await direct(body)
    expect(text).toBe(reference.choices[0]!.message.content)
    expect(chunks).toBeGreaterThan(3)
    expect(usage).toEqual(reference.usage)
  })

  it('does not send a usage chunk the client did not ask for, but still meters it', async () => {
    const before = await net.gateway.keys.summarize(keyId)
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages,
      max_tokens: 8,
      temperature: 0,
      stream: true,
    })
    let usageChunks = 0
    let text = ''
    for await (const chunk of stream) {
      if (chunk.choices.length === 0) usageChunks++
      text += chunk.choices[0]?.delta?.content ?? ''
    }
    expect(text.length).toBeGreaterThan(0)
    expect(usageChunks).toBe(0)
    await waitUntil(
      async () => (await net.gateway.keys.summarize(keyId)).requests === before.requests + 1,
    )
    const after = await net.gateway.keys.summarize(keyId)
    expect(after.completionTokens - before.completionTokens).toBeGreaterThan(0)
    expect(after.promptTokens - before.promptTokens).toBeGreaterThan(0)
  })

  it('serves legacy completions and embeddings', async () => {
    const completion = await client.completions.create({
      model: MODEL,
      prompt: 'The capital of France is',
      max_tokens: 6,
      temperature: 0,
    })
    expect(completion.choices[0]!.text.length).toBeGreaterThan(0)
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0)
    const embedding = await client.embeddings.create({ model: MODEL, input: 'hello world' })
    expect(embedding.data[0]!.embedding.length).toBeGreaterThan(10)
  })

  it('records usage per key: tokens, relays and latency', async () => {
    const res = await fetch(`${net.gateway.url}/admin/keys/${keyId}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    const info = (await res.json()) as {
      usage: { requests: number; promptTokens: number; completionTokens: number; relays: number }
      spentUsd: number
    }
    expect(info.usage.requests).toBe(5)
    expect(info.usage.relays).toBeGreaterThanOrEqual(info.usage.requests)
    expect(info.usage.completionTokens).toBeGreaterThan(0)
    // Priced at 1 and 2 USD per million prompt/completion tokens in the harness.
    expect(info.spentUsd).toBeCloseTo(
      (info.usage.promptTokens * 1 + info.usage.completionTokens * 2) / 1e6,
      9,
    )
    const usage = (await (
      await fetch(`${net.gateway.url}/admin/keys/${keyId}/usage?limit=3`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
    ).json()) as { data: { latencyMs: number; supplier: string; relays: number }[] }
    expect(usage.data).toHaveLength(3)
    for (const u of usage.data) {
      expect(u.latencyMs).toBeGreaterThan(0)
      expect(net.suppliers.map((s) => s.address)).toContain(u.supplier)
    }
  })

  it('routes to both suppliers, and /metrics has TTFT and TPOT histograms', async () => {
    const text = await (await fetch(`${net.gateway.url}/metrics`)).text()
    for (const s of net.suppliers)
      expect(
        metricValue(text, 'decai_gateway_relays_total', { supplier: s.address, outcome: 'ok' }),
      ).toBeGreaterThan(0)
    expect(metricValue(text, 'decai_gateway_time_to_first_token_seconds_count')).toBeGreaterThan(0)
    expect(metricValue(text, 'decai_gateway_time_per_output_token_seconds_count')).toBeGreaterThan(
      0,
    )
    const health = await fetch(`${net.gateway.url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', applications: 1 })
  })

  it('cancels the generation upstream when the client disconnects', async () => {
    const abortedBefore = metricValue(
      await (await fetch(`${llm.url}/metrics`)).text(),
      'llm_generations_aborted_total',
    )
    const controller = new AbortController()
    const stream = await client.chat.completions.create(
      {
        model: MODEL,
        messages: [{ role: 'user', content: 'Write a long story about a dragon.' }],
        max_tokens: 400,
        stream: true,
      },
      { signal: controller.signal },
    )
    let chunks = 0
    try {
      for await (const _ of stream) if (++chunks === 3) controller.abort()
    } catch {
      // The SDK may end the loop or throw an abort error; either way the client has left.
    }
    expect(chunks).toBe(3)
    await waitUntil(
      async () =>
        metricValue(
          await (await fetch(`${llm.url}/metrics`)).text(),
          'llm_generations_aborted_total',
        ) > abortedBefore,
      10_000,
    )
    const text = await (await fetch(`${net.gateway.url}/metrics`)).text()
    expect(metricValue(text, 'decai_gateway_client_disconnects_total')).toBeGreaterThan(0)
  })
})
