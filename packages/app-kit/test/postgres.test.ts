import { describe, expect, it } from 'vitest'
import { z } from 'zod'
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
