import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
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

// The default key store: an embedded SQLite file (WAL), for one gateway process. SQLite answers
// synchronously; the methods are async only to fit the KeyStore interface.

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

export class SqliteKeyStore implements KeyStore {
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

  async create(
    parameters: CreateApiKeyParameters = {},
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    checkKeyParameters(parameters)
    const { key, id, prefix } = generateApiKey()
    this.#db
      .prepare(`INSERT INTO api_keys (id, name, key_hash, prefix, created_at, expires_at, rpm, tpm,
        budget_usd, models, application) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        id,
        parameters.name ?? '',
        hashApiKey(key),
        prefix,
        Date.now(),
        parameters.expiresAt ?? null,
        parameters.rpm ?? null,
        parameters.tpm ?? null,
        parameters.budgetUsd ?? null,
        parameters.models ? JSON.stringify(parameters.models) : null,
        parameters.application ?? null,
      )
    return { key, record: this.#get(id) }
  }

  async get(id: string): Promise<ApiKeyRecord> {
    return this.#get(id)
  }

  #get(id: string): ApiKeyRecord {
    const row = this.#byId.get(id)
    if (!row) throw noSuchKey(id)
    return toRecord(row)
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (this.#db.prepare('SELECT * FROM api_keys ORDER BY created_at').all() as KeyRow[]).map(
      toRecord,
    )
  }

  async update(id: string, patch: UpdateApiKeyParameters): Promise<ApiKeyRecord> {
    checkKeyParameters(patch)
    this.#get(id)
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
    return this.#get(id)
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    this.#get(id)
    this.#db
      .prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?')
      .run(Date.now(), id)
    return this.#get(id)
  }

  async authenticate(key: string, now = Date.now()): Promise<ApiKeyRecord | undefined> {
    if (!key.startsWith(KEY_PREFIX)) return undefined
    const row = this.#byHash.get(hashApiKey(key))
    return toLiveKey(row && toRecord(row), now)
  }

  async recordUsage(usage: UsageRecord): Promise<void> {
    this.#record(usage)
  }

  async getUsage(
    keyId: string,
    options: { since?: number; limit?: number } = {},
  ): Promise<UsageRecord[]> {
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

  async summarize(keyId: string, since = 0): Promise<UsageSummary> {
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

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close()
  }
}
