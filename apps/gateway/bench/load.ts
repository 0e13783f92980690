// The gateway's added latency and throughput over loopback, with a fast supplier.
//
// One process runs the devnet, a real supplier (apps/supplier) and a stub OpenAI backend that
// answers at once; the gateway runs in its own process from its CLI, as deployed; autocannon
// runs in a third. Three paths are measured the same way:
//
//   backend   client → stub backend
//   supplier  client → supplier → stub          (one pre-signed relay, replayed)
//   gateway   client → gateway → supplier → stub (API key, routing, ring signing, verification,
//                                                 usage record in SQLite)
//
// The gateway's added latency is gateway − supplier. The gateway also reports its own share of
// every answer (`x-decai-overhead-duration-ms`: total minus the time waiting on the supplier),
// sampled here, and the extra time to first token of a stream.
//
//   pnpm --filter @decai/gateway bench [-- --duration 8 --connections 32]
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createChainClient } from '@decai/chain'
import {
  createRingSigner,
  getRingAddresses,
  hexToBytes,
  resolveRingPublicKeys,
} from '@decai/crypto'
import {
  buildRelayRequest,
  createPoktHttpRequest,
  serializeRelayRequest,
  signRelayRequest,
  verifyRelayResponse,
} from '@decai/session'
import { KeyStore } from '../src/key-store.js'
import { runRelayAttempt } from '../src/relay-attempt.js'
import {
  freePort,
  MODEL,
  SERVICE_ID,
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
  },
})
const duration = Number(values.duration)
const connections = Number(values.connections)
const samples = Number(values.samples)
// Distinct pre-signed relays for the supplier-only runs (reused in turn if a run needs more).
const relayCount = 6000
const here = new URL('..', import.meta.url).pathname

type Result = {
  label: string
  c: number
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
    latency: { p50: number; p90: number; p99: number }
    requests: { average: number }
    errors: number
    non2xx: number
  }
  return {
    label,
    c,
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

/** Time to the first content chunk of a streamed chat completion. */
async function ttft(url: string, headers: Record<string, string>): Promise<number> {
  const t0 = performance.now()
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    }),
  })
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let first = Number.NaN
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
    if (Number.isNaN(first) && text.includes('"content":"tok')) first = performance.now() - t0
  }
  return first
}

async function main() {
  const dir = tempDir('decai-gateway-bench-')
  const stub = await startStubBackend({ tokens: 8 })
  const net = await startSupplierNetwork({
    suppliers: ['good'],
    backendUrl: stub.url,
    blockTimeMs: 1000,
    numBlocksPerSession: 120,
  })
  let gateway: ChildProcess | undefined
  try {
    const chatBody = JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 8,
    })
    const chatFile = join(dir, 'chat.json')
    writeFileSync(chatFile, chatBody)

    // Relays the supplier accepts, each signed once, as the gateway would: the supplier-only
    // path. Distinct signatures, so the supplier verifies each one in full.
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
    const unsigned = buildRelayRequest({
      sessionHeader: session.header!,
      supplierOperatorAddress: net.suppliers[0]!.address,
      payload: createPoktHttpRequest({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { 'content-type': 'application/json' },
        body: chatBody,
      }),
    })
    const relay = signRelayRequest(unsigned, { signer: hexToBytes(net.gatewayPrivateKey), ring })
    const signer = createRingSigner(hexToBytes(net.gatewayPrivateKey))
    const relays = Array.from({ length: relayCount }, () =>
      Buffer.from(serializeRelayRequest(signRelayRequest(unsigned, { signer, ring }))).toString(
        'base64',
      ),
    )
    const relayFile = join(dir, 'relays.json')
    writeFileSync(relayFile, JSON.stringify(relays))
    // The replayed relay must be served for real, not refused.
    const probe = await fetch(net.suppliers[0]!.url, {
      method: 'POST',
      body: serializeRelayRequest(relay) as Uint8Array<ArrayBuffer>,
    })
    const checked = verifyRelayResponse(new Uint8Array(await probe.arrayBuffer()), {
      sessionHeader: session.header!,
      supplierOperatorAddress: net.suppliers[0]!.address,
      supplierPublicKey: (await client.getAccount({ address: net.suppliers[0]!.address }))
        .publicKey!,
    })
    if (!checked.ok) throw checked.error

    // The gateway, from its CLI, with an API key in its SQLite store.
    const storePath = join(dir, 'gateway.sqlite')
    const store = new KeyStore(storePath)
    const { key } = store.create({ name: 'bench' })
    store.close()
    const port = await freePort()
    const configPath = join(dir, 'gateway.json')
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
    gateway = spawn(
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
    const gatewayUrl = `http://127.0.0.1:${port}`
    await waitFor(`${gatewayUrl}/healthz`)
    const auth = { authorization: `Bearer ${key}` }
    const json = { file: chatFile, contentType: 'application/json' }
    const binary = { file: relayFile, contentType: 'application/octet-stream', many: true }
    // Warm up every path (JIT, ring tables, connection pools).
    for (let i = 0; i < 300; i++)
      await fetch(`${gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: chatBody,
      }).then((r) => r.arrayBuffer())

    const results: Result[] = []
    for (const c of [1, connections]) {
      results.push(await autocannon('backend', `${stub.url}/v1/chat/completions`, c, json))
      results.push(await autocannon('supplier', net.suppliers[0]!.url, c, binary))
      results.push(await autocannon('gateway', `${gatewayUrl}/v1/chat/completions`, c, json, auth))
    }

    // The gateway's own share, as it reports it, one request at a time.
    const overhead: number[] = []
    for (let i = 0; i < samples; i++) {
      const res = await fetch(`${gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: chatBody,
      })
      await res.arrayBuffer()
      overhead.push(Number(res.headers.get('x-decai-overhead-duration-ms')))
    }
    overhead.sort((a, b) => a - b)

    // Time to first token of a stream: straight to the backend, and through the gateway.
    // The supplier-only stream: pre-signed streaming relays, each frame verified as it comes
    // (what any client of a supplier must do), timed to the first content frame.
    const streamUnsigned = buildRelayRequest({
      sessionHeader: session.header!,
      supplierOperatorAddress: net.suppliers[0]!.address,
      payload: createPoktHttpRequest({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: MODEL,
          messages: [{ role: 'user', content: 'hi' }],
          stream: true,
        }),
      }),
    })
    const supplierKey = (await client.getAccount({ address: net.suppliers[0]!.address })).publicKey!
    const ttftSupplier = async () => {
      const request = signRelayRequest(streamUnsigned, { signer, ring })
      const t0 = performance.now()
      let first = Number.NaN
      for await (const event of runRelayAttempt({
        url: net.suppliers[0]!.url,
        request,
        supplierOperatorAddress: net.suppliers[0]!.address,
        supplierPublicKey: supplierKey,
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
    const ttftDirect: number[] = []
    const ttftSupplierOnly: number[] = []
    const ttftGateway: number[] = []
    for (let i = 0; i < samples / 2; i++) {
      ttftDirect.push(await ttft(`${stub.url}/v1/chat/completions`, {}))
      ttftSupplierOnly.push(await ttftSupplier())
      ttftGateway.push(await ttft(`${gatewayUrl}/v1/chat/completions`, auth))
    }
    for (const list of [ttftDirect, ttftSupplierOnly, ttftGateway]) list.sort((a, b) => a - b)

    const fmt = (n: number) => n.toFixed(2).padStart(8)
    console.log(
      `\nLoopback, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${duration} s per run\n`,
    )
    console.log('path       conns   p50 ms   p90 ms   p99 ms      req/s   errors')
    for (const r of results)
      console.log(
        `${r.label.padEnd(10)} ${String(r.c).padStart(5)} ${fmt(r.p50)} ${fmt(r.p90)} ${fmt(r.p99)} ${r.rps.toFixed(0).padStart(10)} ${String(r.errors).padStart(8)}`,
      )
    for (const c of [1, connections]) {
      const sup = results.find((r) => r.label === 'supplier' && r.c === c)!
      const gw = results.find((r) => r.label === 'gateway' && r.c === c)!
      console.log(
        `added by the gateway at ${c} connection(s): p50 ${(gw.p50 - sup.p50).toFixed(2)} ms, p99 ${(gw.p99 - sup.p99).toFixed(2)} ms`,
      )
    }
    console.log(
      `gateway's own time per request (x-decai-overhead-duration-ms, ${samples} sequential): p50 ${percentile(overhead, 50).toFixed(2)} ms, p99 ${percentile(overhead, 99).toFixed(2)} ms`,
    )
    const line = (label: string, list: number[]) =>
      console.log(
        `stream TTFT ${label.padEnd(10)} p50 ${percentile(list, 50).toFixed(2)} ms, p99 ${percentile(list, 99).toFixed(2)} ms`,
      )
    line('backend', ttftDirect)
    line('supplier', ttftSupplierOnly)
    line('gateway', ttftGateway)
    console.log(
      `stream TTFT added by the gateway: p50 ${(percentile(ttftGateway, 50) - percentile(ttftSupplierOnly, 50)).toFixed(2)} ms, p99 ${(percentile(ttftGateway, 99) - percentile(ttftSupplierOnly, 99)).toFixed(2)} ms`,
    )
    console.log(
      "LiteLLM's published proxy overhead: median 2-12 ms (p99 13-43 ms) on 4-vCPU instances.",
    )
  } finally {
    gateway?.kill('SIGTERM')
    await net.stop()
    await stub.stop()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
