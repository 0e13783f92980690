// Test harness: a devnet with one LLM service, an application delegating to the gateway,
// real suppliers (apps/supplier) in front of a backend, and the gateway itself. Suppliers are
// staked at genesis on ports chosen up front, so they are in the very first session.
import { mkdtempSync } from 'node:fs'
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { type AddressInfo, connect, createServer as createTcpServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from '@decai/app-kit/logger'
import { generatePrivateKey } from '@decai/crypto'
import { type Devnet, type DevnetConfig, defaultAccounts, startDevnet } from '@decai/devnet'
import { type Supplier, type SupplierConfigInput, startSupplier } from '@decai/supplier'
import { type Gateway, type GatewayConfigInput, startGateway } from '../src/index.js'

export const SERVICE_ID = 'llm'
export const MODEL = 'smollm2-135m-instruct'
export const ADMIN_TOKEN = 'test-admin-token-0123456789'

/** A free TCP port on 127.0.0.1 (closed again at once). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export function tempDir(prefix = 'decai-gateway-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/**
 * How a staked supplier behaves:
 * - `good`: a real supplier in front of the backend;
 * - `slow`: a real supplier in front of a proxy that holds each answer for `slowMs`;
 * - `down`: staked on chain, nothing listening;
 * - `bad-signature`: a real supplier signing with a key that is not its on-chain key;
 * - `cut`: a real supplier behind a TCP proxy that can cut connections after some bytes.
 */
export type SupplierKind = 'good' | 'slow' | 'down' | 'bad-signature' | 'cut'

export type NetworkOptions = {
  suppliers: SupplierKind[]
  /** The OpenAI-compatible backend behind good suppliers. */
  backendUrl: string
  /** A backend per supplier instead (in order; `backendUrl` for the rest). */
  backendUrls?: string[]
  slowMs?: number
  /** The suppliers' whole-answer deadline per relay (default 60 s). */
  serviceTimeout?: string
  blockTimeMs?: number
  numBlocksPerSession?: number
  gracePeriodEndOffsetBlocks?: number
  gateway?: Partial<GatewayConfigInput>
  /** A second application (`user1`) delegating to the gateway too. */
  secondApplication?: boolean
  /** Extra devnet config merged in (services, params, rpc). */
  devnet?: Partial<DevnetConfig>
  /** Extra config of every real supplier. */
  supplier?: Partial<SupplierConfigInput>
  /** Where the gateway and the suppliers log (default: nowhere). */
  loggers?: { gateway?: Logger; supplier?: Logger }
}

export type StakedSupplier = {
  kind: SupplierKind
  name: string
  address: string
  url: string
  supplier: Supplier | undefined
  /** For `cut` suppliers: the proxy in front. */
  cutter?: CuttingProxy
}

export type Network = {
  devnet: Devnet
  gateway: Gateway
  suppliers: StakedSupplier[]
  /** Supplier operator address by kind (the first of that kind). */
  addressOf(kind: SupplierKind): string
  stop(): Promise<void>
}

const SUPPLIER_ACCOUNTS = ['supplier1', 'supplier2', 'supplier3', 'supplier4', 'supplier5']

/** The chain and its suppliers, without a gateway (the benchmark runs its own). */
export type SupplierNetwork = Omit<Network, 'gateway'> & {
  /** The devnet account the application delegates to: the gateway's key. */
  gatewayPrivateKey: string
}

export async function startNetwork(options: NetworkOptions): Promise<Network> {
  const network = await startSupplierNetwork(options)
  try {
    const gateway = await startGateway(
      {
        listen: { port: 0 },
        chain: { rpcUrl: network.devnet.rpcUrl, pollingIntervalMs: 100, blockTransport: 'polling' },
        gateway: { privateKey: network.gatewayPrivateKey },
        models: [
          {
            name: MODEL,
            serviceId: SERVICE_ID,
            pricing: { promptPerMillion: 1, completionPerMillion: 2 },
          },
        ],
        store: { path: ':memory:' },
        auth: { adminToken: ADMIN_TOKEN },
        log: { level: 'silent' },
        ...options.gateway,
      },
      options.loggers?.gateway ? { logger: options.loggers.gateway } : {},
    )
    return {
      ...network,
      gateway,
      async stop() {
        await gateway.stop()
        await network.stop()
      },
    }
  } catch (error) {
    await network.stop()
    throw error
  }
}

export async function startSupplierNetwork(options: NetworkOptions): Promise<SupplierNetwork> {
  if (options.suppliers.length > SUPPLIER_ACCOUNTS.length) throw new Error('too many suppliers')
  const ports = await Promise.all(options.suppliers.map(() => freePort()))
  const names = options.suppliers.map((_, i) => SUPPLIER_ACCOUNTS[i]!)
  const sessionBlocks = options.numBlocksPerSession ?? 10
  const devnet = await startDevnet({
    port: 0,
    blockTimeMs: options.blockTimeMs ?? 500,
    onError: () => {},
    config: {
      ...(options.devnet?.rpc ? { rpc: options.devnet.rpc } : {}),
      accounts: [
        ...defaultAccounts,
        { name: 'supplier3', index: 10, balance: 1_000_000_000_000n },
        { name: 'supplier4', index: 11, balance: 1_000_000_000_000n },
        { name: 'supplier5', index: 12, balance: 1_000_000_000_000n },
      ],
      params: {
        shared: {
          numBlocksPerSession: String(sessionBlocks),
          gracePeriodEndOffsetBlocks: String(options.gracePeriodEndOffsetBlocks ?? 1),
          // Short sessions need short windows: the chain wants them to close within the
          // supplier unbonding period (two sessions).
          claimWindowOpenOffsetBlocks: '1',
          claimWindowCloseOffsetBlocks: sessionBlocks < 10 ? '2' : '4',
          proofWindowOpenOffsetBlocks: '0',
          proofWindowCloseOffsetBlocks: sessionBlocks < 10 ? '2' : '4',
        },
        ...options.devnet?.params,
      },
      services: options.devnet?.services ?? [
        { id: SERVICE_ID, name: 'LLM', computeUnitsPerRelay: 1, owner: 'owner' },
      ],
      applications: [
        {
          address: 'application',
          stake: '1000000000',
          serviceId: SERVICE_ID,
          gateways: ['gateway'],
        },
        ...(options.secondApplication
          ? [
              {
                address: 'user1',
                stake: '1000000000',
                serviceId: SERVICE_ID,
                gateways: ['gateway'],
              },
            ]
          : []),
      ],
      gateways: [{ address: 'gateway', stake: '1000000000' }],
      suppliers: names.map((name, i) => ({
        owner: name,
        stake: '2000000',
        services: [{ serviceId: SERVICE_ID, url: `http://127.0.0.1:${ports[i]}`, rpcType: 'REST' }],
      })),
    },
  })
  const key = (name: string) => devnet.accounts.find((a) => a.name === name)!
  const proxies: { stop(): Promise<void> }[] = []
  const suppliers: StakedSupplier[] = []
  try {
    for (const [i, kind] of options.suppliers.entries()) {
      const name = names[i]!
      const account = key(name)
      const staked: StakedSupplier = {
        kind,
        name,
        address: account.address,
        url: `http://127.0.0.1:${ports[i]}`,
        supplier: undefined,
      }
      suppliers.push(staked)
      if (kind === 'down') continue
      let backendUrl = options.backendUrls?.[i] ?? options.backendUrl
      if (kind === 'slow') {
        const proxy = await startDelayProxy(backendUrl, options.slowMs ?? 3000)
        proxies.push(proxy)
        backendUrl = proxy.url
      }
      let listenPort = ports[i]!
      if (kind === 'cut') {
        listenPort = await freePort()
        staked.cutter = await startCuttingProxy(ports[i]!, listenPort)
        proxies.push(staked.cutter)
      }
      const privateKey =
        kind === 'bad-signature'
          ? Buffer.from(generatePrivateKey()).toString('hex')
          : account.privateKey!
      staked.supplier = await startSupplier(
        {
          operator: {
            privateKey,
            address: account.address,
            ...(kind === 'bad-signature' ? { allowAddressMismatch: true } : {}),
          },
          chain: { rpcUrl: devnet.rpcUrl, gasPrice: '0upokt', pollingInterval: '100ms' },
          listenAddress: `127.0.0.1:${listenPort}`,
          metricsAddress: false,
          storage: { dir: tempDir('decai-gateway-supplier-') },
          services: [{ id: SERVICE_ID, backendUrl, timeout: options.serviceTimeout ?? '60s' }],
          log: { level: 'silent' },
          ...options.supplier,
        },
        options.loggers?.supplier ? { logger: options.loggers.supplier } : {},
      )
    }
    return {
      devnet,
      suppliers,
      gatewayPrivateKey: key('gateway').privateKey!,
      addressOf: (kind) => suppliers.find((s) => s.kind === kind)!.address,
      async stop() {
        await Promise.all(suppliers.map((s) => s.supplier?.stop()))
        await Promise.all(proxies.map((p) => p.stop()))
        await devnet.stop()
      },
    }
  } catch (error) {
    await Promise.all(suppliers.map((s) => s.supplier?.stop().catch(() => {})))
    await Promise.all(proxies.map((p) => p.stop()))
    await devnet.stop()
    throw error
  }
}

/** An HTTP proxy that holds every request `delayMs` before forwarding it: a slow backend. */
export async function startDelayProxy(
  target: string,
  delayMs: number,
): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readRequest(req)
      await new Promise((r) => setTimeout(r, delayMs))
      if (res.destroyed) return
      try {
        const upstream = await fetch(new URL(req.url ?? '/', target), {
          method: req.method ?? 'GET',
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
          ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
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
  return listenHttp(server)
}

async function readRequest(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

export async function listenHttp(server: Server): Promise<{ url: string; stop(): Promise<void> }> {
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

/**
 * A fast OpenAI-compatible stub: canned chat completions (JSON or SSE) with correct usage,
 * answered at once. For the load benchmark and tests that need no real model. With
 * `prefillMsPerChar` it prefills like a one-slot model server instead: requests wait in one
 * queue, each for that many milliseconds per character of its messages, before answering.
 */
export async function startStubBackend(
  options: { tokens?: number; chunkDelayMs?: number; prefillMsPerChar?: number } = {},
): Promise<{ url: string; stop(): Promise<void> }> {
  const tokens = options.tokens ?? 8
  let prefillQueue = Promise.resolve()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const raw = await readRequest(req)
      let body: {
        stream?: boolean
        model?: string
        messages?: { content?: unknown }[]
        stream_options?: { include_usage?: boolean }
        /**
         * Test hook: milliseconds between streamed chunks for this request; a JSON answer
         * waits as long as its chunks would have taken.
         */
        stub_chunk_delay_ms?: number
      } = {}
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' })
        res.end(
          '{"error":{"message":"bad json","type":"invalid_request_error","code":"invalid_json","param":null}}',
        )
        return
      }
      if (options.prefillMsPerChar) {
        const chars = (body.messages ?? []).reduce(
          (n, m) => n + (typeof m.content === 'string' ? m.content.length : 0),
          0,
        )
        const ms = chars * options.prefillMsPerChar
        const turn = prefillQueue.then(() => new Promise<void>((r) => setTimeout(r, ms)))
        prefillQueue = turn
        await turn
      }
      const id = 'chatcmpl-stub'
      const model = body.model ?? 'stub'
      const usage = { prompt_tokens: 5, completion_tokens: tokens, total_tokens: 5 + tokens }
      if (!body.stream) {
        if (body.stub_chunk_delay_ms)
          await new Promise((r) => setTimeout(r, tokens * body.stub_chunk_delay_ms!))
        if (res.destroyed) return
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            id,
            object: 'chat.completion',
            created: 0,
            model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: 'tok '.repeat(tokens).trim() },
                finish_reason: 'length',
              },
            ],
            usage,
          }),
        )
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      const withUsage = body.stream_options?.include_usage === true
      const chunk = (delta: object, finish: string | null = null) =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta, finish_reason: finish }], ...(withUsage ? { usage: null } : {}) })}\n\n`
      res.write(chunk({ role: 'assistant', content: '' }))
      for (let i = 0; i < tokens; i++) {
        const delay = body.stub_chunk_delay_ms ?? options.chunkDelayMs
        if (delay) await new Promise((r) => setTimeout(r, delay))
        res.write(chunk({ content: i === 0 ? 'tok' : ' tok' }))
      }
      res.write(chunk({}, 'length'))
      if (withUsage)
        res.write(
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model, choices: [], usage })}\n\n`,
        )
      res.end('data: [DONE]\n\n')
    })()
  })
  return listenHttp(server)
}

export type CuttingProxy = {
  /**
   * Cuts every connection `ms` after its first response byte (Infinity: never). Open
   * connections are closed, so the clock starts with the next request.
   */
  cutAfter(ms: number): void
  stop(): Promise<void>
}

/** A TCP proxy on `port` to `targetPort` that can drop connections mid-response. */
export async function startCuttingProxy(port: number, targetPort: number): Promise<CuttingProxy> {
  const sockets = new Set<Socket>()
  let delay = Number.POSITIVE_INFINITY
  const server = createTcpServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1')
    sockets.add(client)
    sockets.add(upstream)
    let timer: ReturnType<typeof setTimeout> | undefined
    const close = () => {
      if (timer) clearTimeout(timer)
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('data', (chunk) => upstream.write(chunk))
    upstream.on('data', (chunk: Buffer) => {
      if (timer === undefined && Number.isFinite(delay)) timer = setTimeout(close, delay)
      client.write(chunk)
    })
    for (const socket of [client, upstream]) {
      socket.on('close', close)
      socket.on('error', close)
    }
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    cutAfter(ms) {
      delay = ms
      for (const s of sockets) s.destroy()
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Polls until `done()` holds. */
export async function waitUntil(
  done: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Reads a Prometheus counter value from `/metrics` text (sum over matching series). */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  let total = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    const labelText = line.slice(name.length).split(' ')[0] ?? ''
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`)))
      total += Number(line.split(' ').at(-1))
  }
  return total
}

/**
 * A client that sends a completion's headers and half its declared body, then closes the
 * socket; resolves once the server has had time to notice.
 */
export async function leaveMidUpload(port: number): Promise<void> {
  const request = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', 'content-length': '60' },
  })
  request.on('error', () => {})
  request.write('{"model": "small", ')
  await new Promise((r) => setTimeout(r, 100))
  request.destroy()
  await new Promise((r) => setTimeout(r, 300))
}
