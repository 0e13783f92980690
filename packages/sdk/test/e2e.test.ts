// End to end with the real supplier (apps/supplier) in front of the real model (SmolLM2-135M on
// llama.cpp): the client reads the session from the devnet, signs relays with the application
// key, verifies the suppliers' signed answers and streams, and fails over from a supplier that is
// down and one that signs with a key that is not its own.

import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generatePrivateKey } from '@decai/crypto'
import { type Devnet, defaultAccounts, startDevnet } from '@decai/devnet'
import { type LlmServer, startLlmServer } from '@decai/llm-server'
import { type Supplier, startSupplier } from '@decai/supplier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ClientEvent, createClient, type SessionSupplier } from '../src/index.js'

const SERVICE_ID = 'llm'
const MODEL = 'smollm2-135m-instruct'
// Staked at genesis: a good supplier, one signing with a foreign key, one with nothing listening.
const KINDS = ['good', 'bad-signature', 'down'] as const

let llm: LlmServer
let devnet: Devnet
let storage: string
const suppliers: { kind: (typeof KINDS)[number]; address: string; running?: Supplier }[] = []

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  await new Promise((r) => server.close(r))
  return port
}

beforeAll(async () => {
  storage = mkdtempSync(join(tmpdir(), 'decai-sdk-e2e-'))
  const ports = await Promise.all(KINDS.map(() => freePort()))
  const names = ['supplier1', 'supplier2', 'supplier3']
  ;[llm, devnet] = await Promise.all([
    startLlmServer({ port: 0, threads: 1, parallel: 2, embeddings: false }),
    startDevnet({
      port: 0,
      blockTimeMs: 500,
      dataDir: ':memory:',
      onError: () => {},
      config: {
        accounts: [...defaultAccounts, { name: 'supplier3', index: 10, balance: 1_000_000_000n }],
        params: { shared: { numBlocksPerSession: '10' } },
        services: [{ id: SERVICE_ID, name: 'LLM', computeUnitsPerRelay: 1, owner: 'owner' }],
        applications: [{ address: 'application', stake: '100000000', serviceId: SERVICE_ID }],
        suppliers: names.map((owner, i) => ({
          owner,
          stake: '2000000',
          services: [
            { serviceId: SERVICE_ID, url: `http://127.0.0.1:${ports[i]}`, rpcType: 'REST' },
          ],
        })),
      },
    }),
  ])
  for (const [i, kind] of KINDS.entries()) {
    const account = devnet.accounts.find((a) => a.name === names[i])!
    const entry: (typeof suppliers)[number] = { kind, address: account.address }
    suppliers.push(entry)
    if (kind === 'down') continue
    entry.running = await startSupplier({
      operator: {
        privateKey:
          kind === 'good' ? account.privateKey! : Buffer.from(generatePrivateKey()).toString('hex'),
        address: account.address,
        ...(kind === 'bad-signature' ? { allowAddressMismatch: true } : {}),
      },
      chain: { rpcUrl: devnet.rpcUrl, gasPrice: '0upokt', pollingInterval: '200ms' },
      listenAddress: `127.0.0.1:${ports[i]}`,
      metricsAddress: false,
      storage: { dir: join(storage, kind) },
      services: [{ id: SERVICE_ID, backendUrl: llm.url, timeout: '60s' }],
      log: { level: 'silent' },
    })
  }
}, 120_000)

afterAll(async () => {
  for (const s of suppliers) await s.running?.stop()
  await devnet?.stop()
  await llm?.stop()
  if (storage) rmSync(storage, { recursive: true, force: true })
})

const good = () => suppliers.find((s) => s.kind === 'good')!
const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }]

function newClient(events: ClientEvent[] = [], goodLast = false) {
  return createClient({
    chain: devnet.rpcUrl,
    key: devnet.accounts.find((a) => a.name === 'application')!.privateKey!,
    service: SERVICE_ID,
    failureCooldownMs: 0,
    onEvent: (e) => events.push(e),
    ...(goodLast
      ? {
          orderSuppliers: (list: readonly SessionSupplier[]) => [
            ...list.filter((s) => s.operatorAddress !== good().address),
            ...list.filter((s) => s.operatorAddress === good().address),
          ],
        }
      : {}),
  })
}

describe('createClient with real suppliers and the real model', () => {
  it('gets a verified completion with usage', async () => {
    const client = newClient()
    const session = await client.getSession()
    expect(session.suppliers).toHaveLength(3)
    // Only the good supplier answers; whichever order, the completion is real.
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages,
      max_tokens: 16,
      temperature: 0,
    })
    expect(completion.object).toBe('chat.completion')
    expect(completion.choices[0]!.message.content!.length).toBeGreaterThan(0)
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0)
  })

  it('streams token by token, each frame verified before it is used', async () => {
    const events: ClientEvent[] = []
    const client = newClient(events)
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Count from one to ten.' }],
      max_tokens: 24,
      // A vLLM and llama-server extension: exactly 24 tokens, whatever the sampled text.
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(stream.response.relay.streamed).toBe(true)
    expect(stream.response.relay.supplierOperatorAddress).toBe(good().address)
    const contents: string[] = []
    let usage: { completion_tokens: number } | null | undefined
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta.content
      if (piece) contents.push(piece)
      if (chunk.usage) usage = chunk.usage
    }
    expect(contents.length).toBeGreaterThan(5)
    expect(usage!.completion_tokens).toBeGreaterThan(5)
    // Failures before the good supplier answered were the broken ones, each with its own code.
    for (const f of stream.response.relay.failures) {
      const kind = suppliers.find((s) => s.address === f.supplierOperatorAddress)!.kind
      expect(f.code).toBe(kind === 'down' ? 'SUPPLIER_UNREACHABLE' : 'RESPONSE_INVALID')
    }
  })

  it('fails over from a supplier that is down and one that signs with a foreign key', async () => {
    const events: ClientEvent[] = []
    const client = newClient(events, true)
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages,
      max_tokens: 8,
    })
    expect(completion.choices[0]!.message.content!.length).toBeGreaterThan(0)
    const codes = events.flatMap((e) => (e.type === 'failover' ? [e.failure.code] : []))
    expect(codes.sort()).toEqual(['RESPONSE_INVALID', 'SUPPLIER_UNREACHABLE'])
  })

  it('is served, and mined, by the supplier', async () => {
    const sessions = good().running!.listSessions()
    expect(sessions.reduce((n, s) => n + s.relaysServed, 0)).toBeGreaterThanOrEqual(3)
    expect(sessions.reduce((n, s) => n + s.relaysMined, 0)).toBeGreaterThanOrEqual(3)
  })
})
