// Three gateway replicas (separate processes, from the CLI) behind a round-robin balancer on
// loopback, sharing one real PostgreSQL key store (a shared SQLite file where PostgreSQL is
// not installed, outside CI) and one real Redis, in front of two real suppliers on the
// devnet (stub backends, counted). Across the replicas: a key limited to 60 requests per
// minute gets exactly 60; 32 concurrent clients overspend a budget by at most one request's
// reservation; a supplier one replica puts in cooldown gets no traffic from any replica within
// a second; with Redis stopped each limit follows its documented policy, and the replicas use
// Redis again once it is back, without a restart.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, type TestServer } from '../../../tools/servers/servers.mjs'
import { getWorstCaseCost } from '../src/budget-reservation.js'
import type { GatewayConfigInput } from '../src/index.js'
import { SqliteKeyStore } from '../src/sqlite-key-store.js'
import {
  ADMIN_TOKEN,
  listenHttp,
  MODEL,
  SERVICE_ID,
  type SupplierNetwork,
  startStubBackend,
  startSupplierNetwork,
  tempDir,
  waitUntil,
} from './helpers.js'
import { type Balancer, type Replicas, startBalancer, startReplicas } from './replicas.js'
import { startPostgres, withPostgres, withRedis } from './servers.js'

const PRICING = { promptPerMillion: 1, completionPerMillion: 2 }
const CHAT = { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 }
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }

/** A backend in front of the stub that counts requests and can answer 500 instead. */
async function startCountingBackend(target: string) {
  const state = { count: 0, failing: false }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.count++
    if (state.failing) {
      req.resume()
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end('{"error":{"message":"down","type":"server_error","code":null,"param":null}}')
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void fetch(new URL(req.url ?? '/', target), {
        method: req.method ?? 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
      }).then(async (answer) => {
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' })
        res.end(Buffer.from(await answer.arrayBuffer()))
      })
    })
  })
  return { state, ...(await listenHttp(server)) }
}

async function chat(url: string, key: string, body: object = CHAT): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

describe.runIf(withRedis)('three gateway replicas sharing Redis', () => {
  const stops: (() => Promise<void>)[] = []
  let redis: TestServer
  let network: SupplierNetwork
  let replicas: Replicas
  let balancer: Balancer
  let backends: Awaited<ReturnType<typeof startCountingBackend>>[]

  beforeAll(async () => {
    const dir = tempDir()
    redis = await startRedis()
    stops.push(() => redis.stop())
    const stub = await startStubBackend({ tokens: 8 })
    stops.push(() => stub.stop())
    backends = [await startCountingBackend(stub.url), await startCountingBackend(stub.url)]
    for (const b of backends) stops.push(() => b.stop())
    network = await startSupplierNetwork({
      suppliers: ['good', 'good'],
      backendUrl: stub.url,
      backendUrls: backends.map((b) => b.url),
    })
    stops.push(() => network.stop())
    // The shared store: PostgreSQL (each replica with its own spend outbox), or one SQLite file
    // in WAL mode, created once before the replicas open it.
    let store: GatewayConfigInput['store']
    let pgUrl: string | undefined
    if (withPostgres) {
      const pg = await startPostgres()
      stops.push(() => pg.stop())
      pgUrl = pg.url
      store = { kind: 'postgres', url: pg.url }
    } else {
      const path = join(dir, 'keys.sqlite')
      await new SqliteKeyStore(path).close()
      store = { path }
    }
    replicas = await startReplicas(
      3,
      {
        chain: { rpcUrl: network.devnet.rpcUrl, pollingIntervalMs: 200, blockTransport: 'polling' },
        gateway: { privateKey: network.gatewayPrivateKey },
        models: [{ name: MODEL, serviceId: SERVICE_ID, pricing: PRICING }],
        store,
        auth: { adminToken: ADMIN_TOKEN },
        sharedState: { kind: 'redis', redis: { url: redis.url } },
        routing: { failureThreshold: 1, cooldownMs: 120_000, hedge: false, explorationRate: 0 },
        log: { level: 'warn' },
      },
      dir,
      (i) =>
        pgUrl === undefined
          ? {}
          : {
              store: { kind: 'postgres', url: pgUrl, outboxPath: join(dir, `outbox-${i}.sqlite`) },
            },
    )
    stops.push(() => replicas.stop())
    balancer = await startBalancer(replicas.replicas.map((r) => r.url))
    stops.push(() => balancer.stop())
  })

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {})
  })

  async function createKey(body: object): Promise<{ key: string; id: string }> {
    const res = await fetch(`${replicas.replicas[0]!.url}/admin/keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify(body),
    })
    expect(res.status).toBe(201)
    return (await res.json()) as { key: string; id: string }
  }

  async function getKey(id: string, replica = 0): Promise<{ spentUsd: number }> {
    const res = await fetch(`${replicas.replicas[replica]!.url}/admin/keys/${id}`, {
      headers: admin,
    })
    return (await res.json()) as { spentUsd: number }
  }

  it('accepts exactly 60 requests per minute for a key limited to 60, across the replicas', async () => {
    const { key } = await createKey({ name: 'rpm', rpm: 60 })
    const before = [...balancer.sent]
    const statuses: number[] = []
    // 90 requests from 6 concurrent clients, within a few seconds.
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let i = 0; i < 15; i++) {
          const res = await chat(balancer.url, key)
          await res.arrayBuffer()
          statuses.push(res.status)
        }
      }),
    )
    expect(statuses.filter((s) => s === 200)).toHaveLength(60)
    expect(statuses.filter((s) => s === 429)).toHaveLength(30)
    // Every replica took its share.
    for (const [i, n] of balancer.sent.entries()) expect(n - before[i]!).toBe(30)
    // The session was read from the chain once and shared in Redis.
    const { Redis } = await import('ioredis')
    const client = new Redis(redis.url)
    expect((await client.keys('decai:session:*')).length).toBeGreaterThan(0)
    client.disconnect()
  })

  it('lets 32 concurrent clients overspend a budget by at most one reservation', async () => {
    const reservation = getWorstCaseCost(
      { pricing: PRICING, contextLength: undefined },
      'chat',
      CHAT,
      4096,
    )
    // The stub answers 5 prompt and 8 completion tokens: 21 µUSD a request, against 53 reserved.
    const cost = (5 * PRICING.promptPerMillion + 8 * PRICING.completionPerMillion) / 1e6
    expect(reservation).toBeGreaterThan(cost)
    const budgetUsd = 40 * cost
    const { key, id } = await createKey({ name: 'budget', budgetUsd })
    let served = 0
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (;;) {
          const res = await chat(balancer.url, key)
          const body = (await res.json()) as { error?: { code: string } }
          if (res.status !== 200) {
            expect(body.error?.code).toBe('insufficient_quota')
            return
          }
          served++
        }
      }),
    )
    // Spend is written after the answer: wait for the last ones.
    await waitUntil(async () => Math.abs((await getKey(id)).spentUsd - served * cost) < 1e-9, 5000)
    const { spentUsd } = await getKey(id, 2)
    expect(spentUsd).toBeGreaterThan(budgetUsd - reservation)
    expect(spentUsd).toBeLessThanOrEqual(budgetUsd + reservation + 1e-12)
  })

  it('keeps every replica away from a supplier one of them put in cooldown, within a second', async () => {
    const { key } = await createKey({ name: 'cooldown' })
    const [one, two, three] = replicas.replicas as [
      (typeof replicas.replicas)[0],
      (typeof replicas.replicas)[0],
      (typeof replicas.replicas)[0],
    ]
    // The supplier replica one routes to now is the one whose backend breaks.
    const probe = await chat(one.url, key)
    await probe.arrayBuffer()
    const bad = probe.headers.get('x-decai-supplier')!
    const badIndex = network.suppliers.findIndex((s) => s.address === bad)
    expect(badIndex).toBeGreaterThanOrEqual(0)
    const [badBackend, goodBackend] = [backends[badIndex]!, backends[1 - badIndex]!]
    const stateOf = async (url: string) => {
      const res = await fetch(`${url}/admin/suppliers`, { headers: admin })
      const { data } = (await res.json()) as { data: { supplier: string; state: string }[] }
      return data.find((s) => s.supplier === bad)?.state
    }
    badBackend.state.failing = true
    // Only replica one sees the failure; the other replicas would still route there.
    for (let i = 0; i < 20 && (await stateOf(one.url)) !== 'cooldown'; i++) {
      const res = await chat(one.url, key)
      expect(res.status).toBe(200)
      await res.arrayBuffer()
    }
    expect(await stateOf(one.url)).toBe('cooldown')
    const set = performance.now()
    await waitUntil(
      async () =>
        (await stateOf(two.url)) === 'cooldown' && (await stateOf(three.url)) === 'cooldown',
      1000,
    )
    expect(performance.now() - set).toBeLessThan(1000)
    // Healthy again behind the scenes, but in cooldown for every replica: no traffic at all.
    badBackend.state.failing = false
    badBackend.state.count = 0
    const good = goodBackend.state.count
    for (let i = 0; i < 30; i++) {
      const res = await chat(balancer.url, key)
      expect(res.status).toBe(200)
      expect(res.headers.get('x-decai-supplier')).not.toBe(bad)
      await res.arrayBuffer()
    }
    expect(badBackend.state.count).toBe(0)
    expect(goodBackend.state.count - good).toBe(30)
  })

  it('follows the failure policy while Redis is down and recovers without a restart', async () => {
    const limited = await createKey({ name: 'limited', rpm: 1000 })
    const budgeted = await createKey({ name: 'budgeted', budgetUsd: 1 })
    await redis.pause()
    // Default policy: request limits fall back to each replica's window, budgets fail closed.
    for (let i = 0; i < 6; i++) {
      const ok = await chat(balancer.url, limited.key)
      expect(ok.status).toBe(200)
      await ok.arrayBuffer()
      const refused = await chat(balancer.url, budgeted.key)
      expect(refused.status).toBe(503)
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        'limits_unavailable',
      )
    }
    await redis.start()
    // Every replica reconnects on its own (at most a second between attempts).
    await waitUntil(async () => {
      const results = await Promise.all(
        replicas.replicas.map(async (r) => {
          const res = await chat(r.url, budgeted.key)
          await res.arrayBuffer()
          return res.status
        }),
      )
      return results.every((s) => s === 200)
    }, 10_000)
  })
})
