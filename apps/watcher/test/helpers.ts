// Test harness: a devnet with one LLM service, an application delegating to two gateway keys
// (the gateway's and the watcher's), and three real suppliers (apps/supplier) staked for the
// same service and model name: two in front of the real SmolLM2 server, one in front of a
// substitute (the same weights behind a hidden system prompt).
import { mkdtempSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Devnet, defaultAccounts, startDevnet } from '@decai/devnet'
import { type Supplier, startSupplier } from '@decai/supplier'

export const SERVICE_ID = 'llm'
export const MODEL = 'smollm2-135m-instruct'
/** SHA-256 of SmolLM2-135M-Instruct Q4_1, as pinned by scripts/fetch-model.mjs. */
export const MODEL_SHA256 = 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53'
/** The substitute's hidden instruction (close to what a cost-cutting supplier would add). */
export const HIDDEN_SYSTEM_PROMPT =
  'You are a helpful assistant. Answer in as few words as possible.'

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export const tempDir = (prefix = 'decai-watcher-') => mkdtempSync(join(tmpdir(), prefix))

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** What a supplier's backend sees of one request. */
export type SeenRequest = { at: number; headers: string[]; body: string }

/** A backend in front of the real model that records every request it sees (no change). */
export const startRecorder = (target: string, record: (seen: SeenRequest) => void) =>
  startSubstitute(target, null, record)

/**
 * A substitute backend: forwards to the real model, but first puts a hidden system prompt in
 * front of every chat, the way a supplier might steer (or shorten) answers under the same
 * model name. Optionally records what it sees (for the covertness check).
 */
export async function startSubstitute(
  target: string,
  systemPrompt: string | null = HIDDEN_SYSTEM_PROMPT,
  record?: (seen: SeenRequest) => void,
): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req)
      record?.({ at: performance.now(), headers: req.rawHeaders, body: raw.toString('utf8') })
      let body = raw
      try {
        const json = JSON.parse(raw.toString('utf8')) as { messages?: unknown[] }
        if (systemPrompt !== null && Array.isArray(json.messages)) {
          json.messages = [{ role: 'system', content: systemPrompt }, ...json.messages]
          body = Buffer.from(JSON.stringify(json))
        }
      } catch {
        // Not JSON: forwarded as is.
      }
      try {
        const upstream = await fetch(new URL(req.url ?? '/', target), {
          method: req.method ?? 'GET',
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
          ...(req.method === 'POST' ? { body: new Uint8Array(body) } : {}),
        })
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/json',
        })
        const reader = upstream.body?.getReader()
        for (;;) {
          const next = await reader?.read()
          if (!next || next.done) break
          res.write(next.value)
        }
        res.end()
      } catch {
        res.destroy()
      }
    })()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export type StakedSupplier = {
  name: string
  address: string
  backendUrl: string
  supplier: Supplier
}

export type WatchedNetwork = {
  devnet: Devnet
  suppliers: StakedSupplier[]
  gatewayPrivateKey: string
  watcherPrivateKey: string
  stop(): Promise<void>
}

/** The devnet and its suppliers, one per backend URL, all staked for `llm` at genesis. */
export async function startWatchedNetwork(options: {
  backends: string[]
  blockTimeMs?: number
  numBlocksPerSession?: number
  /** Each supplier's token metering (in order; none: per request). */
  tokenMetering?: ({ quantum: number; inputWeight: number; outputWeight: number } | undefined)[]
}): Promise<WatchedNetwork> {
  const names = options.backends.map((_, i) => `supplier${i + 1}`)
  const ports = await Promise.all(options.backends.map(() => freePort()))
  const sessionBlocks = options.numBlocksPerSession ?? 20
  const devnet = await startDevnet({
    port: 0,
    blockTimeMs: options.blockTimeMs ?? 500,
    onError: () => {},
    config: {
      accounts: [
        ...defaultAccounts,
        { name: 'supplier3', index: 10, balance: 1_000_000_000_000n },
        { name: 'watcher', index: 13, balance: 1_000_000_000_000n },
      ],
      params: {
        shared: {
          numBlocksPerSession: String(sessionBlocks),
          gracePeriodEndOffsetBlocks: '1',
          claimWindowOpenOffsetBlocks: '1',
          claimWindowCloseOffsetBlocks: '4',
          proofWindowOpenOffsetBlocks: '0',
          proofWindowCloseOffsetBlocks: '4',
        },
      },
      services: [{ id: SERVICE_ID, name: 'LLM', computeUnitsPerRelay: 1, owner: 'owner' }],
      applications: [
        {
          address: 'application',
          stake: '1000000000',
          serviceId: SERVICE_ID,
          gateways: ['gateway', 'watcher'],
        },
      ],
      gateways: [
        { address: 'gateway', stake: '1000000000' },
        { address: 'watcher', stake: '1000000000' },
      ],
      suppliers: names.map((name, i) => ({
        owner: name,
        stake: '2000000',
        services: [{ serviceId: SERVICE_ID, url: `http://127.0.0.1:${ports[i]}`, rpcType: 'REST' }],
      })),
    },
  })
  const account = (name: string) => devnet.accounts.find((a) => a.name === name)!
  const suppliers: StakedSupplier[] = []
  try {
    for (const [i, backendUrl] of options.backends.entries()) {
      const a = account(names[i]!)
      const supplier = await startSupplier({
        operator: { privateKey: a.privateKey!, address: a.address },
        chain: { rpcUrl: devnet.rpcUrl, gasPrice: '0upokt', pollingInterval: '100ms' },
        listenAddress: `127.0.0.1:${ports[i]}`,
        metricsAddress: false,
        storage: { dir: tempDir('decai-watcher-supplier-') },
        services: [
          {
            id: SERVICE_ID,
            backendUrl,
            timeout: '120s',
            ...(options.tokenMetering?.[i] ? { tokenMetering: options.tokenMetering[i] } : {}),
          },
        ],
        log: { level: 'silent' },
      })
      suppliers.push({ name: names[i]!, address: a.address, backendUrl, supplier })
    }
  } catch (error) {
    await Promise.all(suppliers.map((s) => s.supplier.stop().catch(() => {})))
    await devnet.stop()
    throw error
  }
  return {
    devnet,
    suppliers,
    gatewayPrivateKey: account('gateway').privateKey!,
    watcherPrivateKey: account('watcher').privateKey!,
    async stop() {
      await Promise.all(suppliers.map((s) => s.supplier.stop()))
      await devnet.stop()
    },
  }
}

/**
 * A stub OpenAI-compatible backend (a few fixed tokens, JSON or SSE with usage) that records
 * every request it sees: the covertness test needs what a supplier observes, not a real model.
 */
export async function startRecordingStub(
  record: (seen: SeenRequest) => void,
  /** Time to answer (a model's generation time, so requests overlap as they do in production). */
  answerMs = 0,
): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req)
      record({ at: performance.now(), headers: req.rawHeaders, body: raw.toString('utf8') })
      let body: { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean } }
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' })
        res.end('{"error":{"message":"bad json"}}')
        return
      }
      if (answerMs > 0) await new Promise((r) => setTimeout(r, answerMs))
      if (res.destroyed) return
      const base = { id: 'chatcmpl-stub', created: 0, model: body.model ?? MODEL }
      const usage = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' })
        const message = { role: 'assistant', content: 'tok tok tok' }
        res.end(
          JSON.stringify({
            ...base,
            object: 'chat.completion',
            choices: [{ index: 0, message, finish_reason: 'length' }],
            usage,
          }),
        )
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      const chunk = (choices: unknown[], extra: object = {}) =>
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`
      res.write(
        chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
      )
      for (const content of ['tok', ' tok', ' tok'])
        res.write(chunk([{ index: 0, delta: { content }, finish_reason: null }]))
      res.write(chunk([{ index: 0, delta: {}, finish_reason: 'length' }]))
      if (body.stream_options?.include_usage) res.write(chunk([], { usage }))
      res.end('data: [DONE]\n\n')
    })()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
