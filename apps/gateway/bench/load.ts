// The gateway's added latency and throughput over loopback, with a fast supplier.
//
// The gateway runs in its own process from its CLI, as deployed (API key checked and usage
// written to its SQLite store on every request); autocannon runs in another; the devnet, the
// supplier and a stub OpenAI backend that answers at once share the bench process.
//
// Phase 1, a real supplier (apps/supplier) in front of the stub:
//   backend   client → stub backend
//   supplier  client → supplier → stub           (distinct pre-signed relays, verified in full)
//   gateway   client → gateway → supplier → stub (key, routing, ring signing, verification)
// The gateway's added latency is gateway − supplier.
//
// Phase 2, an "instant" supplier that answers every relay with one signed response at once, so
// the gateway's own capacity shows, without a real supplier's cost on the same two cores.
//
// The gateway also reports its own share of each answer (`x-decai-overhead-duration-ms`: total
// minus the time waiting on the supplier), sampled here, and the extra time to first token of a
// stream is measured against a client reading the supplier's signed stream directly.
//
//   pnpm --filter @decai/gateway bench [-- --duration 8 --connections 32 --samples 400 --only instant|real]
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { Agent, createServer, request as httpRequest } from 'node:http'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createChainClient } from '@decai/chain'
import {
  createRingSigner,
  getRingAddresses,
  hexToBytes,
  type RingSigner,
  resolveRingPublicKeys,
} from '@decai/crypto'
import {
  buildRelayRequest,
  buildRelayResponse,
  createPoktHttpRequest,
  createPoktHttpResponse,
  parseRelayRequest,
  serializeRelayRequest,
  serializeRelayResponse,
  signRelayRequest,
  signRelayResponse,
  verifyRelayResponse,
} from '@decai/session'
import { runRelayAttempt } from '../src/relay-attempt.js'
import { SqliteKeyStore } from '../src/sqlite-key-store.js'
import {
  freePort,
  MODEL,
  SERVICE_ID,
  type SupplierNetwork,
  startStubBackend,
  startSupplierNetwork,
  tempDir,
} from '../test/helpers.js'

const args = process.argv.slice(2)
const { values } = parseArgs({
  args: args[0] === '--' ? args.slice(1) : args,
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    samples: { type: 'string', default: '400' },
    json: { type: 'boolean', default: false },
    // `instant` or `real`: one phase only (`instant`, the gateway's own cost, is the quickest
    // to compare two builds by).
    only: { type: 'string' },
  },
})
const duration = Number(values.duration)
const connections = Number(values.connections)
const samples = Number(values.samples)
// Distinct pre-signed relays for the supplier-only runs (reused in turn if a run needs more).
const relayCount = 6000
const here = new URL('..', import.meta.url).pathname
const dir = tempDir('decai-gateway-bench-')

const chatBody = JSON.stringify({
  model: MODEL,
  messages: [{ role: 'user', content: 'hi' }],
  max_tokens: 8,
})
const chatFile = join(dir, 'chat.json')
writeFileSync(chatFile, chatBody)
const json = { file: chatFile, contentType: 'application/json' }

type Result = {
  label: string
  c: number
  mean: number
  p50: number
  p90: number
  p99: number
  rps: number
  errors: number
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

function run(command: string, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command}: ${err}`)),
    )
  })
}

async function autocannon(
  label: string,
  url: string,
  c: number,
  body: { file: string; contentType: string; many?: boolean },
  headers: Record<string, string> = {},
): Promise<Result> {
  const options = {
    url,
    connections: c,
    duration,
    [body.many ? 'bodiesFile' : 'bodyFile']: body.file,
    headers: { 'content-type': body.contentType, ...headers },
  }
  const out = JSON.parse(
    await run(process.execPath, [
      '--import',
      'tsx',
      join(here, 'bench/autocannon-run.ts'),
      JSON.stringify(options),
    ]),
  ) as {
    latency: { average: number; p50: number; p90: number; p99: number }
    requests: { average: number }
    errors: number
    non2xx: number
  }
  return {
    label,
    c,
    mean: out.latency.average,
    p50: out.latency.p50,
    p90: out.latency.p90,
    p99: out.latency.p99,
    rps: out.requests.average,
    errors: out.errors + out.non2xx,
  }
}

async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    if (Date.now() > deadline) throw new Error(`${url} did not come up`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Starts the gateway from its CLI on a config for `net`, with one API key. */
async function startGatewayProcess(
  net: SupplierNetwork,
  name: string,
): Promise<{ url: string; auth: Record<string, string>; process: ChildProcess }> {
  const storePath = join(dir, `${name}.sqlite`)
  const store = new SqliteKeyStore(storePath)
  const { key } = await store.create({ name: 'bench' })
  await store.close()
  const port = await freePort()
  const configPath = join(dir, `${name}.json`)
  writeFileSync(
    configPath,
    JSON.stringify({
      listen: { port },
      chain: { rpcUrl: net.devnet.rpcUrl, pollingIntervalMs: 500 },
      gateway: { privateKey: net.gatewayPrivateKey },
      models: [{ name: MODEL, serviceId: SERVICE_ID }],
      store: { path: storePath },
      log: { level: 'warn' },
    }),
  )
  const child = spawn(
    process.execPath,
    [
      ...(process.env['GATEWAY_NODE_OPTIONS']?.split(' ') ?? []),
      '--import',
      'tsx',
      'src/main.ts',
      'start',
      '--config',
      configPath,
    ],
    { cwd: here, stdio: ['ignore', 'ignore', 'inherit'] },
  )
  const url = `http://127.0.0.1:${port}`
  await waitFor(`${url}/healthz`)
  const auth = { authorization: `Bearer ${key}` }
  // Warm up (JIT, ring tables, connection pools).
  for (let i = 0; i < 300; i++) await chat(url, auth)
  return { url, auth, process: child }
}

async function chat(url: string, auth: Record<string, string>): Promise<Response> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: chatBody,
  })
  await res.arrayBuffer()
  if (!res.ok) throw new Error(`gateway answered ${res.status}`)
  return res
}

/** CPU time (user + system, all threads) a process has used, in ms; undefined off Linux. */
function readCpuMs(pid: number | undefined): number | undefined {
  try {
    // Fields 14 and 15 of /proc/<pid>/stat, after the command name in parentheses.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
  } catch {
    return undefined
  }
}

/**
 * The gateway's own time per request as it reports it, one request at a time, and the CPU its
 * process used per request meanwhile (less sensitive to a busy machine than wall time).
 */
async function sampleOverhead(
  url: string,
  auth: Record<string, string>,
  pid: number | undefined,
): Promise<{ overhead: number[]; cpuMsPerRequest: number | undefined }> {
  const out: number[] = []
  const cpuBefore = readCpuMs(pid)
  for (let i = 0; i < samples; i++)
    out.push(Number((await chat(url, auth)).headers.get('x-decai-overhead-duration-ms')))
  const cpuAfter = readCpuMs(pid)
  const cpuMsPerRequest =
    cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / samples : undefined
  return { overhead: out.sort((a, b) => a - b), cpuMsPerRequest }
}

// Streams measured for time to first token pause this long before each token (the stub's
// `stub_chunk_delay_ms`), as a model's prefill and decode do. Against an answer written all at
// once, "first token" would be the whole relay's fixed cost (ring verification, the head frame,
// mining) rather than what the relay adds to a token; with the pause, the supplier verifies while
// the backend prefills, as in production, and the difference to the backend is the streaming hop.
const STREAM_PACE_MS = 20
const streamBody = JSON.stringify({
  model: MODEL,
  messages: [{ role: 'user', content: 'hi' }],
  stream: true,
  stub_chunk_delay_ms: STREAM_PACE_MS,
})

// Streams are read with node:http, as `runRelayAttempt` reads the supplier's: a `fetch` client
// adds undici's own time to every chunk (milliseconds on a busy machine), which would count
// against the paths it reads and not against the supplier's.
const streamAgent = new Agent({ keepAlive: true })

/** Time to the first content chunk of a streamed chat completion over plain HTTP. */
function ttft(url: string, headers: Record<string, string>, own?: number[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const body = Buffer.from(streamBody)
    const req = httpRequest(url, {
      method: 'POST',
      agent: streamAgent,
      headers: {
        'content-type': 'application/json',
        'content-length': String(body.length),
        ...headers,
      },
    })
    req.once('error', reject)
    req.once('response', (res) => {
      // The gateway's own share of the first token, when it states it.
      const stated = res.headers['x-decai-overhead-duration-ms']
      if (own !== undefined && typeof stated === 'string') own.push(Number(stated))
      let text = ''
      let first = Number.NaN
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        if (!Number.isNaN(first)) return
        text += chunk
        if (text.includes('"content":"tok')) first = performance.now() - t0
      })
      res.once('end', () => resolve(first))
      res.once('error', reject)
    })
    req.end(body)
  })
}

/** The application's session and ring, and a signer with the gateway key. */
async function relayContext(net: SupplierNetwork) {
  const client = createChainClient({ rpcUrl: net.devnet.rpcUrl })
  const app = net.devnet.accounts.find((a) => a.name === 'application')!.address
  const session = await client.getSession({ applicationAddress: app, serviceId: SERVICE_ID })
  const application = await client.getApplication({ address: app })
  const ring = await resolveRingPublicKeys(
    getRingAddresses({
      appAddress: app,
      delegateeGatewayAddresses: application.delegateeGatewayAddresses,
      sessionEndHeight: session.header!.sessionEndBlockHeight,
    }),
    async (address) => (await client.getAccount({ address })).publicKey!,
  )
  const supplier = net.suppliers[0]!
  const supplierKey = (await client.getAccount({ address: supplier.address })).publicKey!
  const signer: RingSigner = createRingSigner(hexToBytes(net.gatewayPrivateKey))
  const build = (body: string) =>
    buildRelayRequest({
      sessionHeader: session.header!,
      supplierOperatorAddress: supplier.address,
      payload: createPoktHttpRequest({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    })
  return { session, ring, signer, supplier, supplierKey, build }
}

type Phase = {
  results: Result[]
  overhead: number[]
  /** The gateway process's CPU per sequential request (clock-tick resolution), if readable. */
  cpuMsPerRequest: number | undefined
  ttft?: { backend: number[]; supplier: number[]; gateway: number[] }
  /** The gateway's own share of each stream's first token (`x-decai-overhead-duration-ms`). */
  streamOverhead?: number[]
}

async function realSupplierPhase(): Promise<Phase> {
  const stub = await startStubBackend({ tokens: 8 })
  const net = await startSupplierNetwork({
    suppliers: ['good'],
    backendUrl: stub.url,
    blockTimeMs: 1000,
    numBlocksPerSession: 120,
  })
  let gateway: ChildProcess | undefined
  try {
    const ctx = await relayContext(net)
    const unsigned = ctx.build(chatBody)
    const relays = Array.from({ length: relayCount }, () =>
      Buffer.from(
        serializeRelayRequest(signRelayRequest(unsigned, { signer: ctx.signer, ring: ctx.ring })),
      ).toString('base64'),
    )
    const relayFile = join(dir, 'relays.json')
    writeFileSync(relayFile, JSON.stringify(relays))
    // The relays must be served for real, not refused.
    const probe = await fetch(ctx.supplier.url, {
      method: 'POST',
      body: Buffer.from(relays[0]!, 'base64'),
    })
    const checked = verifyRelayResponse(new Uint8Array(await probe.arrayBuffer()), {
      sessionHeader: ctx.session.header!,
      supplierOperatorAddress: ctx.supplier.address,
      supplierPublicKey: ctx.supplierKey,
    })
    if (!checked.ok) throw checked.error

    const g = await startGatewayProcess(net, 'real')
    gateway = g.process
    const binary = { file: relayFile, contentType: 'application/octet-stream', many: true }
    const results: Result[] = []
    for (const c of [1, connections]) {
      results.push(await autocannon('backend', `${stub.url}/v1/chat/completions`, c, json))
      results.push(await autocannon('supplier', ctx.supplier.url, c, binary))
      results.push(await autocannon('gateway', `${g.url}/v1/chat/completions`, c, json, g.auth))
    }
    const { overhead, cpuMsPerRequest } = await sampleOverhead(g.url, g.auth, g.process.pid)

    // Streams: a client reading the supplier's signed stream itself (each frame verified), and
    // the gateway doing it for an OpenAI client.
    const streamUnsigned = ctx.build(streamBody)
    const ttftSupplier = async () => {
      const request = signRelayRequest(streamUnsigned, { signer: ctx.signer, ring: ctx.ring })
      const t0 = performance.now()
      let first = Number.NaN
      for await (const event of runRelayAttempt({
        url: ctx.supplier.url,
        request,
        supplierOperatorAddress: ctx.supplier.address,
        supplierPublicKey: ctx.supplierKey,
        stream: true,
        signal: new AbortController().signal,
      }))
        if (
          Number.isNaN(first) &&
          event.type === 'data' &&
          new TextDecoder().decode(event.bytes).includes('"content":"tok')
        )
          first = performance.now() - t0
      return first
    }
    const t = { backend: [] as number[], supplier: [] as number[], gateway: [] as number[] }
    const streamOverhead: number[] = []
    // Each paced stream takes ~8 pauses: at most 100 rounds.
    for (let i = 0; i < Math.min(samples / 2, 100); i++) {
      t.backend.push(await ttft(`${stub.url}/v1/chat/completions`, {}))
      t.supplier.push(await ttftSupplier())
      t.gateway.push(await ttft(`${g.url}/v1/chat/completions`, g.auth, streamOverhead))
    }
    for (const list of [...Object.values(t), streamOverhead]) list.sort((a, b) => a - b)
    return { results, overhead, cpuMsPerRequest, ttft: t, streamOverhead }
  } finally {
    gateway?.kill('SIGTERM')
    await net.stop()
    await stub.stop()
  }
}

/**
 * A supplier that costs nothing: it answers every relay with a response signed once per session
 * with the supplier's real key (a response signature covers the session header and the payload,
 * not the request, so one verifies for every relay of the session). It does not check requests:
 * a measuring device for the gateway, not a supplier.
 */
async function startInstantSupplier(port: number, privateKey: Uint8Array) {
  const signed = new Map<string, Uint8Array>()
  const payload = createPoktHttpResponse({
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      id: 'chatcmpl-instant',
      object: 'chat.completion',
      created: 0,
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
    }),
  })
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const header = parseRelayRequest(Buffer.concat(chunks)).meta!.sessionHeader!
      let bytes = signed.get(header.sessionId)
      if (!bytes) {
        bytes = serializeRelayResponse(
          signRelayResponse(buildRelayResponse({ sessionHeader: header, payload }), privateKey),
        )
        signed.set(header.sessionId, bytes)
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.end(bytes)
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function instantSupplierPhase(): Promise<Phase> {
  // Staked on chain; nothing listens until the instant supplier takes its port.
  const net = await startSupplierNetwork({
    suppliers: ['down'],
    backendUrl: 'http://127.0.0.1:1',
    blockTimeMs: 1000,
    numBlocksPerSession: 120,
  })
  const staked = net.suppliers[0]!
  const account = net.devnet.accounts.find((a) => a.address === staked.address)!
  const instant = await startInstantSupplier(
    Number(new URL(staked.url).port),
    hexToBytes(account.privateKey!),
  )
  let gateway: ChildProcess | undefined
  try {
    const g = await startGatewayProcess(net, 'instant')
    gateway = g.process
    const results: Result[] = []
    for (const c of [1, connections])
      results.push(await autocannon('gateway', `${g.url}/v1/chat/completions`, c, json, g.auth))
    return { results, ...(await sampleOverhead(g.url, g.auth, g.process.pid)) }
  } finally {
    gateway?.kill('SIGTERM')
    await instant.stop()
    await net.stop()
  }
}

function report(title: string, phase: Phase): void {
  const fmt = (n: number) => n.toFixed(2).padStart(8)
  console.log(`\n${title}`)
  console.log('path       conns  mean ms   p50 ms   p90 ms   p99 ms      req/s   errors')
  for (const r of phase.results)
    console.log(
      `${r.label.padEnd(10)} ${String(r.c).padStart(5)} ${fmt(r.mean)} ${fmt(r.p50)} ${fmt(r.p90)} ${fmt(r.p99)} ${r.rps.toFixed(0).padStart(10)} ${String(r.errors).padStart(8)}`,
    )
  for (const c of [1, connections]) {
    const sup = phase.results.find((r) => r.label === 'supplier' && r.c === c)
    const gw = phase.results.find((r) => r.label === 'gateway' && r.c === c)
    if (sup && gw)
      console.log(
        `added by the gateway at ${c} connection(s): mean ${(gw.mean - sup.mean).toFixed(2)} ms, p50 ${gw.p50 - sup.p50} ms, p99 ${gw.p99 - sup.p99} ms (autocannon percentiles are whole ms)`,
      )
  }
  console.log(
    `gateway's own time per request (x-decai-overhead-duration-ms, ${phase.overhead.length} sequential): p50 ${percentile(phase.overhead, 50).toFixed(2)} ms, p99 ${percentile(phase.overhead, 99).toFixed(2)} ms`,
  )
  if (phase.cpuMsPerRequest !== undefined)
    console.log(
      `gateway CPU per sequential request (user + system, all threads): ${phase.cpuMsPerRequest.toFixed(2)} ms`,
    )

  if (phase.ttft) {
    for (const [label, list] of Object.entries(phase.ttft))
      console.log(
        `stream TTFT via ${label.padEnd(9)} p50 ${percentile(list, 50).toFixed(2)} ms, p99 ${percentile(list, 99).toFixed(2)} ms`,
      )
    const { supplier, gateway } = phase.ttft
    console.log(
      `stream TTFT added by the gateway: p50 ${(percentile(gateway, 50) - percentile(supplier, 50)).toFixed(2)} ms, p99 ${(percentile(gateway, 99) - percentile(supplier, 99)).toFixed(2)} ms`,
    )
    const own = phase.streamOverhead ?? []
    if (own.length > 0)
      console.log(
        `gateway's own share of the first token (x-decai-overhead-duration-ms on the stream, ${own.length}): p50 ${percentile(own, 50).toFixed(2)} ms, p99 ${percentile(own, 99).toFixed(2)} ms`,
      )
  }
}

/** The figures `pnpm bench:relay` reports: percentiles in ms. */
function summarize(real: Phase, instant: Phase) {
  const at = (list: number[], p: number) => percentile(list, p)
  const t = real.ttft!
  return {
    overhead: {
      instant: {
        p50: at(instant.overhead, 50),
        p99: at(instant.overhead, 99),
        cpuMsPerRequest: instant.cpuMsPerRequest ?? null,
      },
      real: {
        p50: at(real.overhead, 50),
        p99: at(real.overhead, 99),
        cpuMsPerRequest: real.cpuMsPerRequest ?? null,
      },
    },
    streamOverhead: {
      p50: at(real.streamOverhead ?? [], 50),
      p99: at(real.streamOverhead ?? [], 99),
    },
    ttft: {
      backend: { p50: at(t.backend, 50), p99: at(t.backend, 99) },
      supplier: { p50: at(t.supplier, 50), p99: at(t.supplier, 99) },
      gateway: { p50: at(t.gateway, 50), p99: at(t.gateway, 99) },
    },
    runs: [
      ...real.results.map((r) => ({ ...r, phase: 'real' })),
      ...instant.results.map((r) => ({ ...r, phase: 'instant' })),
    ],
  }
}

async function main() {
  console.log(
    `Loopback, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${duration} s per run`,
  )
  if (values.only === 'instant') {
    report('Phase 2: an instant supplier (the gateway alone)', await instantSupplierPhase())
    return
  }
  const real = await realSupplierPhase()
  report('Phase 1: a real supplier in front of a stub backend', real)
  if (values.only === 'real') return
  const instant = await instantSupplierPhase()
  report('Phase 2: an instant supplier (the gateway alone)', instant)
  // One line for tools that collect figures (`pnpm bench:relay`).
  // Written out before the process exits (stdout to a pipe is asynchronous).
  if (values.json)
    await new Promise((resolve) =>
      process.stdout.write(
        `${JSON.stringify({ gatewayBench: summarize(real, instant) })}\n`,
        resolve,
      ),
    )
  console.log(
    "\nLiteLLM's published proxy overhead: median 2-12 ms (p95 8-29 ms, p99 13-43 ms) on 4-vCPU instances.",
  )
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
