import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  shouldRunServerSuites,
  startPostgres,
  type TestServer,
} from '../../../tools/servers/servers.mjs'
import { createDatabaseStoreSchema, postgresStoreSchema } from '../src/config.js'
import { isPostgresUnavailable, migratePostgres, openPostgres } from '../src/postgres.js'

describe('isPostgresUnavailable', () => {
  it('tells an unreachable server from a bad query', () => {
    for (const code of ['ECONNREFUSED', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', '08006', '57P01'])
      expect(isPostgresUnavailable({ code }), code).toBe(true)
    // The server starting up after a restart.
    expect(isPostgresUnavailable({ code: '57P03' })).toBe(true)
    for (const value of [
      { code: '42P01' },
      { code: '23505' },
      new Error('x'),
      null,
      'ECONNREFUSED',
    ])
      expect(isPostgresUnavailable(value)).toBe(false)
  })

  it('is what the client raises when nothing listens', async () => {
    // Port 1 on loopback: refused at once.
    const sql = openPostgres({
      url: 'postgres://u@127.0.0.1:1/db',
      maxConnections: 1,
      connectTimeoutMs: 1000,
    })
    const error = await sql`SELECT 1`.catch((e: unknown) => e)
    expect(isPostgresUnavailable(error)).toBe(true)
    await sql.end({ timeout: 1 })
  })

  it('refuses a migrations table name that is not an identifier', async () => {
    const sql = openPostgres({
      url: 'postgres://u@127.0.0.1:1/db',
      maxConnections: 1,
      connectTimeoutMs: 1000,
    })
    await expect(migratePostgres(sql, 'x; DROP TABLE y', [])).rejects.toThrow(
      /bad migrations table/,
    )
    await sql.end({ timeout: 1 })
  })
})

describe('createDatabaseStoreSchema', () => {
  const schema = createDatabaseStoreSchema(
    'app.sqlite',
    postgresStoreSchema.extend({ extra: z.string().default('e') }),
  )
  it('reads SQLite by default and an app’s own PostgreSQL section', () => {
    expect(schema.parse(undefined)).toEqual({ kind: 'sqlite', path: 'app.sqlite' })
    expect(schema.parse({ path: 'x' })).toEqual({ kind: 'sqlite', path: 'x' })
    expect(schema.parse({ kind: 'postgres', url: 'postgres://h/d' })).toEqual({
      kind: 'postgres',
      url: 'postgres://h/d',
      maxConnections: 10,
      connectTimeoutMs: 5000,
      extra: 'e',
    })
    expect(schema.safeParse({ kind: 'postgres' }).success).toBe(false)
    expect(schema.safeParse({ kind: 'sqlite', url: 'x' }).success).toBe(false)
  })
})

describe.runIf(shouldRunServerSuites('postgres'))('on a real PostgreSQL', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(async () => {
    await server?.stop()
  })
  const config = () => ({ url: server.url, maxConnections: 2, connectTimeoutMs: 2000 })

  it('keeps an app in its own schema, created by its first migration run', async () => {
    const sql = openPostgres(config(), { schema: 'app_one' })
    const other = openPostgres(config(), { schema: 'app_two' })
    try {
      const table = [{ version: 1, name: 'items', sql: 'CREATE TABLE items (id text)' }]
      expect(await migratePostgres(sql, 'app_migrations', table, { schema: 'app_one' })).toEqual([
        1,
      ])
      expect(await migratePostgres(sql, 'app_migrations', table, { schema: 'app_one' })).toEqual([])
      // The same names in another schema: no clash, nothing shared.
      expect(await migratePostgres(other, 'app_migrations', table, { schema: 'app_two' })).toEqual([
        1,
      ])
      await sql`INSERT INTO items VALUES ('a')`
      expect(await other`SELECT * FROM items`).toHaveLength(0)
      const [row] = await sql`SELECT table_schema FROM information_schema.tables
        WHERE table_name = 'app_migrations' AND table_schema = 'app_one'`
      expect(row?.['table_schema']).toBe('app_one')
    } finally {
      await sql.end({ timeout: 1 })
      await other.end({ timeout: 1 })
    }
  })

  it('reads bigint and numeric sums as exact bigints with `bigints`', async () => {
    const sql = openPostgres(config(), { bigints: true })
    const plain = openPostgres(config())
    try {
      const big = 2n ** 62n
      const text = big.toString()
      // 2^63 as a sum: beyond a bigint, exact as a numeric.
      const [row] = await sql`SELECT ${text}::bigint AS one, SUM(x) AS sum
        FROM (VALUES (${text}::bigint), (${text}::bigint)) AS t (x)`
      expect(row?.['one']).toBe(big)
      expect(row?.['sum']).toBe(2n * big)
      // Without it the client's default: strings.
      const [asText] = await plain`SELECT 5::bigint AS n`
      expect(asText?.['n']).toBe('5')
    } finally {
      await sql.end({ timeout: 1 })
      await plain.end({ timeout: 1 })
    }
  })

  it('refuses a schema name that is not an identifier', () => {
    expect(() => openPostgres(config(), { schema: 'a; DROP' })).toThrow(/bad schema name/)
  })
})
