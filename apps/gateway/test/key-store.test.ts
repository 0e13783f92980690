import { migratePostgres, openPostgres } from '@decai/app-kit/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openKeyStore } from '../src/open-key-store.js'
import { keyStoreMigrations, PostgresKeyStore } from '../src/postgres-key-store.js'
import { SqliteKeyStore } from '../src/sqlite-key-store.js'
import { describeKeyStore } from './key-store-behaviour.js'
import { startPostgres, type TestServer, withPostgres } from './servers.js'

describeKeyStore('sqlite', async () => new SqliteKeyStore(':memory:'))

describe.runIf(withPostgres)('PostgreSQL', () => {
  let server: TestServer
  const config = () => ({
    kind: 'postgres' as const,
    url: server.url,
    maxConnections: 4,
    connectTimeoutMs: 2000,
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
      store.recordUsage({
        keyId: record.id,
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
    // 0.1 + 0.2 as doubles is 0.30000000000000004; numeric sums them exactly.
    await Promise.all([charge(a, 0.1), charge(b, 0.2), charge(a, 0.1), charge(b, 0.2)])
    expect((await a.get(record.id)).spentUsd).toBe(0.6)
    await b.revoke(record.id)
    expect(await a.authenticate(key)).toBeUndefined()
    await Promise.all([a.close(), b.close()])
  })
})
