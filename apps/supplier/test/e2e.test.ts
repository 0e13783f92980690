// End to end on the devnet with the real model: an application signs relays, the supplier
// streams real completions from SmolLM2 (llama.cpp), mines them, claims, proves, and the claim
// settles on chain with the supplier paid.
import type { Devnet } from '@decai/devnet'
import { type LlmServer, startLlmServer } from '@decai/llm-server'
import { getRelayHash, getRootCount, getRootSum } from '@decai/relay-mining'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Supplier, startSupplier } from '../src/index.js'
import {
  AppClient,
  chatBody,
  driveUntil,
  SERVICE_ID,
  sseChunks,
  startChain,
  supplierConfig,
} from './helpers.js'

let devnet: Devnet
let llm: LlmServer
let supplier: Supplier
let app: AppClient

beforeAll(async () => {
  ;[devnet, llm] = await Promise.all([
    startChain(),
    startLlmServer({ port: 0, threads: 1, parallel: 2, embeddings: false }),
  ])
  await devnet.produceBlock()
  supplier = await startSupplier(supplierConfig(devnet, llm.url))
  app = AppClient.for(devnet, supplier)
})

afterAll(async () => {
  await supplier?.stop()
  await Promise.all([llm?.stop(), devnet?.stop()])
})

describe('relays served by the real model', () => {
  const answered: Uint8Array[] = []

  it('answers a relay with a signed response carrying a real completion and its usage', async () => {
    const request = await app.signRelay({
      path: '/v1/chat/completions',
      body: chatBody('What is the capital of France?'),
    })
    const result = await app.send(supplier.url, request)
    if (!result.ok) throw new Error(result.minerError.message)
    expect(result.status).toBe(200)
    const completion = JSON.parse(result.body) as {
      choices: { message: { content: string } }[]
      usage: { prompt_tokens: number; completion_tokens: number }
    }
    expect(completion.choices[0]!.message.content.length).toBeGreaterThan(0)
    expect(completion.usage.completion_tokens).toBeGreaterThan(0)
    answered.push(result.relay)
  })

  it('streams a completion frame by frame, the first token well before the last', async () => {
    const request = await app.signRelay({
      path: '/v1/chat/completions',
      body: chatBody('Count from one to ten.', { stream: true, max_tokens: 24 }),
    })
    const times: number[] = []
    const result = await app.stream(supplier.url, request, (part, at) => {
      if (part.kind === 'data') times.push(at)
    })
    expect(result.streamed).toBe(true)
    expect(result.error).toBeUndefined()
    expect(result.parts[0]!.kind).toBe('head')
    expect(result.parts.at(-1)!.kind).toBe('end')
    // One frame per token event: the answer arrives as it is generated.
    expect(times.length).toBeGreaterThan(5)
    expect(times.at(-1)! - times[0]!).toBeGreaterThan(20)
    const chunks = sseChunks(result.text)
    const content = chunks
      .map((c) => (c['choices'] as { delta?: { content?: string } }[])[0]?.delta?.content ?? '')
      .join('')
    expect(content.length).toBeGreaterThan(0)
    // The client did not ask for usage: the chunk the supplier asked for on its behalf is gone.
    expect(chunks.every((c) => (c['choices'] as unknown[]).length > 0)).toBe(true)
    answered.push(result.relay!)
  })

  it('meters prompt and completion tokens per session', async () => {
    const header = await app.session()
    const record = supplier.getSession(header.sessionId)!
    expect(record.relaysServed).toBe(2)
    expect(record.relaysMined).toBe(2)
    expect(record.promptTokens).toBeGreaterThan(10)
    expect(record.completionTokens).toBeGreaterThan(8)
    const usage = (await (await fetch(`${supplier.metricsUrl}/usage`)).json()) as unknown[]
    expect(usage).toEqual([
      {
        applicationAddress: app.app.address,
        serviceId: SERVICE_ID,
        sessions: 1,
        relaysServed: 2,
        relaysMined: 2,
        promptTokens: record.promptTokens,
        completionTokens: record.completionTokens,
      },
    ])
    const metrics = await (await fetch(`${supplier.metricsUrl}/metrics`)).text()
    expect(metrics).toMatch(/supplier_tokens_total\{service="llm",kind="completion"\} \d+/)
    expect(metrics).toMatch(/supplier_relays_mined_total\{service="llm"\} 2/)
  })

  it('claims the session, proves it, and the claim settles with the supplier paid', async () => {
    const header = await app.session()
    const sessionId = header.sessionId
    const chain = app.client
    const before = await chain.getBalance({ address: supplier.operatorAddress })

    await driveUntil(devnet, () => supplier.getSession(sessionId)?.state === 'claimed', {
      suppliers: [supplier],
    })
    const record = supplier.getSession(sessionId)!
    const claim = await chain.getClaim({
      sessionId,
      supplierOperatorAddress: supplier.operatorAddress,
    })
    expect(claim.rootHash).toEqual(record.rootHash)
    expect(getRootCount(claim.rootHash)).toBe(2n)
    expect(getRootSum(claim.rootHash)).toBe(20n)

    // Every answered relay is a leaf of the claimed trie, byte for byte.
    for (const relay of answered)
      expect(supplier.getMinedRelay(sessionId, getRelayHash(relay))).toEqual(relay)

    await driveUntil(devnet, () => supplier.getSession(sessionId)?.state === 'proved', {
      suppliers: [supplier],
    })
    const proved = supplier.getSession(sessionId)!
    expect(proved.proofRequirement).toBe('THRESHOLD')
    expect(proved.proofTxHash).toMatch(/^[0-9A-F]{64}$/)

    await driveUntil(devnet, () => supplier.getSession(sessionId)?.state === 'settled', {
      suppliers: [supplier],
    })
    const settled = supplier.getSession(sessionId)!
    expect(settled.settledUpokt).toBeGreaterThan(0n)
    const settlements = await chain.getClaimSettlements({ fromHeight: 1n })
    const mine = settlements.find((s) => s.sessionId === sessionId)!
    expect(mine).toMatchObject({ status: 'settled', numRelays: 2n, serviceId: SERVICE_ID })
    expect(mine.settledUpokt).toBe(settled.settledUpokt)
    const after = await chain.getBalance({ address: supplier.operatorAddress })
    expect(after).toBeGreaterThan(before)
  })
})
