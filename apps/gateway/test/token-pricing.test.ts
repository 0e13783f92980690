// Per-token pricing tied to the chain: a token-metered service (Q = 100, w_in = 1, w_out = 4)
// in front of the real SmolLM2-135M. A key pays the quanta its answer is worth at the configured
// per-quantum price plus margin, and the supplier claims the same quanta on the devnet: what the
// keys paid, divided by the price of one quantum, is what the chain settled.
import { createChainClient } from '@decai/chain'
import { type LlmServer, startLlmServer } from '@decai/llm-server'
import { countQuanta } from '@decai/session'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, MODEL, type Network, SERVICE_ID, startNetwork, waitUntil } from './helpers.js'

const METERING = { quantum: 100, inputWeight: 1, outputWeight: 4 }
const PER_QUANTUM = 0.0001
const MARGIN = 0.25

let llm: LlmServer
let net: Network

beforeAll(async () => {
  llm = await startLlmServer({ port: 0, threads: 1, parallel: 1, embeddings: false })
  net = await startNetwork({
    suppliers: ['good'],
    backendUrl: llm.url,
    numBlocksPerSession: 10,
    blockTimeMs: 1000,
    supplier: {
      services: [{ id: SERVICE_ID, backendUrl: llm.url, timeout: '60s', tokenMetering: METERING }],
    },
    gateway: {
      models: [
        {
          name: MODEL,
          serviceId: SERVICE_ID,
          tokenMetering: METERING,
          pricing: { perQuantum: PER_QUANTUM, margin: MARGIN },
        },
      ],
    },
  })
}, 120_000)

afterAll(async () => {
  await net?.stop()
  await llm?.stop()
})

async function spentUsd(id: string): Promise<number> {
  const res = await fetch(`${net.gateway.url}/admin/keys/${id}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  return ((await res.json()) as { spentUsd: number }).spentUsd
}

async function ask(content: string, maxTokens: number) {
  const { key, record } = await net.gateway.createApiKey({ name: content.slice(0, 16) })
  const client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: key, maxRetries: 0 })
  const completion = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content }],
    max_tokens: maxTokens,
    temperature: 0,
  })
  const usage = completion.usage!
  const quanta = countQuanta(
    { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens },
    METERING,
  )
  await waitUntil(async () => (await spentUsd(record.id)) > 0)
  return { quanta, usage, spent: await spentUsd(record.id) }
}

describe('pricing from the service’s token weights', () => {
  it('charges keys per quantum, in proportion to what the chain settles', async () => {
    const short = await ask('Say hi.', 4)
    const long = await ask('Write a long story about a dragon who learns to cook.', 120)
    // Real answers: the long one runs to many completion tokens, the short one to at most 4.
    expect(long.usage.completion_tokens).toBeGreaterThan(60)
    expect(short.quanta).toBe(1)
    expect(long.quanta).toBeGreaterThan(4)
    const usdPerQuantum = PER_QUANTUM * (1 + MARGIN)
    expect(short.spent).toBeCloseTo(short.quanta * usdPerQuantum, 15)
    expect(long.spent).toBeCloseTo(long.quanta * usdPerQuantum, 15)

    // The supplier mines the same quanta; the chain settles them (base difficulty: every
    // quantum is mined).
    const client = createChainClient({ rpcUrl: net.devnet.rpcUrl })
    const supplier = net.suppliers[0]!.address
    let settled: Awaited<ReturnType<typeof client.getClaimSettlements>> = []
    await waitUntil(async () => {
      settled = (
        await client.getClaimSettlements({ fromHeight: 1n, serviceId: SERVICE_ID })
      ).filter((s) => s.supplierOperatorAddress === supplier && s.status === 'settled')
      const relays = settled.reduce((sum, s) => sum + Number(s.numRelays), 0)
      return relays >= short.quanta + long.quanta
    }, 120_000).catch(async (error: Error) => {
      const metrics = (await net.suppliers[0]!.supplier!.renderMetrics())
        .split('\n')
        .filter(
          (l) => l.startsWith('supplier_relays_not_mined') || l.startsWith('supplier_relays_mined'),
        )
      const sessions = net.suppliers[0]!.supplier!.listSessions()
      const states = sessions.map(
        (s) => `${s.state} ${s.relaysServed}/${s.relaysMined} ${s.error ?? ''}`,
      )
      throw new Error(
        `${error.message}; sessions: ${states.join('; ')}; settled: ${settled.length}; ${metrics.join(' ')}`,
      )
    })
    const relays = settled.reduce((sum, s) => sum + Number(s.numRelays), 0)
    expect(relays).toBe(short.quanta + long.quanta)
    expect((short.spent + long.spent) / usdPerQuantum).toBeCloseTo(relays, 9)
  }, 200_000)
})
