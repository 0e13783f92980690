// PostgreSQL for the apps that can share a database between processes (the gateway's keys and
// spend, the dashboard's index): the one way they open a pool, migrate their tables, and tell
// an unreachable server from a bug. The client is `postgres` (porsager): no dependencies,
// pipelined queries, tagged-template parameters (never string-built SQL), a lazy pool that
// reconnects by itself after the server comes back.
import postgres from 'postgres'

export type { Sql, TransactionSql } from 'postgres'

/** The PostgreSQL section of an app's `store` config (`postgresStoreSchema`). */
export type PostgresStoreConfig = {
  url: string
  maxConnections: number
  connectTimeoutMs: number
}

/** What an app may ask of its pool beyond the shared config. */
export type OpenPostgresOptions = {
  /**
   * Unqualified table names resolve in this schema only (`search_path`), so an app's tables
   * never meet another app's on the same database. It must exist (`migratePostgres` creates it).
   */
  schema?: string | undefined
  /**
   * `bigint` and `numeric` values come back as JS bigints instead of strings: for integer-only
   * data, where a sum (`numeric` in PostgreSQL) must stay exact. A fractional `numeric` then
   * fails to parse rather than being rounded.
   */
  bigints?: boolean | undefined
}

const identifier = /^[a-z_][a-z0-9_]*$/

/** A pool on the configured database; no connection is made until the first query. */
export function openPostgres(
  config: PostgresStoreConfig,
  options: OpenPostgresOptions = {},
): postgres.Sql {
  if (options.schema !== undefined && !identifier.test(options.schema))
    throw new TypeError(`bad schema name: ${options.schema}`)
  const sql = postgres(config.url, {
    max: config.maxConnections,
    connect_timeout: Math.max(1, Math.ceil(config.connectTimeoutMs / 1000)),
    // Idle connections are closed, so a server restarted while idle costs no failed query.
    idle_timeout: 30,
    // Reconnects back off to at most 1 s (the client's own default grows to 20 s, and queries
    // wait it out): during an outage a query fails within about a second, and a server that is
    // back is used within one.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    onnotice: () => {},
    ...(options.schema === undefined ? {} : { connection: { search_path: options.schema } }),
    ...(options.bigints
      ? {
          types: {
            bigint: {
              to: 20,
              from: [20, 1700],
              serialize: (value: bigint) => value.toString(),
              parse: (value: string) => BigInt(value),
            },
          },
        }
      : {}),
  })
  return sql as unknown as postgres.Sql
}

/** One schema change; `version`s only grow, and an applied version is never edited. */
export type Migration = { version: number; name: string; sql: string }

/**
 * Applies the migrations not yet recorded in `table`, in version order, in one transaction under
 * an advisory lock: replicas starting together migrate once, and a failed migration leaves the
 * database as it was. With `schema`, creates that schema first; the pool must have been opened
 * with the same `schema`, so `table` and the migrations' tables land in it. Returns the versions
 * applied now.
 */
export async function migratePostgres(
  sql: postgres.Sql,
  table: string,
  migrations: readonly Migration[],
  options: { schema?: string | undefined } = {},
): Promise<number[]> {
  if (!identifier.test(table)) throw new TypeError(`bad migrations table: ${table}`)
  const { schema } = options
  if (schema !== undefined && !identifier.test(schema))
    throw new TypeError(`bad schema name: ${schema}`)
  const applied: number[] = []
  await sql.begin(async (tx) => {
    // One lock per migrations table (hashtext: a stable 32-bit hash of the name).
    await tx`SELECT pg_advisory_xact_lock(hashtext(${table}))`
    // The pool's schema (`openPostgres`' `schema`), created under the lock: two replicas
    // creating it at once would otherwise race on the catalog.
    if (schema !== undefined) await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    await tx.unsafe(`CREATE TABLE IF NOT EXISTS ${table} (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`)
    const rows = await tx.unsafe<{ version: number }[]>(`SELECT version FROM ${table}`)
    const done = new Set(rows.map((r) => r.version))
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue
      await tx.unsafe(m.sql)
      await tx.unsafe(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [m.version, m.name])
      applied.push(m.version)
    }
  })
  return applied
}

// Connection-level failures of the client (its own codes) and the server's SQLSTATEs that mean
// "not now": connection exceptions (08), shutdown and startup (57P01-57P03), too many
// connections (53300).
const clientCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
])

/** Whether an error means the server cannot be reached now (rather than a bad query). */
export function isPostgresUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string') return false
  if (clientCodes.has(code)) return true
  return code.startsWith('08') || /^57P0[1-3]$/.test(code) || code === '53300'
}
