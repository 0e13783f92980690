// Gateway replicas sharing Redis and PostgreSQL: throughput with 1, 2 and 3 replicas, the
// time Redis and PostgreSQL add to a request, and where the CPU goes.
//
// 1. Redis on the request path. A request waits for one Redis round trip before it is relayed
//    (the admission script: budget, requests and tokens per minute, the reservation); the
//    settlement runs after the answer. Timed against a real redis-server on loopback, and
//    against the in-memory limits, one call at a time.
// 2. PostgreSQL on the request path: the key lookup before the relay, one call at a time,
//    against SQLite (and, for the record, the usage row with its spend, written after the
//    answer has gone out).
// 3. The same seen from a request: one gateway process with the in-memory limits, then one
//    with Redis, each sampled one request at a time (`x-decai-overhead-duration-ms`: its own
//    time, without the supplier's), with a key that has a budget and limits.
// 4. Throughput: 1, 2 and 3 gateway processes sharing Redis and one PostgreSQL (each replica
//    with its own spend outbox), behind the round-robin test balancer, two real suppliers in
//    front of a stub backend (an HTTP server that answers at once, so no model is measured),
//    autocannon in its own process. Beside each run: the CPU each replica spends per request
//    and per idle second, the CPU of the suppliers and the backend (this process), the share
//    of the machine that was busy, and what PostgreSQL's sessions were doing (sampled from
//    pg_stat_activity every 50 ms: waiting on a lock, on I/O, or idle).
//
//   pnpm --filter @decai/gateway bench:replicas [-- --duration 8 --connections 32 --samples 300]
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createLogger } from '@decai/app-kit/logger'
import { openPostgres } from '@decai/app-kit/postgres'
import { startPostgres, startRedis } from '../../../tools/servers/servers.mjs'
import type { GatewayConfigInput } from '../src/config.js'
import { PostgresKeyStore } from '../src/postgres-key-store.js'
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

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** The machine's busy and total CPU seconds, from /proc/stat. */
function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number)
  const idle = line[3]! + line[4]!
  const total = line.reduce((a, b) => a + b, 0)
  return { busy: (total - idle) / 100, total: total / 100 }
}

/** Each call of `fn` timed, one at a time, sorted. */
async function timeCalls(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    await fn(i)
    out.push(performance.now() - t0)
  }
  return out.sort((a, b) => a - b)
}

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

    // PostgreSQL on the request path: the key lookup before the relay (the usage row and its
    // spend are written after the answer has gone out), against the same in SQLite.
    const pgStore = await PostgresKeyStore.open({
      url: pg.url,
      maxConnections: 10,
      connectTimeoutMs: 5000,
      outboxPath: join(dir, 'lookup-outbox.sqlite'),
    })
    const sqliteStore = new SqliteKeyStore(join(dir, 'lookup.sqlite'))
    const lookups: Record<'postgres' | 'sqlite', { lookup: number[]; record: number[] }> = {
      postgres: { lookup: [], record: [] },
      sqlite: { lookup: [], record: [] },
    }
    for (const [label, store] of [
      ['postgres', pgStore],
      ['sqlite', sqliteStore],
    ] as const) {
      const { key, record } = await store.create({ name: 'lookup', budgetUsd: 1e6 })
      await timeCalls(500, () => store.authenticate(key))
      lookups[label].lookup = await timeCalls(5000, () => store.authenticate(key))
      lookups[label].record = await timeCalls(2000, () =>
        store.recordUsage({
          keyId: record.id,
          at: Date.now(),
          endpoint: 'chat',
          model: MODEL,
          serviceId: SERVICE_ID,
          application: null,
          supplier: null,
          status: 200,
          stream: false,
          promptTokens: 5,
          completionTokens: 8,
          relays: 1,
          latencyMs: 1,
          ttftMs: 1,
          costUsd: 0.00001,
        }),
      )
      await store.close()
    }

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
      /** CPU milliseconds per request of each replica (all requests counted, not its share). */
      replicaCpuMs: number[]
      /** CPU milliseconds per second of each replica while no request comes. */
      idleCpuMs: number[]
      /** CPU milliseconds per request of the suppliers and the backend (this process). */
      ownCpuMs: number
      /** The machine's busy share of its cores during the run. */
      machineBusy: number
      pgSessions: number
      pgStates: string
    }[] = []
    const watcher = openPostgres({ url: pg.url, maxConnections: 1, connectTimeoutMs: 5000 })
    stops.push(() => watcher.end({ timeout: 1 }))
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
        // Where the time goes: CPU of each replica, of this process (both suppliers and the
        // backend), of the whole machine; what PostgreSQL's sessions wait on meanwhile.
        const pids = group.replicas.map((r) => r.process.pid!)
        // A replica's fixed cost, without requests: chain polling, the health and routing
        // figures synced through Redis every second.
        const idle0 = pids.map(cpuSecondsOf)
        await new Promise((r) => setTimeout(r, 3000))
        const idleCpuMs = pids.map((pid, i) => ((cpuSecondsOf(pid) - idle0[i]!) * 1000) / 3)
        const replicaCpu0 = pids.map(cpuSecondsOf)
        const ownCpu0 = process.cpuUsage()
        const machine0 = machineCpuSeconds()
        const waits = new Map<string, number>()
        let polls = 0
        let sessions = 0
        let sampling = true
        const sampler = (async () => {
          while (sampling) {
            const rows = await watcher<{ state: string | null; wait: string | null }[]>`
              SELECT state, wait_event_type || ':' || wait_event AS wait FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()`
            polls++
            sessions += rows.length
            for (const row of rows) {
              const label =
                row.state === 'active' ? `active ${row.wait ?? 'on CPU'}` : `${row.state}`
              waits.set(label, (waits.get(label) ?? 0) + 1)
            }
            await new Promise((r) => setTimeout(r, 50))
          }
        })()
        const r = await runAutocannon(`${balancer.url}/v1/chat/completions`, {
          authorization: `Bearer ${key}`,
        })
        sampling = false
        await sampler
        const requests = r.rps * duration
        const replicaCpu = pids.map((pid, i) => cpuSecondsOf(pid) - replicaCpu0[i]!)
        const own = process.cpuUsage(ownCpu0)
        const machine1 = machineCpuSeconds()
        throughput.push({
          replicas: count,
          ...r,
          replicaCpuMs: replicaCpu.map((cpu) => (cpu * 1000) / requests),
          idleCpuMs,
          ownCpuMs: (own.user + own.system) / 1000 / requests,
          machineBusy: (machine1.busy - machine0.busy) / (machine1.total - machine0.total),
          pgSessions: sessions / Math.max(1, polls),
          pgStates: [...waits.entries()]
            .sort((a, b) => b[1] - a[1])
            .map(([label, n]) => `${label} ${(n / Math.max(1, polls)).toFixed(1)}`)
            .join(', '),
        })
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
    console.log('\n## PostgreSQL on the request path (one call at a time, against SQLite)')
    console.log(
      '| store | key lookup p50 | p90 | p99 | usage row + spend p50 (after the answer) | p99 |',
    )
    console.log('| --- | --- | --- | --- | --- | --- |')
    for (const [label, t] of Object.entries(lookups))
      console.log(
        `| ${label} | ${fmt(percentile(t.lookup, 50))} | ${fmt(percentile(t.lookup, 90))} | ${fmt(percentile(t.lookup, 99))} | ${fmt(percentile(t.record, 50))} | ${fmt(percentile(t.record, 99))} |`,
      )
    const pgAdds = percentile(lookups.postgres.lookup, 50) - percentile(lookups.sqlite.lookup, 50)
    const redisAdds = percentile(redisTimes, 50) - percentile(memoryTimes, 50)
    console.log(
      `PostgreSQL adds ${fmt(pgAdds)} at p50 per request; with Redis, the shared stores add ${fmt(pgAdds + redisAdds)}.`,
    )
    console.log(`\n## The gateway's own time per request (${samples} sequential requests)`)
    console.log('| limits | p50 | p99 |')
    console.log('| --- | --- | --- |')
    for (const [label, t] of Object.entries(overhead))
      console.log(`| ${label} | ${fmt(percentile(t, 50))} | ${fmt(percentile(t, 99))} |`)
    console.log(
      `\n## Throughput behind the balancer (${connections} connections, ${duration} s, Redis and PostgreSQL shared)`,
    )
    console.log(
      '| replicas | requests/s | p50 | p99 | errors | CPU ms per request: replicas | idle replicas, CPU ms/s | suppliers + backend | machine busy | PostgreSQL sessions (mean: state) |',
    )
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    for (const t of throughput)
      console.log(
        `| ${t.replicas} | ${Math.round(t.rps)} | ${t.p50} ms | ${t.p99} ms | ${t.errors} | ${t.replicaCpuMs.map((c) => c.toFixed(2)).join(' + ')} | ${t.idleCpuMs.map((c) => c.toFixed(0)).join(', ')} | ${t.ownCpuMs.toFixed(2)} | ${Math.round(t.machineBusy * 100)}% | ${t.pgSessions.toFixed(1)}: ${t.pgStates} |`,
      )
    console.log(
      `Load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
    )
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {})
  }
}

await main()
process.exit(0)
