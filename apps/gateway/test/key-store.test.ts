import { join } from 'node:path'
import { migratePostgres, openPostgres } from '@decai/app-kit/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isGatewayError } from '../src/errors.js'
import type { UsageRecord } from '../src/key-store.js'
import { openKeyStore } from '../src/open-key-store.js'
import { keyStoreMigrations, PostgresKeyStore } from '../src/postgres-key-store.js'
import { SqliteKeyStore } from '../src/sqlite-key-store.js'
import { tempDir } from './helpers.js'
import { describeKeyStore } from './key-store-behaviour.js'
import { startPostgres, type TestServer, withPostgres } from './servers.js'

const usage = (keyId: string, costUsd: number): UsageRecord => ({
  keyId,
  at: Date.now(),
  endpoint: 'chat',
  model: 'm',
  serviceId: 'llm',
  application: null,
  supplier: null,
  status: 200,
  stream: false,
  promptTokens: 1,
  completionTokens: 1,
  relays: 1,
  latencyMs: 1,
  ttftMs: null,
  costUsd,
})

describeKeyStore('sqlite', async () => new SqliteKeyStore(':memory:'))

describe.runIf(withPostgres)('PostgreSQL', () => {
  let server: TestServer
  const dir = tempDir('decai-key-store-')
  let replicas = 0
  // Each store is a replica with its own outbox.
  const config = (outboxPath = join(dir, `outbox-${++replicas}.sqlite`)) => ({
    kind: 'postgres' as const,
    url: server.url,
    maxConnections: 4,
    connectTimeoutMs: 1000,
    outboxPath,
  })
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(async () => {
    await server?.stop()
  })

  describeKeyStore('postgres', () => openKeyStore(config()))

  it('migrates once, whatever the number of replicas starting together', async () => {
    const stores = await Promise.all([1, 2, 3].map(() => PostgresKeyStore.open(config())))
    await Promise.all(stores.map((s) => s.close()))
    const sql = openPostgres(config())
    try {
      const rows = await sql`SELECT version, name FROM gateway_migrations ORDER BY version`
      expect(rows.map((r) => r['version'])).toEqual(keyStoreMigrations.map((m) => m.version))
      // Run again: nothing left to apply.
      expect(await migratePostgres(sql, 'gateway_migrations', keyStoreMigrations)).toEqual([])
    } finally {
      await sql.end()
    }
  })

  it('shares keys and spend between replicas', async () => {
    const [a, b] = await Promise.all([openKeyStore(config()), openKeyStore(config())])
    const { key, record } = await a.create({ name: 'shared', budgetUsd: 1 })
    expect((await b.authenticate(key))?.id).toBe(record.id)
    const charge = (store: typeof a, costUsd: number) =>
      store.recordUsage(usage(record.id, costUsd))
    // 0.1 + 0.2 as doubles is 0.30000000000000004; numeric sums them exactly.
    await Promise.all([charge(a, 0.1), charge(b, 0.2), charge(a, 0.1), charge(b, 0.2)])
    expect((await a.get(record.id)).spentUsd).toBe(0.6)
    await b.revoke(record.id)
    expect(await a.authenticate(key)).toBeUndefined()
    await Promise.all([a.close(), b.close()])
  })

  it('refuses reads and queues spend while the server is down, and catches up after', async () => {
    const outboxPath = join(dir, 'outage.sqlite')
    const store = await PostgresKeyStore.open(config(outboxPath))
    const { key, record } = await store.create({ name: 'outage' })
    await store.recordUsage(usage(record.id, 0.25))
    await server.pause()
    try {
      const codeOf = (error: unknown) => (isGatewayError(error) ? error.code : String(error))
      expect(await store.authenticate(key).catch(codeOf)).toBe('STORE_UNAVAILABLE')
      expect(await store.get(record.id).catch(codeOf)).toBe('STORE_UNAVAILABLE')
      // Requests relayed before the outage finish now: their spend waits in the outbox.
      await Promise.all(
        [0.5, 0.125, 0.0625].map((cost) => store.recordUsage(usage(record.id, cost))),
      )
      expect(store.pendingSpend).toBe(3)
      // A replica stopped during the outage keeps the rows on disk; the next start replays them.
      await store.close()
    } finally {
      await server.start()
    }
    const restarted = await PostgresKeyStore.open(config(outboxPath))
    expect(restarted.pendingSpend).toBe(0)
    expect((await restarted.get(record.id)).spentUsd).toBe(0.9375)
    expect((await restarted.summarize(record.id)).requests).toBe(4)
    await restarted.close()
  })

  it('recovers without a restart: the outbox is replayed before the next key check', async () => {
    const store = await PostgresKeyStore.open(config())
    const { key, record } = await store.create({ name: 'recover', budgetUsd: 1 })
    await server.pause()
    try {
      await store.recordUsage(usage(record.id, 0.75))
      expect(store.pendingSpend).toBe(1)
    } finally {
      await server.start()
    }
    // The first key check after the outage sees the queued spend.
    expect((await store.authenticate(key))?.spentUsd).toBe(0.75)
    expect(store.pendingSpend).toBe(0)
    // Replaying a row the server already holds (its answer lost) adds nothing.
    const again = await PostgresKeyStore.open(config())
    expect((await again.get(record.id)).spentUsd).toBe(0.75)
    await Promise.all([store.close(), again.close()])
  })

  it('keeps the spend of requests that finish while the store closes', async () => {
    const outboxPath = join(dir, 'closing.sqlite')
    const store = await PostgresKeyStore.open(config(outboxPath))
    const { record } = await store.create({ name: 'closing' })
    // One write under way when the gateway stops, one arriving after it began to stop.
    const during = store.recordUsage(usage(record.id, 0.5))
    const closed = store.close()
    await store.recordUsage(usage(record.id, 0.25))
    await Promise.all([during, closed])
    const next = await PostgresKeyStore.open(config(outboxPath))
    expect((await next.get(record.id)).spentUsd).toBe(0.75)
    expect((await next.summarize(record.id)).requests).toBe(2)
    await next.close()
  })
})
