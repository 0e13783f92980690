// Limits, budget reservations and suppliers' health shared through a real Redis (Debian's
// redis-server on loopback): several "replicas" (each its own connections and objects, as in
// separate processes) enforce one limit, one budget and one cooldown; with Redis stopped each
// limit follows its failure policy, and once Redis is back the same objects use it again.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLogger } from '@decai/app-kit/logger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, type TestServer } from '../../../tools/servers/servers.mjs'
import type { CachedSession } from '../src/chain-view.js'
import type { AdmitRequest, Reservation } from '../src/rate-limiter.js'
import { type RedisFailurePolicies, RedisKeyLimits } from '../src/redis-key-limits.js'
import { parseSession, RedisSessionCache, serializeSession } from '../src/redis-session-cache.js'
import { connectRedisState, type RedisState } from '../src/redis-state.js'
import { RedisSupplierHealth } from '../src/redis-supplier-health.js'
import { SqliteKeyStore } from '../src/sqlite-key-store.js'
import { SupplierRouter } from '../src/supplier-router.js'
import { updateKey } from '../src/update-key.js'
import { tempDir, waitUntil } from './helpers.js'
import { withRedis } from './servers.js'

const logger = createLogger({ level: 'silent' })
const gatewayDir = fileURLToPath(new URL('..', import.meta.url))
const routing = {
  explorationRate: 0,
  failureThreshold: 3,
  cooldownMs: 60_000,
  maxCooldownMs: 300_000,
  badSignatureCooldownMs: 60_000,
  probationRate: 0.1,
  probationSuccesses: 2,
}

describe.runIf(withRedis)('shared state in Redis', () => {
  let redis: TestServer
  const states: RedisState[] = []

  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    for (const s of states) await s.close()
    await redis?.stop()
  })

  async function replica(
    policies: RedisFailurePolicies = { requests: 'local', tokens: 'local', budget: 'closed' },
    keyPrefix = 'decai:',
  ) {
    const state = await connectRedisState(
      { url: redis.url, keyPrefix, commandTimeoutMs: 250 },
      logger,
    )
    states.push(state)
    return { state, limits: new RedisKeyLimits(state, policies, logger) }
  }

  it('enforces one requests-per-minute limit across replicas: exactly 60 of 150', async () => {
    const replicas = await Promise.all([replica(), replica(), replica()])
    const request: AdmitRequest = { keyId: 'key_rpm', rpm: 60, tpm: null, budget: null }
    const decisions = await Promise.all(
      Array.from({ length: 150 }, (_, i) => replicas[i % 3]!.limits.admit(request)),
    )
    expect(decisions.filter((d) => d.ok)).toHaveLength(60)
    expect(decisions.filter((d) => !d.ok && d.kind === 'requests')).toHaveLength(90)
    expect(await replicas[1]!.limits.usage('key_rpm')).toEqual({ requests: 60, tokens: 0 })
  })

  it('counts tokens once settled, for every replica', async () => {
    const [a, b] = await Promise.all([replica(), replica()])
    const request: AdmitRequest = { keyId: 'key_tpm', rpm: null, tpm: 100, budget: null }
    expect((await a.limits.admit(request)).ok).toBe(true)
    await a.limits.settle('key_tpm', { tokens: 100, costUsd: 0, reservation: undefined })
    expect(await b.limits.admit(request)).toMatchObject({ ok: false, kind: 'tokens', limit: 100 })
  })

  it('lets 32 concurrent requests overspend a budget by at most one reservation', async () => {
    const replicas = await Promise.all([replica(), replica(), replica()])
    const budgetUsd = 0.01
    const reserveUsd = 0.0015
    let spent = 0 // the key store's figure, as each admission would read it
    const run = async (i: number) => {
      const limits = replicas[i % 3]!.limits
      const admission = await limits.admit({
        keyId: 'key_budget',
        rpm: null,
        tpm: null,
        budget: { budgetUsd, spentUsd: spent, reserveUsd },
      })
      if (!admission.ok) return false
      await new Promise((r) => setTimeout(r, 5 + (i % 7) * 3))
      const cost = reserveUsd * (0.5 + (i % 5) / 10) // up to 0.9 of the worst case
      spent += cost
      await limits.settle('key_budget', {
        tokens: 10,
        costUsd: cost,
        reservation: admission.reservation,
      })
      return true
    }
    const served = await Promise.all(Array.from({ length: 32 }, (_, i) => run(i)))
    const accepted = served.filter(Boolean).length
    expect(accepted).toBeGreaterThan(0)
    expect(accepted).toBeLessThan(32)
    expect(spent).toBeLessThanOrEqual(budgetUsd + reserveUsd)
    // Without the reservations every one of them would have passed the check at spend 0.
    const after = await replicas[0]!.limits.admit({
      keyId: 'key_budget',
      rpm: null,
      tpm: null,
      budget: { budgetUsd, spentUsd: 0, reserveUsd },
    })
    if (spent >= budgetUsd) expect(after).toMatchObject({ ok: false, kind: 'budget' })
  })

  it('shares a cooldown with every replica within a second, and its end', async () => {
    const replicas = await Promise.all([replica(), replica(), replica()])
    const routers = replicas.map((r) => {
      const router = new SupplierRouter(routing)
      const health = new RedisSupplierHealth(r.state, router, logger)
      return { router, health }
    })
    for (const r of routers) await r.health.start()
    const [one, two, three] = routers.map((r) => r.router) as [
      SupplierRouter,
      SupplierRouter,
      SupplierRouter,
    ]
    one.started('llm', 'bad')
    one.failed('llm', 'bad', 'bad_signature')
    expect(one.state('llm', 'bad')).toBe('cooldown')
    const set = performance.now()
    await waitUntil(
      () => two.state('llm', 'bad') === 'cooldown' && three.state('llm', 'bad') === 'cooldown',
      1000,
    )
    expect(performance.now() - set).toBeLessThan(1000)
    for (let i = 0; i < 20; i++) expect(two.select('llm', ['bad', 'good'])).toBe('good')
    // A replica started later catches up from the hash.
    const late = new SupplierRouter(routing)
    await new RedisSupplierHealth((await replica()).state, late, logger).start()
    expect(late.state('llm', 'bad')).toBe('cooldown')
  })

  it("scores a supplier a replica has not measured on the other replicas' figures", async () => {
    const [a, b] = await Promise.all([
      replica(undefined, 'figures:'),
      replica(undefined, 'figures:'),
    ])
    const measured = new SupplierRouter(routing)
    const fresh = new SupplierRouter(routing)
    const shareA = new RedisSupplierHealth(a.state, measured, logger)
    const shareB = new RedisSupplierHealth(b.state, fresh, logger)
    for (let i = 0; i < 5; i++) {
      for (const [supplier, ttftMs] of [
        ['fast', 100],
        ['slow', 2000],
      ] as const) {
        measured.started('llm', supplier)
        measured.succeeded('llm', supplier, { ttftMs, tokensPerSecond: 20, latencyMs: ttftMs })
      }
    }
    await shareA.shareFigures()
    await shareB.shareFigures()
    // Not measured here, measured there: no blind exploration, the fast one every time.
    for (let i = 0; i < 20; i++) expect(fresh.select('llm', ['fast', 'slow'])).toBe('fast')
    shareA.stop()
    shareB.stop()
  })

  it('shares a session between replicas, bigints and ring keys intact', async () => {
    const session: CachedSession = {
      header: {
        applicationAddress: 'pokt1app',
        serviceId: 'llm',
        sessionId: 'abc',
        sessionStartBlockHeight: 11n,
        sessionEndBlockHeight: 20n,
      },
      startHeight: 11n,
      endHeight: 20n,
      graceEndHeight: 21n,
      suppliers: [{ operatorAddress: 'pokt1sup', url: 'http://127.0.0.1:1' }],
      ring: [new Uint8Array([2, 1, 2, 3]), new Uint8Array([3, 4, 5, 6])],
    }
    expect(parseSession(serializeSession(session))).toEqual(session)
    const [a, b] = await Promise.all([replica(), replica()])
    await new RedisSessionCache(a.state, logger).set('pokt1app', 'llm', session)
    const cache = new RedisSessionCache(b.state, logger)
    expect(await cache.get('pokt1app', 'llm', 11n)).toEqual(session)
    expect(await cache.get('pokt1app', 'llm', 21n)).toBeUndefined()
  })

  it('follows each limit policy while Redis is down, and uses Redis again once it is back', async () => {
    const a = await replica({ requests: 'local', tokens: 'open', budget: 'closed' })
    const closed = await replica({ requests: 'closed', tokens: 'closed', budget: 'closed' })
    const open = await replica({ requests: 'open', tokens: 'open', budget: 'open' })
    const limited: AdmitRequest = { keyId: 'key_down', rpm: 2, tpm: 10, budget: null }
    const budgeted: AdmitRequest = {
      keyId: 'key_down_budget',
      rpm: null,
      tpm: null,
      budget: { budgetUsd: 1, spentUsd: 0, reserveUsd: 0.1 },
    }
    expect((await a.limits.admit(limited)).ok).toBe(true)

    await redis.pause()
    await waitUntil(() => !a.state.isUp() && !closed.state.isUp() && !open.state.isUp(), 5000)
    const started = performance.now()
    // `local`: this replica's own window (2 per minute), counted from zero.
    expect((await a.limits.admit(limited)).ok).toBe(true)
    expect((await a.limits.admit(limited)).ok).toBe(true)
    expect(await a.limits.admit(limited)).toMatchObject({ ok: false, kind: 'requests' })
    // `closed`: refused at once (503 limits_unavailable at the route).
    expect(await closed.limits.admit(limited)).toEqual({
      ok: false,
      kind: 'unavailable',
      limit: 'requests',
    })
    expect(await a.limits.admit(budgeted)).toEqual({
      ok: false,
      kind: 'unavailable',
      limit: 'budget',
    })
    // `open`: not counted; a budget only compares the stored spend.
    for (let i = 0; i < 5; i++) expect((await open.limits.admit(limited)).ok).toBe(true)
    expect((await open.limits.admit(budgeted)).ok).toBe(true)
    expect(
      await open.limits.admit({
        ...budgeted,
        budget: { budgetUsd: 1, spentUsd: 1, reserveUsd: 0.1 },
      }),
    ).toMatchObject({ ok: false, kind: 'budget' })
    // No request waited on the unreachable server.
    expect(performance.now() - started).toBeLessThan(500)

    await redis.start()
    await waitUntil(() => a.state.isUp() && closed.state.isUp(), 10_000)
    // The same objects use Redis again (it restarted empty: a fresh window of 2).
    expect((await closed.limits.admit(limited)).ok).toBe(true)
    expect((await a.limits.admit(limited)).ok).toBe(true)
    expect(await closed.limits.admit(limited)).toMatchObject({ ok: false, kind: 'requests' })
    expect(await a.limits.usage('key_down')).toEqual({ requests: 2, tokens: 0 })
  })

  it('settles a reservation kept while Redis was away once it is back', async () => {
    // A Redis that keeps its data over a restart (append-only file), so the reservations survive.
    const durable = await startRedis({ persist: true })
    const state = await connectRedisState(
      { url: durable.url, keyPrefix: 'decai:', commandTimeoutMs: 250 },
      logger,
    )
    states.push(state)
    const limits = new RedisKeyLimits(
      state,
      { requests: 'local', tokens: 'local', budget: 'closed' },
      logger,
    )
    try {
      const budget = { budgetUsd: 1, spentUsd: 0, reserveUsd: 0.6 }
      const request: AdmitRequest = { keyId: 'key_pending', rpm: null, tpm: null, budget }
      const admitted = await limits.admit(request)
      const reservation = (admitted as { reservation: Reservation }).reservation
      expect(reservation.store).toBe('redis')
      // A second 0.6 fits (0.6 < 1 before it); a third does not while both are in flight.
      expect((await limits.admit(request)).ok).toBe(true)
      expect(await limits.admit(request)).toMatchObject({ ok: false, kind: 'budget' })
      await durable.pause()
      await waitUntil(() => !state.isUp(), 5000)
      await limits.settle('key_pending', { tokens: 5, costUsd: 0.1, reservation })
      expect(limits.pendingSettlements).toBe(1)
      await durable.start()
      await waitUntil(() => limits.pendingSettlements === 0, 10_000)
      // Released: spent 0.1 and 0.6 still reserved leave room for one more.
      expect((await limits.admit(request)).ok).toBe(true)
      expect(await limits.admit(request)).toMatchObject({
        ok: false,
        kind: 'budget',
        spentUsd: 0.1,
      })
    } finally {
      await durable.stop()
    }
  })

  // `PATCH /admin/keys/:id` and the CLI's `keys update --spent` go through one function
  // (updateKey): both must clear the spend mirrored in Redis, or the former spend keeps refusing.
  it.each(['cli', 'admin'] as const)(
    'a spend set from the %s replaces the one mirrored in Redis',
    async (path) => {
      const dir = tempDir('decai-gateway-spend-reset-')
      const storePath = join(dir, 'keys.sqlite')
      const keyPrefix = `reset-${path}:`
      const store = new SqliteKeyStore(storePath)
      const { record } = await store.create({ name: 'period', budgetUsd: 1 })
      const { limits } = await replica(undefined, keyPrefix)
      const admit = (spentUsd: number) =>
        limits.admit({
          keyId: record.id,
          rpm: null,
          tpm: null,
          budget: { budgetUsd: 1, spentUsd, reserveUsd: 0.1 },
        })
      // The last budget period: all spent, mirrored in Redis by the admission that read it.
      await store.update(record.id, { spentUsd: 1 })
      expect(await admit(1)).toMatchObject({ ok: false, kind: 'budget' })
      if (path === 'cli') {
        const configPath = join(dir, 'gateway.json')
        writeFileSync(
          configPath,
          JSON.stringify({
            gateway: { privateKey: 'ab'.repeat(32) },
            store: { path: storePath },
            sharedState: { kind: 'redis', redis: { url: redis.url, keyPrefix } },
          }),
        )
        await store.close()
        const cli = spawnSync(
          process.execPath,
          ['--import', 'tsx', 'src/main.ts', 'keys', 'update', record.id, '--spent', '0'],
          {
            cwd: gatewayDir,
            env: { ...process.env, DECAI_GATEWAY_CONFIG: configPath },
            encoding: 'utf8',
          },
        )
        expect(cli.stderr).toBe('')
        expect(cli.status).toBe(0)
        expect(JSON.parse(cli.stdout)).toMatchObject({ id: record.id, spentUsd: 0 })
      } else {
        await updateKey(store, limits, record.id, { spentUsd: 0 })
        await store.close()
      }
      // A new period: the store says 0, and so must every replica's admission.
      expect(await admit(0)).toMatchObject({ ok: true })
    },
  )
})
