// Load benchmark: relays/s and the latency the supplier adds, against a fast local stub backend
// (the one place a stub is right: the LLM would be the bottleneck). Loopback only, bounded.
//
//   pnpm --filter @decai/supplier bench [-- --duration 10 --connections 32 --relays 2000]
//
// The supplier runs as its own process (the CLI), with full verification (ring signature,
// session), response signing, mining into its durable trie and rate limiting, as in
// production. The devnet and the load generator share the other core.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createChainClient } from '@decai/chain'
import { getRingAddresses, hexToBytes, resolveRingPublicKeys } from '@decai/crypto'
import { startDevnet } from '@decai/devnet'
import {
  buildRelayRequest,
  createPoktHttpRequest,
  serializeRelayRequest,
  signRelayRequest,
  verifyRelayResponse,
} from '@decai/session'
import autocannon from 'autocannon'
import { stringify } from 'yaml'
import { readProcessCpuMs } from '../../../tools/servers/servers.mjs'

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    relays: { type: 'string', default: '2000' },
    /** Verification worker threads (default: the supplier's own default for this machine). */
    workers: { type: 'string' },
  },
})
const duration = Number(values.duration)
const connections = Number(values.connections)
const distinctRelays = Number(values.relays)

const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 0,
  model: 'stub',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Paris.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
})
const requestBody = JSON.stringify({
  model: 'stub',
  messages: [{ role: 'user', content: 'What is the capital of France?' }],
  max_tokens: 8,
})

const STREAM_EVENTS = 32

/**
 * Sequential streamed completions: time to the first token and to the end, read straight from
 * the stub, or through the supplier as signed frames (the first token is the second frame).
 */
async function measureStreams(
  url: string,
  bodies: (() => Uint8Array | string)[],
  relayed: boolean,
): Promise<{ firstToken: number[]; total: number[] }> {
  const firstToken: number[] = []
  const total: number[] = []
  for (const body of bodies) {
    const started = performance.now()
    const res = await fetch(url, {
      method: 'POST',
      headers: relayed ? { 'pokt-relay-stream': 'v1' } : { 'content-type': 'application/json' },
      body: body() as Uint8Array<ArrayBuffer>,
    })
    const reader = res.body!.getReader()
    let received = new Uint8Array()
    let first: number | undefined
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      received = Buffer.concat([received, value])
      if (first === undefined && hasFirstToken(received, relayed)) first = performance.now()
    }
    firstToken.push(first! - started)
    total.push(performance.now() - started)
  }
  return { firstToken: firstToken.sort((a, b) => a - b), total: total.sort((a, b) => a - b) }
}

/** Whether the bytes hold a token: any SSE data directly; past the head frame when relayed. */
function hasFirstToken(bytes: Uint8Array, relayed: boolean): boolean {
  if (!relayed) return bytes.length > 0
  let size = 0
  let shift = 1
  let i = 0
  for (; i < bytes.length; i++) {
    size += (bytes[i]! & 0x7f) * shift
    if (bytes[i]! < 0x80) break
    shift *= 0x80
  }
  return bytes.length > i + 1 + size
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

type Run = {
  rps: number
  p50: number
  p99: number
  count: number
  errors: number
  /** The supplier's CPU time (all its threads) per request: a figure the machine's load barely moves. */
  cpuMs?: number
}

/** One autocannon run; latencies from each response (float ms), not autocannon's ms buckets. */
function load(options: autocannon.Options, seconds: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const times: number[] = []
    const instance = autocannon({ ...options, duration: seconds }, (error, result) => {
      if (error) return reject(error)
      times.sort((a, b) => a - b)
      resolve({
        rps: result.requests.total / seconds,
        p50: percentile(times, 50),
        p99: percentile(times, 99),
        count: result.requests.total,
        errors: result.errors + result.timeouts + result.non2xx,
      })
    })
    instance.on('response', (_client, _status, _bytes, responseTime: number) => {
      times.push(responseTime)
    })
  })
}

async function main() {
  // A stub OpenAI backend: a fixed completion, at once.
  // A stub OpenAI backend: a fixed completion at once, or (for `stream: true`) 32 SSE token
  // events 1 ms apart, as a fast model would stream them.
  const stub = createHttpServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (!Buffer.concat(chunks).includes('"stream":true')) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(completion)
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      let i = 0
      const next = () => {
        if (i === STREAM_EVENTS) {
          res.end('data: [DONE]\n\n')
          return
        }
        res.write(
          `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: `t${i++} ` } }] })}\n\n`,
        )
        setTimeout(next, 1)
      }
      next()
    })
  })
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r))
  const stubUrl = `http://127.0.0.1:${(stub.address() as { port: number }).port}`

  const devnet = await startDevnet({
    port: 0,
    blockTimeMs: 0,
    onError: () => {},
    config: {
      services: [{ id: 'llm', computeUnitsPerRelay: 1, owner: 'owner' }],
      // Enough stake for millions of relays per session: the rate limit never binds here.
      applications: [{ address: 'application', stake: '500000pokt', serviceId: 'llm' }],
      suppliers: [
        { owner: 'supplier1', stake: '2000000', services: [{ serviceId: 'llm', url: stubUrl }] },
      ],
    },
  })
  await devnet.produceBlock()
  const key = (name: string) => {
    const a = devnet.accounts.find((x) => x.name === name)!
    return { address: a.address, privateKey: hexToBytes(a.privateKey!) }
  }
  const app = key('application')
  const supplierKey = key('supplier1')

  const dir = mkdtempSync(join(tmpdir(), 'decai-supplier-bench-'))
  const configPath = join(dir, 'supplier.yaml')
  writeFileSync(
    configPath,
    stringify({
      operator: { privateKey: Buffer.from(supplierKey.privateKey).toString('hex') },
      chain: { rpcUrl: devnet.rpcUrl, gasPrice: '0upokt' },
      listenAddress: '127.0.0.1:0',
      metricsAddress: '127.0.0.1:0',
      storage: { dir: join(dir, 'state') },
      services: [{ id: 'llm', backendUrl: stubUrl, maxConcurrency: 256 }],
      ...(values.workers === undefined ? {} : { verifyWorkers: Number(values.workers) }),
      log: { level: process.env['SUPPLIER_LOG'] ?? 'info' },
    }),
  )
  const profile = process.env['SUPPLIER_CPU_PROF']
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env['SUPPLIER_CPU_PROF']}`]
    : []
  const child: ChildProcess = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', 'src/main.ts', '--config', configPath],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const stopChild = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  }
  process.once('exit', stopChild)
  // The supplier picks its own ports and says which in its first log line.
  const started = await new Promise<{ url: string; metricsUrl: string }>((resolve, reject) => {
    let buffered = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      for (const line of buffered.split('\n')) {
        if (!line.includes('"supplier started"')) continue
        const { url, metricsUrl } = JSON.parse(line) as { url: string; metricsUrl: string }
        resolve({ url, metricsUrl })
      }
    })
    child.once('exit', (code) => reject(new Error(`the supplier exited with ${code}`)))
  })
  const supplierUrl = started.url

  // Distinct signed relays (each a different ring signature), cycled by the load generator.
  const chain = createChainClient({ rpcUrl: devnet.rpcUrl })
  const session = (await chain.getSession({ applicationAddress: app.address, serviceId: 'llm' }))
    .header!
  const application = await chain.getApplication({ address: app.address })
  const ring = await resolveRingPublicKeys(
    getRingAddresses({
      appAddress: app.address,
      delegateeGatewayAddresses: application.delegateeGatewayAddresses,
      sessionEndHeight: session.sessionEndBlockHeight,
    }),
    async (address) => (await chain.getAccount({ address })).publicKey!,
  )
  process.stdout.write(`signing ${distinctRelays} relays… `)
  const bodies: Buffer[] = []
  for (let i = 0; i < distinctRelays; i++) {
    const request = signRelayRequest(
      buildRelayRequest({
        sessionHeader: session,
        supplierOperatorAddress: supplierKey.address,
        payload: createPoktHttpRequest({
          method: 'POST',
          url: '/v1/chat/completions',
          headers: { 'content-type': 'application/json' },
          body: requestBody.replace('France', `France (${i})`),
        }),
      }),
      { signer: app.privateKey, ring },
    )
    bodies.push(Buffer.from(serializeRelayRequest(request)))
  }
  console.log('done')
  const signStreams = async () => {
    const out: Uint8Array[] = []
    for (let i = 0; i < 100; i++) {
      const request = signRelayRequest(
        buildRelayRequest({
          sessionHeader: session,
          supplierOperatorAddress: supplierKey.address,
          payload: createPoktHttpRequest({
            method: 'POST',
            url: '/v1/chat/completions',
            headers: { 'content-type': 'application/json' },
            body: requestBody.replace('"max_tokens":8', `"stream":true,"seed":${i}`),
          }),
        }),
        { signer: app.privateKey, ring },
      )
      out.push(serializeRelayRequest(request))
    }
    return out
  }

  // One relay checked end to end before measuring (and the caches warmed).
  const probe = await fetch(supplierUrl, {
    method: 'POST',
    body: bodies[0]! as Uint8Array<ArrayBuffer>,
  })
  const probeBytes = new Uint8Array(await probe.arrayBuffer())
  const supplierPublicKey = (await chain.getAccount({ address: supplierKey.address })).publicKey!
  const verified = verifyRelayResponse(probeBytes, {
    sessionHeader: session,
    supplierOperatorAddress: supplierKey.address,
    supplierPublicKey,
  })
  if (!verified.ok) throw verified.error

  let next = 0
  const relayOptions = (c: number): autocannon.Options => ({
    url: supplierUrl,
    connections: c,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length]! }),
      },
    ],
  })
  const stubOptions = (c: number): autocannon.Options => ({
    url: `${stubUrl}/v1/chat/completions`,
    connections: c,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: requestBody,
  })

  await load(relayOptions(connections), 2) // warm-up
  const rows: [string, Run, Run][] = []
  for (const c of [1, connections]) {
    const direct = await load(stubOptions(c), duration)
    const cpuBefore = readProcessCpuMs(child.pid)
    const relayed = await load(relayOptions(c), duration)
    const cpuAfter = readProcessCpuMs(child.pid)
    if (cpuBefore !== undefined && cpuAfter !== undefined)
      relayed.cpuMs = (cpuAfter - cpuBefore) / relayed.count
    rows.push([`${c} connection${c === 1 ? '' : 's'}`, direct, relayed])
  }

  // Streams: what the supplier adds to the first token and to the whole answer.
  const streamBodies = await signStreams()
  const streamsDirect = await measureStreams(
    `${stubUrl}/v1/chat/completions`,
    Array.from({ length: 100 }, () => () => requestBody.replace('"max_tokens":8', '"stream":true')),
    false,
  )
  const streamsRelayed = await measureStreams(
    supplierUrl,
    streamBodies.map((b) => () => b),
    true,
  )

  const metrics = await (await fetch(`${started.metricsUrl}/metrics`)).text()
  const value = (name: string) =>
    [...metrics.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce(
      (n, m) => n + Number(m[1]),
      0,
    )
  const served = value('supplier_relays_served_total')
  const mined = value('supplier_relays_mined_total')
  const rejected = value('supplier_relays_rejected_total')
  const failed = value('supplier_relays_failed_total')
  // Which failures, so a regression says what broke (client_gone, backend_failed, ...).
  const failedReasons = [
    ...metrics.matchAll(/^supplier_relays_failed_total\{[^}]*reason="([^"]+)"[^}]*\} (\S+)$/gm),
  ]
    .filter((m) => Number(m[2]) > 0)
    .map((m) => `${m[1]} ${m[2]}`)
  const addedSum = value('supplier_added_latency_seconds_sum')
  const addedCount = value('supplier_added_latency_seconds_count')

  const ms = (v: number) => `${v.toFixed(2)} ms`
  console.log(
    `\nSupplier load test: ${duration} s per run, loopback, ${availableParallelism()} cores, Node ${process.version}`,
  )
  console.log(
    '| load | stub alone: req/s, p50, p99 | through the supplier: relays/s, p50, p99 | added p50 / p99 | supplier CPU per relay |',
  )
  console.log('| --- | --- | --- | --- | --- |')
  for (const [label, direct, relayed] of rows) {
    console.log(
      `| ${label} | ${direct.rps.toFixed(0)}, ${ms(direct.p50)}, ${ms(direct.p99)} | ${relayed.rps.toFixed(0)}, ${ms(relayed.p50)}, ${ms(relayed.p99)} | ${ms(relayed.p50 - direct.p50)} / ${ms(relayed.p99 - direct.p99)} | ${relayed.cpuMs === undefined ? '—' : ms(relayed.cpuMs)} |`,
    )
  }
  console.log(
    `| poktroll HA RelayMiner (published, Go) | — | ~1,182 relays/s, 1.33 ms, 26.19 ms | — | — |`,
  )
  console.log(
    `\nRelays served ${served}, mined ${mined}, rejected ${rejected}, failed ${failed}${failedReasons.length > 0 ? ` (${failedReasons.join(', ')})` : ''}; load generator errors ${rows.reduce((n, [, , r]) => n + r.errors, 0)}.`,
  )
  console.log(
    `Mean time the supplier adds per relay (its own metric): ${ms((addedSum / addedCount) * 1000)}.`,
  )
  const p50 = (v: number[]) => percentile(v, 50)
  console.log(
    `\nStreams (${STREAM_EVENTS} SSE events 1 ms apart, one at a time, ${streamsRelayed.total.length} runs): ` +
      `first token p50 ${ms(p50(streamsDirect.firstToken))} direct, ${ms(p50(streamsRelayed.firstToken))} as signed frames ` +
      `(+${ms(p50(streamsRelayed.firstToken) - p50(streamsDirect.firstToken))}); whole answer p50 ` +
      `${ms(p50(streamsDirect.total))} direct, ${ms(p50(streamsRelayed.total))} relayed ` +
      `(+${ms(p50(streamsRelayed.total) - p50(streamsDirect.total))}, ` +
      `${ms((p50(streamsRelayed.total) - p50(streamsDirect.total)) / STREAM_EVENTS)} per event).`,
  )

  const exited = new Promise((r) => child.once('exit', r))
  stopChild()
  await exited
  await devnet.stop()
  stub.close()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
