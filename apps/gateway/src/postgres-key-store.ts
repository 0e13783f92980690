import { randomUUID } from 'node:crypto'
import type { Logger } from '@decai/app-kit/logger'
import {
  isPostgresUnavailable,
  type Migration,
  migratePostgres,
  openPostgres,
  type PostgresStoreConfig,
  type Sql,
} from '@decai/app-kit/postgres'
import { GatewayError } from './errors.js'
import {
  type ApiKeyRecord,
  type CreateApiKeyParameters,
  checkKeyParameters,
  generateApiKey,
  hashApiKey,
  KEY_PREFIX,
  type KeyStore,
  noSuchKey,
  toLiveKey,
  type UpdateApiKeyParameters,
  type UsageRecord,
  type UsageSummary,
} from './key-store.js'
import { SpendOutbox } from './spend-outbox.js'

// The shared key store: PostgreSQL, for several gateway replicas behind one balancer. Money is
// `numeric` (exact decimal sums, whatever the order replicas add them in); times are epoch
// milliseconds in `bigint`. Spend is added in the statement that writes the usage row, so a row
// and its spend are never apart, and each row carries a request ID written once: a row sent
// again (after an answer lost on the way back) changes nothing.
//
// Failure policy (docs/gateway.md, "Scaling out"): while the server cannot be reached, every
// read fails with `STORE_UNAVAILABLE` (a request is refused before any relay: its key cannot be
// checked), and the spend of requests already relayed goes to the replica's durable outbox
// (spend-outbox.ts), replayed once the server answers: every second, and before any key is
// checked, so a budget never admits a request while known spend waits.

const MIGRATIONS_TABLE = 'gateway_migrations'

export const keyStoreMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'api keys and usage',
    sql: `
CREATE TABLE gateway_api_keys (
  id text PRIMARY KEY,
  name text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  created_at bigint NOT NULL,
  revoked_at bigint,
  expires_at bigint,
  rpm bigint,
  tpm bigint,
  budget_usd numeric,
  spent_usd numeric NOT NULL DEFAULT 0,
  models jsonb,
  application text
);
CREATE TABLE gateway_usage (
  id bigserial PRIMARY KEY,
  request_id uuid NOT NULL UNIQUE,
  key_id text NOT NULL,
  at bigint NOT NULL,
  endpoint text NOT NULL,
  model text NOT NULL,
  service_id text,
  application text,
  supplier text,
  status integer NOT NULL,
  stream boolean NOT NULL,
  prompt_tokens bigint NOT NULL,
  completion_tokens bigint NOT NULL,
  relays integer NOT NULL,
  latency_ms double precision NOT NULL,
  ttft_ms double precision,
  cost_usd numeric NOT NULL
);
CREATE INDEX gateway_usage_by_key ON gateway_usage (key_id, at);
`,
  },
]

type KeyRow = {
  id: string
  name: string
  prefix: string
  created_at: string
  revoked_at: string | null
  expires_at: string | null
  rpm: string | null
  tpm: string | null
  budget_usd: string | null
  spent_usd: string
  models: string[] | null
  application: string | null
}

type UsageRow = {
  key_id: string
  at: string
  endpoint: string
  model: string
  service_id: string | null
  application: string | null
  supplier: string | null
  status: number
  stream: boolean
  prompt_tokens: string
  completion_tokens: string
  relays: number
  latency_ms: number
  ttft_ms: number | null
  cost_usd: string
}

const toNumber = (value: string | null): number | null => (value === null ? null : Number(value))

function toRecord(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: Number(row.created_at),
    revokedAt: toNumber(row.revoked_at),
    expiresAt: toNumber(row.expires_at),
    rpm: toNumber(row.rpm),
    tpm: toNumber(row.tpm),
    budgetUsd: toNumber(row.budget_usd),
    spentUsd: Number(row.spent_usd),
    models: row.models,
    application: row.application,
  }
}

function toUsage(r: UsageRow): UsageRecord {
  return {
    keyId: r.key_id,
    at: Number(r.at),
    endpoint: r.endpoint,
    model: r.model,
    serviceId: r.service_id,
    application: r.application,
    supplier: r.supplier,
    status: r.status,
    stream: r.stream,
    promptTokens: Number(r.prompt_tokens),
    completionTokens: Number(r.completion_tokens),
    relays: r.relays,
    latencyMs: r.latency_ms,
    ttftMs: r.ttft_ms,
    costUsd: Number(r.cost_usd),
  }
}

/** A USD amount as PostgreSQL `numeric` reads it (the shortest decimal of the double). */
const money = (value: number | null | undefined): string | null =>
  value === undefined || value === null ? null : String(value)

/** `STORE_UNAVAILABLE` for an unreachable server; anything else as it was. */
export function toStoreError(error: unknown): unknown {
  if (!isPostgresUnavailable(error)) return error
  return new GatewayError('STORE_UNAVAILABLE', 'The key store cannot be reached.', {
    cause: error,
    retryAfter: 1,
  })
}

/** How often the outbox is replayed while it holds rows. */
const REPLAY_INTERVAL_MS = 1000
/** Rows replayed per round trip batch. */
const REPLAY_BATCH = 100

export type PostgresKeyStoreConfig = PostgresStoreConfig & {
  /** The replica's own spend outbox (an SQLite file). */
  outboxPath: string
}

export class PostgresKeyStore implements KeyStore {
  readonly #sql: Sql
  readonly #outbox: SpendOutbox
  readonly #logger: Logger | undefined
  readonly #timer: NodeJS.Timeout
  #replaying: Promise<boolean> | undefined
  #closed: Promise<void> | undefined
  /** Usage rows being written, awaited by `close`. */
  readonly #writes = new Set<Promise<boolean>>()

  private constructor(sql: Sql, outbox: SpendOutbox, logger: Logger | undefined) {
    this.#sql = sql
    this.#outbox = outbox
    this.#logger = logger
    this.#timer = setInterval(() => {
      if (this.#outbox.pending > 0) void this.replay()
    }, REPLAY_INTERVAL_MS)
    this.#timer.unref()
  }

  /**
   * Connects, applies the migrations not yet applied, and replays what the outbox kept from a
   * previous run. A server that cannot be reached at start is `STORE_UNAVAILABLE`.
   */
  static async open(
    config: PostgresKeyStoreConfig,
    options: { logger?: Logger | undefined } = {},
  ): Promise<PostgresKeyStore> {
    const sql = openPostgres(config)
    try {
      await migratePostgres(sql, MIGRATIONS_TABLE, keyStoreMigrations)
    } catch (error) {
      await sql.end({ timeout: 1 })
      throw toStoreError(error)
    }
    const store = new PostgresKeyStore(sql, new SpendOutbox(config.outboxPath), options.logger)
    await store.replay()
    return store
  }

  /** Usage rows (and their spend) waiting in the outbox for the server. */
  get pendingSpend(): number {
    return this.#outbox.pending
  }

  /**
   * Writes the outbox into the shared store, oldest first; true once it is empty. One replay at
   * a time; an unreachable server stops it (the rows wait for the next).
   */
  replay(): Promise<boolean> {
    this.#replaying ??= this.#replay().finally(() => {
      this.#replaying = undefined
    })
    return this.#replaying
  }

  async #replay(): Promise<boolean> {
    let replayed = 0
    try {
      for (;;) {
        const batch = this.#outbox.peek(REPLAY_BATCH)
        if (batch.length === 0) break
        for (const entry of batch) {
          await insertUsage(this.#sql, entry.requestId, entry.usage)
          this.#outbox.remove(entry.seq)
          replayed++
        }
      }
      if (replayed > 0) this.#logger?.info('spend outbox replayed', { rows: replayed })
      return true
    } catch (error) {
      if (!isPostgresUnavailable(error))
        this.#logger?.error('cannot replay the spend outbox', { error })
      if (replayed > 0)
        this.#logger?.info('spend outbox replayed in part', {
          rows: replayed,
          pending: this.#outbox.pending,
        })
      return false
    }
  }

  /** Runs a query, turning an unreachable server into `STORE_UNAVAILABLE`. */
  async #run<T>(query: (sql: Sql) => Promise<T>): Promise<T> {
    try {
      return await query(this.#sql)
    } catch (error) {
      throw toStoreError(error)
    }
  }

  async create(
    parameters: CreateApiKeyParameters = {},
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    checkKeyParameters(parameters)
    const { key, id, prefix } = generateApiKey()
    const rows = await this.#run(
      (sql) => sql<KeyRow[]>`INSERT INTO gateway_api_keys (id, name, key_hash, prefix, created_at,
        expires_at, rpm, tpm, budget_usd, models, application) VALUES (${id},
        ${parameters.name ?? ''}, ${hashApiKey(key)}, ${prefix}, ${Date.now()},
        ${parameters.expiresAt ?? null}, ${parameters.rpm ?? null}, ${parameters.tpm ?? null},
        ${money(parameters.budgetUsd)}::numeric,
        ${parameters.models ? sql.json(parameters.models) : null}, ${parameters.application ?? null})
        RETURNING *`,
    )
    return { key, record: toRecord(rows[0]!) }
  }

  async get(id: string): Promise<ApiKeyRecord> {
    const rows = await this.#run(
      (sql) => sql<KeyRow[]>`SELECT * FROM gateway_api_keys WHERE id = ${id}`,
    )
    if (!rows[0]) throw noSuchKey(id)
    return toRecord(rows[0])
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.#run(
      (sql) => sql<KeyRow[]>`SELECT * FROM gateway_api_keys ORDER BY created_at, id`,
    )
    return rows.map(toRecord)
  }

  async update(id: string, patch: UpdateApiKeyParameters): Promise<ApiKeyRecord> {
    checkKeyParameters(patch)
    const columns: Record<string, unknown> = {}
    if (patch.name !== undefined) columns['name'] = patch.name
    if (patch.rpm !== undefined) columns['rpm'] = patch.rpm
    if (patch.tpm !== undefined) columns['tpm'] = patch.tpm
    if (patch.budgetUsd !== undefined) columns['budget_usd'] = money(patch.budgetUsd)
    if (patch.spentUsd !== undefined) columns['spent_usd'] = money(patch.spentUsd)
    if (patch.expiresAt !== undefined) columns['expires_at'] = patch.expiresAt
    if (patch.application !== undefined) columns['application'] = patch.application
    if (patch.models !== undefined) columns['models'] = patch.models
    const names = Object.keys(columns)
    if (names.length === 0) return this.get(id)
    const rows = await this.#run((sql) => {
      if (Array.isArray(columns['models'])) columns['models'] = sql.json(patch.models as string[])
      return sql<KeyRow[]>`UPDATE gateway_api_keys SET ${sql(columns, ...names)} WHERE id = ${id}
        RETURNING *`
    })
    if (!rows[0]) throw noSuchKey(id)
    return toRecord(rows[0])
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    const rows = await this.#run(
      (sql) => sql<KeyRow[]>`UPDATE gateway_api_keys
        SET revoked_at = COALESCE(revoked_at, ${Date.now()}) WHERE id = ${id} RETURNING *`,
    )
    if (!rows[0]) throw noSuchKey(id)
    return toRecord(rows[0])
  }

  async authenticate(key: string, now = Date.now()): Promise<ApiKeyRecord | undefined> {
    if (!key.startsWith(KEY_PREFIX)) return undefined
    // Spend that waits in the outbox goes in first: the key's budget must see it.
    if (this.#outbox.pending > 0 && !(await this.replay()))
      throw new GatewayError('STORE_UNAVAILABLE', 'The key store cannot be reached.', {
        details: `${this.#outbox.pending} usage rows wait to be written`,
        retryAfter: 1,
      })
    const rows = await this.#run(
      (sql) => sql<KeyRow[]>`SELECT * FROM gateway_api_keys WHERE key_hash = ${hashApiKey(key)}`,
    )
    return toLiveKey(rows[0] && toRecord(rows[0]), now)
  }

  /**
   * Records one request and its spend; while the server cannot be reached, in the outbox
   * (durably) instead, to be replayed: the spend of a request that was relayed is never lost.
   */
  async recordUsage(usage: UsageRecord): Promise<void> {
    const requestId = randomUUID()
    // A request that finishes while the gateway stops (its store closing) is kept for the next
    // start rather than raced against the pool's end.
    if (this.#closed !== undefined) return this.#outbox.append(requestId, usage)
    const write = insertUsage(this.#sql, requestId, usage)
    this.#writes.add(write)
    try {
      await write
    } catch (error) {
      if (!isPostgresUnavailable(error)) throw error
      this.#outbox.append(requestId, usage)
      this.#logger?.warn('spend queued in the outbox', {
        key: usage.keyId,
        pending: this.#outbox.pending,
        error,
      })
    } finally {
      this.#writes.delete(write)
    }
  }

  async getUsage(
    keyId: string,
    options: { since?: number; limit?: number } = {},
  ): Promise<UsageRecord[]> {
    const rows = await this.#run(
      (sql) => sql<UsageRow[]>`SELECT * FROM gateway_usage
        WHERE key_id = ${keyId} AND at >= ${options.since ?? 0}
        ORDER BY id DESC LIMIT ${options.limit ?? 100}`,
    )
    return rows.map(toUsage)
  }

  async summarize(keyId: string, since = 0): Promise<UsageSummary> {
    const rows = await this.#run(
      (sql) => sql<Record<string, string | number>[]>`SELECT COUNT(*) AS requests,
        COALESCE(SUM(prompt_tokens), 0) AS prompt, COALESCE(SUM(completion_tokens), 0) AS completion,
        COALESCE(SUM(relays), 0) AS relays, COALESCE(SUM(cost_usd), 0) AS cost,
        COALESCE(AVG(latency_ms), 0) AS latency
        FROM gateway_usage WHERE key_id = ${keyId} AND at >= ${since}`,
    )
    const row = rows[0]!
    return {
      requests: Number(row['requests']),
      promptTokens: Number(row['prompt']),
      completionTokens: Number(row['completion']),
      relays: Number(row['relays']),
      costUsd: Number(row['cost']),
      meanLatencyMs: Number(row['latency']),
    }
  }

  /** A last replay, then closes; rows still waiting stay in the outbox for the next start. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#timer)
      await Promise.allSettled(this.#writes)
      if (this.#outbox.pending > 0) await this.replay()
      else await this.#replaying
      await this.#sql.end({ timeout: 5 })
      this.#outbox.close()
    })()
    return this.#closed
  }
}

/**
 * Writes one usage row and adds its cost to the key's spend, in one statement; a row whose
 * request ID is already there changes nothing (returns false).
 */
export async function insertUsage(sql: Sql, requestId: string, u: UsageRecord): Promise<boolean> {
  const rows = await sql`WITH row AS (
      INSERT INTO gateway_usage (request_id, key_id, at, endpoint, model, service_id, application,
        supplier, status, stream, prompt_tokens, completion_tokens, relays, latency_ms, ttft_ms,
        cost_usd)
      VALUES (${requestId}, ${u.keyId}, ${u.at}, ${u.endpoint}, ${u.model}, ${u.serviceId},
        ${u.application}, ${u.supplier}, ${u.status}, ${u.stream}, ${u.promptTokens},
        ${u.completionTokens}, ${u.relays}, ${u.latencyMs}, ${u.ttftMs}, ${money(u.costUsd)}::numeric)
      ON CONFLICT (request_id) DO NOTHING
      RETURNING key_id, cost_usd),
    spend AS (
      UPDATE gateway_api_keys k SET spent_usd = k.spent_usd + row.cost_usd
      FROM row WHERE k.id = row.key_id AND row.cost_usd > 0)
    SELECT 1 AS inserted FROM row`
  return rows.length > 0
}
