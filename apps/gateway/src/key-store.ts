import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { GatewayError } from './errors.js'

// API keys and per-key usage in an embedded SQLite file. Keys are random 192-bit secrets shown
// once at creation; only their SHA-256 is stored (a high-entropy secret needs no slow hash).
// Every lookup reads the database, so keys revoked from the CLI while the gateway runs stop
// working at once.

/** A key as stored (never the secret). */
export type ApiKeyRecord = {
  id: string
  name: string
  /** The first characters of the secret, to recognise it in lists. */
  prefix: string
  createdAt: number
  revokedAt: number | null
  expiresAt: number | null
  /** Requests per minute; null = unlimited. */
  rpm: number | null
  /** Tokens (prompt + completion) per minute; null = unlimited. */
  tpm: number | null
  /** Spend limit in USD; null = unlimited. */
  budgetUsd: number | null
  spentUsd: number
  /** Models the key may use; null = all. */
  models: string[] | null
  /** The application (address) whose stake pays for this key's relays; null = any configured. */
  application: string | null
}

export type CreateApiKeyParameters = {
  name?: string | undefined
  rpm?: number | null | undefined
  tpm?: number | null | undefined
  budgetUsd?: number | null | undefined
  models?: string[] | null | undefined
  application?: string | null | undefined
  /** Milliseconds since the epoch. */
  expiresAt?: number | null | undefined
}

export type UpdateApiKeyParameters = Omit<CreateApiKeyParameters, 'name'> & {
  name?: string | undefined
  /** Sets what the key has spent (e.g. 0 to start a new budget period). */
  spentUsd?: number | undefined
}

/** One request as recorded against a key. */
export type UsageRecord = {
  keyId: string
  at: number
  endpoint: string
  model: string
  serviceId: string | null
  application: string | null
  /** The supplier that answered (operator address). */
  supplier: string | null
  status: number
  stream: boolean
  promptTokens: number
  completionTokens: number
  /** Relays sent (retries and hedges included). */
  relays: number
  latencyMs: number
  ttftMs: number | null
  costUsd: number
}

export type UsageSummary = {
  requests: number
  promptTokens: number
  completionTokens: number
  relays: number
  costUsd: number
  /** Mean latency in ms over the requests (0 when none). */
  meanLatencyMs: number
}

const KEY_PREFIX = 'sk-decai-'

const schema = `
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  expires_at INTEGER,
  rpm INTEGER,
  tpm INTEGER,
  budget_usd REAL,
  spent_usd REAL NOT NULL DEFAULT 0,
  models TEXT,
  application TEXT
);
CREATE TABLE IF NOT EXISTS usage (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  endpoint TEXT NOT NULL,
  model TEXT NOT NULL,
  service_id TEXT,
  application TEXT,
  supplier TEXT,
  status INTEGER NOT NULL,
  stream INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  relays INTEGER NOT NULL,
  latency_ms REAL NOT NULL,
  ttft_ms REAL,
  cost_usd REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_by_key ON usage (key_id, at);
`

type KeyRow = {
  id: string
  name: string
  prefix: string
  created_at: number
  revoked_at: number | null
  expires_at: number | null
  rpm: number | null
  tpm: number | null
  budget_usd: number | null
  spent_usd: number
  models: string | null
  application: string | null
}

function toRecord(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    expiresAt: row.expires_at,
    rpm: row.rpm,
    tpm: row.tpm,
    budgetUsd: row.budget_usd,
    spentUsd: row.spent_usd,
    models: row.models === null ? null : (JSON.parse(row.models) as string[]),
    application: row.application,
  }
}

/** SHA-256 of a key, as stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

function checkLimit(name: string, value: number | null | undefined, integer: boolean): void {
  if (value === undefined || value === null) return
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value)))
    throw new GatewayError('KEY_STORE', `Invalid ${name}.`, { details: String(value), param: name })
}

function checkParameters(p: UpdateApiKeyParameters): void {
  checkLimit('rpm', p.rpm, true)
  checkLimit('tpm', p.tpm, true)
  checkLimit('budgetUsd', p.budgetUsd, false)
  checkLimit('spentUsd', p.spentUsd, false)
  checkLimit('expiresAt', p.expiresAt, true)
  if (p.models !== undefined && p.models !== null) {
    if (!Array.isArray(p.models) || p.models.some((m) => typeof m !== 'string' || m === ''))
      throw new GatewayError('KEY_STORE', 'models must be a list of model names.', {
        param: 'models',
      })
  }
  if (p.application !== undefined && p.application !== null && typeof p.application !== 'string')
    throw new GatewayError('KEY_STORE', 'application must be an address.', { param: 'application' })
  if (p.name !== undefined && (typeof p.name !== 'string' || p.name.length > 200))
    throw new GatewayError('KEY_STORE', 'Invalid name.', { param: 'name' })
}

export class KeyStore {
  readonly #db: Database.Database
  readonly #byHash: Database.Statement<[string], KeyRow>
  readonly #byId: Database.Statement<[string], KeyRow>
  readonly #insertUsage: Database.Statement
  readonly #addSpend: Database.Statement
  readonly #record: (usage: UsageRecord) => void

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    this.#db = new Database(path)
    this.#db.pragma('journal_mode = WAL')
    this.#db.pragma('synchronous = NORMAL')
    this.#db.pragma('busy_timeout = 5000')
    this.#db.exec(schema)
    this.#byHash = this.#db.prepare('SELECT * FROM api_keys WHERE key_hash = ?')
    this.#byId = this.#db.prepare('SELECT * FROM api_keys WHERE id = ?')
    this.#insertUsage = this.#db.prepare(`INSERT INTO usage (key_id, at, endpoint, model,
      service_id, application, supplier, status, stream, prompt_tokens, completion_tokens, relays,
      latency_ms, ttft_ms, cost_usd) VALUES (@keyId, @at, @endpoint, @model, @serviceId,
      @application, @supplier, @status, @stream, @promptTokens, @completionTokens, @relays,
      @latencyMs, @ttftMs, @costUsd)`)
    this.#addSpend = this.#db.prepare('UPDATE api_keys SET spent_usd = spent_usd + ? WHERE id = ?')
    this.#record = this.#db.transaction((usage: UsageRecord) => {
      this.#insertUsage.run({ ...usage, stream: usage.stream ? 1 : 0 })
      if (usage.costUsd > 0) this.#addSpend.run(usage.costUsd, usage.keyId)
    })
  }

  /** Creates a key; the secret is returned here and never again. */
  create(parameters: CreateApiKeyParameters = {}): { key: string; record: ApiKeyRecord } {
    checkParameters(parameters)
    const key = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`
    const id = `key_${randomBytes(8).toString('hex')}`
    this.#db
      .prepare(`INSERT INTO api_keys (id, name, key_hash, prefix, created_at, expires_at, rpm, tpm,
        budget_usd, models, application) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        id,
        parameters.name ?? '',
        hashApiKey(key),
        key.slice(0, KEY_PREFIX.length + 4),
        Date.now(),
        parameters.expiresAt ?? null,
        parameters.rpm ?? null,
        parameters.tpm ?? null,
        parameters.budgetUsd ?? null,
        parameters.models ? JSON.stringify(parameters.models) : null,
        parameters.application ?? null,
      )
    return { key, record: this.get(id) }
  }

  get(id: string): ApiKeyRecord {
    const row = this.#byId.get(id)
    if (!row) throw new GatewayError('KEY_STORE', 'No such key.', { details: id })
    return toRecord(row)
  }

  list(): ApiKeyRecord[] {
    return (this.#db.prepare('SELECT * FROM api_keys ORDER BY created_at').all() as KeyRow[]).map(
      toRecord,
    )
  }

  /** Changes a key's limits (null removes a limit). */
  update(id: string, patch: UpdateApiKeyParameters): ApiKeyRecord {
    checkParameters(patch)
    this.get(id)
    const columns: Record<string, unknown> = {}
    if (patch.name !== undefined) columns['name'] = patch.name
    if (patch.rpm !== undefined) columns['rpm'] = patch.rpm
    if (patch.tpm !== undefined) columns['tpm'] = patch.tpm
    if (patch.budgetUsd !== undefined) columns['budget_usd'] = patch.budgetUsd
    if (patch.spentUsd !== undefined) columns['spent_usd'] = patch.spentUsd
    if (patch.expiresAt !== undefined) columns['expires_at'] = patch.expiresAt
    if (patch.application !== undefined) columns['application'] = patch.application
    if (patch.models !== undefined)
      columns['models'] = patch.models === null ? null : JSON.stringify(patch.models)
    const names = Object.keys(columns)
    if (names.length > 0)
      this.#db
        .prepare(
          `UPDATE api_keys SET ${names.map((n) => `${n} = @${n}`).join(', ')} WHERE id = @id`,
        )
        .run({ ...columns, id })
    return this.get(id)
  }

  /** Revokes a key for good; revoking twice keeps the first time. */
  revoke(id: string): ApiKeyRecord {
    this.get(id)
    this.#db
      .prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?')
      .run(Date.now(), id)
    return this.get(id)
  }

  /** The live key for a secret: undefined when unknown, revoked or expired. */
  authenticate(key: string, now = Date.now()): ApiKeyRecord | undefined {
    if (!key.startsWith(KEY_PREFIX)) return undefined
    const row = this.#byHash.get(hashApiKey(key))
    if (!row || row.revoked_at !== null) return undefined
    if (row.expires_at !== null && row.expires_at <= now) return undefined
    return toRecord(row)
  }

  /** Records one request and adds its cost to the key's spend, atomically. */
  recordUsage(usage: UsageRecord): void {
    this.#record(usage)
  }

  /** The key's most recent requests, newest first. */
  getUsage(keyId: string, options: { since?: number; limit?: number } = {}): UsageRecord[] {
    const rows = this.#db
      .prepare(`SELECT * FROM usage WHERE key_id = ? AND at >= ? ORDER BY id DESC LIMIT ?`)
      .all(keyId, options.since ?? 0, options.limit ?? 100) as Record<string, unknown>[]
    return rows.map((r) => ({
      keyId: r['key_id'] as string,
      at: r['at'] as number,
      endpoint: r['endpoint'] as string,
      model: r['model'] as string,
      serviceId: r['service_id'] as string | null,
      application: r['application'] as string | null,
      supplier: r['supplier'] as string | null,
      status: r['status'] as number,
      stream: r['stream'] === 1,
      promptTokens: r['prompt_tokens'] as number,
      completionTokens: r['completion_tokens'] as number,
      relays: r['relays'] as number,
      latencyMs: r['latency_ms'] as number,
      ttftMs: r['ttft_ms'] as number | null,
      costUsd: r['cost_usd'] as number,
    }))
  }

  /** Totals of the key's requests since a time (all time by default). */
  summarize(keyId: string, since = 0): UsageSummary {
    const row = this.#db
      .prepare(
        `SELECT COUNT(*) AS requests, COALESCE(SUM(prompt_tokens), 0) AS prompt,
          COALESCE(SUM(completion_tokens), 0) AS completion, COALESCE(SUM(relays), 0) AS relays,
          COALESCE(SUM(cost_usd), 0) AS cost, COALESCE(AVG(latency_ms), 0) AS latency
          FROM usage WHERE key_id = ? AND at >= ?`,
      )
      .get(keyId, since) as Record<string, number>
    return {
      requests: row['requests']!,
      promptTokens: row['prompt']!,
      completionTokens: row['completion']!,
      relays: row['relays']!,
      costUsd: row['cost']!,
      meanLatencyMs: row['latency']!,
    }
  }

  close(): void {
    if (this.#db.open) this.#db.close()
  }
}
