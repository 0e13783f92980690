// Gateway replicas sharing Redis: throughput with 1, 2 and 3 replicas, and the time Redis adds
// to a request.
//
// 1. Redis on the request path. A request waits for one Redis round trip before it is relayed
//    (the admission script: budget, requests and tokens per minute, the reservation); the
//    settlement runs after the answer. Measured here as the time of that admission against a
//    real redis-server on loopback, and against the in-memory limits, one call at a time.
// 2. The same seen from a request: one gateway process with the in-memory limits, then one
//    with Redis, each sampled one request at a time (`x-decai-overhead-duration-ms`: its own
//    time, without the supplier's), with a key that has a budget and limits.
// 3. Throughput: 1, 2 and 3 gateway processes sharing Redis and one key store, behind the
//    round-robin test balancer (keys in a real PostgreSQL, each replica with its own spend
//    outbox), two real suppliers in front of a stub backend that answers at
//    once, autocannon in its own process.
//
//   pnpm --filter @decai/gateway bench:replicas [-- --duration 8 --connections 32 --samples 300]
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createLogger } from '@decai/app-kit/logger'
import { startPostgres, startRedis } from '../../../tools/servers/servers.mjs'
import type { GatewayConfigInput } from '../src/config.js'
import { type AdmitRequest, type KeyLimits, MemoryKeyLimits } from '../src/rate-limiter.js'
import { RedisKeyLimits } from '../src/redis-key-limits.js'
import { connectRedisState } from '../src/redis-state.js'
import { SqliteKeyStore } from '../src/sqlite-key-store.js'
import {
  ADMIN_TOKEN,
  MODEL,
  SERVICE_ID,
  startStubBackend,
  startSupplierNetwork,
  tempDir,
} from '../test/helpers.js'
import { startBalancer, startReplicas } from '../test/replicas.js'

const args = process.argv.slice(2)
const { values } = parseArgs({
  args: args[0] === '--' ? args.slice(1) : args,
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    samples: { type: 'string', default: '300' },
  },
})
const duration = Number(values.duration)
const connections = Number(values.connections)
const samples = Number(values.samples)
const here = new URL('..', import.meta.url).pathname
const dir = tempDir('decai-gateway-bench-replicas-')
const chatBody = JSON.stringify({
  model: MODEL,
  messages: [{ role: 'user', content: 'hi' }],
  max_tokens: 8,
})
const chatFile = join(dir, 'chat.json')
writeFileSync(chatFile, chatBody)

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
const fmt = (ms: number) => `${ms.toFixed(3)} ms`

async function timeAdmissions(limits: KeyLimits, n: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const request: AdmitRequest = {
      keyId: `key_${i % 50}`,
      rpm: 1_000_000,
      tpm: 1_000_000_000,
      budget: { budgetUsd: 1_000_000, spentUsd: 0, reserveUsd: 0.0001 },
    }
    const t0 = performance.now()
    const admission = await limits.admit(request)
    out.push(performance.now() - t0)
    if (admission.ok)
      await limits.settle(request.keyId, {
        tokens: 10,
        costUsd: 0.00001,
        reservation: admission.reservation,
      })
  }
  return out.sort((a, b) => a - b)
}

function runAutocannon(url: string, headers: Record<string, string>) {
  return new Promise<{ rps: number; p50: number; p99: number; errors: number }>(
    (resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(here, 'bench/autocannon-run.ts'),
          JSON.stringify({
            url,
            connections,
            duration,
            bodyFile: chatFile,
            headers: { 'content-type': 'application/json', ...headers },
          }),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.on('exit', (code) => {
        if (code !== 0) return reject(new Error('autocannon failed'))
        const r = JSON.parse(out) as {
          latency: { p50: number; p99: number }
          requests: { average: number }
          errors: number
          non2xx: number
        }
        resolve({
          rps: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          errors: r.errors + r.non2xx,
        })
      })
    },
  )
}

async function chat(url: string, key: string): Promise<Response> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: chatBody,
  })
  const body = await res.text()
  if (!res.ok) throw new Error(`gateway answered ${res.status}: ${body}`)
  return res
}

/** Until the gateway serves (its first session read), then `n` warm-up requests. */
async function warmUp(url: string, key: string, n = 300): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      await chat(url, key)
      break
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  for (let i = 0; i < n; i++) await chat(url, key).catch(() => {})
}

async function createKey(url: string): Promise<string> {
  const res = await fetch(`${url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', rpm: 10_000_000, tpm: 10_000_000_000, budgetUsd: 1e6 }),
  })
  return ((await res.json()) as { key: string }).key
}

async function main() {
  const logger = createLogger({ level: 'silent' })
  const redis = await startRedis()
  const stub = await startStubBackend({ tokens: 8 })
  const net = await startSupplierNetwork({ suppliers: ['good', 'good'], backendUrl: stub.url })
  const pg = await startPostgres()
  const stops: (() => Promise<void>)[] = [
    () => redis.stop(),
    () => pg.stop(),
    () => stub.stop(),
    () => net.stop(),
  ]
  try {
    // 1. The admission round trip.
    const state = await connectRedisState(
      { url: redis.url, keyPrefix: 'bench:', commandTimeoutMs: 1000 },
      logger,
    )
    const shared = new RedisKeyLimits(
      state,
      { requests: 'local', tokens: 'local', budget: 'closed' },
      logger,
    )
    const memory = new MemoryKeyLimits()
    await timeAdmissions(shared, 500)
    await timeAdmissions(memory, 500)
    const redisTimes = await timeAdmissions(shared, 5000)
    const memoryTimes = await timeAdmissions(memory, 5000)
    await state.close()

    // 2. and 3. Gateway processes.
    const baseConfig = (kind: 'memory' | 'redis', name: string): GatewayConfigInput => {
      const storePath = join(dir, `${name}.sqlite`)
      return {
        chain: { rpcUrl: net.devnet.rpcUrl, pollingIntervalMs: 500 },
        gateway: { privateKey: net.gatewayPrivateKey },
        models: [
          {
            name: MODEL,
            serviceId: SERVICE_ID,
            pricing: { promptPerMillion: 1, completionPerMillion: 2 },
          },
        ],
        store: { path: storePath },
        auth: { adminToken: ADMIN_TOKEN },
        sharedState:
          kind === 'redis' ? { kind, redis: { url: redis.url, keyPrefix: `${name}:` } } : { kind },
        log: { level: 'warn' },
      }
    }
    const overhead: Record<string, number[]> = {}
    for (const kind of ['memory', 'redis'] as const) {
      const config = baseConfig(kind, `overhead-${kind}`)
      await new SqliteKeyStore(join(dir, `overhead-${kind}.sqlite`)).close()
      const one = await startReplicas(1, config, dir)
      try {
        const url = one.replicas[0]!.url
        const key = await createKey(url)
        await warmUp(url, key)
        const times: number[] = []
        for (let i = 0; i < samples; i++) {
          const res = await chat(url, key).catch((error: unknown) => {
            console.error(`${kind}: ${String(error)}`)
            return undefined
          })
          if (res) times.push(Number(res.headers.get('x-decai-overhead-duration-ms')))
        }
        overhead[kind] = times.sort((a, b) => a - b)
      } finally {
        await one.stop()
      }
    }

    const throughput: {
      replicas: number
      rps: number
      p50: number
      p99: number
      errors: number
    }[] = []
    for (const count of [1, 2, 3]) {
      const name = `replicas-${count}`
      const group = await startReplicas(count, baseConfig('redis', name), dir, (i) => ({
        store: {
          kind: 'postgres',
          url: pg.url,
          outboxPath: join(dir, `${name}-outbox-${i}.sqlite`),
        },
      }))
      const balancer = await startBalancer(group.replicas.map((r) => r.url))
      try {
        const key = await createKey(group.replicas[0]!.url)
        await warmUp(balancer.url, key)
        const r = await runAutocannon(`${balancer.url}/v1/chat/completions`, {
          authorization: `Bearer ${key}`,
        })
        throughput.push({ replicas: count, ...r })
      } finally {
        await balancer.stop()
        await group.stop()
      }
    }

    console.log('\n## Redis on the request path (admission script, one call at a time)')
    console.log('| limits | p50 | p90 | p99 |')
    console.log('| --- | --- | --- | --- |')
    for (const [label, t] of [
      ['redis (loopback)', redisTimes],
      ['memory', memoryTimes],
    ] as const)
      console.log(
        `| ${label} | ${fmt(percentile(t, 50))} | ${fmt(percentile(t, 90))} | ${fmt(percentile(t, 99))} |`,
      )
    console.log(
      `Redis adds ${fmt(percentile(redisTimes, 50) - percentile(memoryTimes, 50))} at p50 per request.`,
    )
    console.log(`\n## The gateway's own time per request (${samples} sequential requests)`)
    console.log('| limits | p50 | p99 |')
    console.log('| --- | --- | --- |')
    for (const [label, t] of Object.entries(overhead))
      console.log(`| ${label} | ${fmt(percentile(t, 50))} | ${fmt(percentile(t, 99))} |`)
    console.log(
      `\n## Throughput behind the balancer (${connections} connections, ${duration} s, Redis and PostgreSQL shared)`,
    )
    console.log('| replicas | requests/s | p50 | p99 | errors |')
    console.log('| --- | --- | --- | --- | --- |')
    for (const t of throughput)
      console.log(
        `| ${t.replicas} | ${Math.round(t.rps)} | ${t.p50} ms | ${t.p99} ms | ${t.errors} |`,
      )
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {})
  }
}

await main()
process.exit(0)
