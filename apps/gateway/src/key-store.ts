import { createHash, randomBytes } from 'node:crypto'
import { GatewayError } from './errors.js'

// API keys and per-key usage: what every store keeps, and the rules they share. Keys are random
// 192-bit secrets shown once at creation; only their SHA-256 is stored (a high-entropy secret
// needs no slow hash). Every lookup reads the store, so keys revoked from the CLI while the
// gateway runs stop working at once. The store is chosen in config (`store.kind`): an embedded
// SQLite file (the default, sqlite-key-store.ts) or PostgreSQL shared by several replicas.

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

export const KEY_PREFIX = 'sk-decai-'

/** SHA-256 of a key, as stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** A new key's secret, its ID and the prefix shown in lists. */
export function generateApiKey(): { key: string; id: string; prefix: string } {
  const key = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`
  return {
    key,
    id: `key_${randomBytes(8).toString('hex')}`,
    prefix: key.slice(0, KEY_PREFIX.length + 4),
  }
}

function checkLimit(name: string, value: number | null | undefined, integer: boolean): void {
  if (value === undefined || value === null) return
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value)))
    throw new GatewayError('KEY_STORE', `Invalid ${name}.`, { details: String(value), param: name })
}

/** Throws `KEY_STORE` on a limit, name, model list or application that no store may keep. */
export function checkKeyParameters(p: UpdateApiKeyParameters): void {
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

/** The live key for its stored record: undefined when revoked or expired. */
export function toLiveKey(record: ApiKeyRecord | undefined, now: number): ApiKeyRecord | undefined {
  if (!record || record.revokedAt !== null) return undefined
  if (record.expiresAt !== null && record.expiresAt <= now) return undefined
  return record
}

/** `KEY_STORE` for an unknown key ID. */
export function noSuchKey(id: string): GatewayError {
  return new GatewayError('KEY_STORE', 'No such key.', { details: id })
}

/**
 * Where API keys, usage records and spend live. Every method is asynchronous, whatever the
 * engine: a shared store answers over the network. Bad input rejects with `KEY_STORE`.
 */
export interface KeyStore {
  /** Creates a key; the secret is returned here and never again. */
  create(parameters?: CreateApiKeyParameters): Promise<{ key: string; record: ApiKeyRecord }>
  /** A key by ID; `KEY_STORE` when unknown. */
  get(id: string): Promise<ApiKeyRecord>
  /** Every key, oldest first. */
  list(): Promise<ApiKeyRecord[]>
  /** Changes a key's limits (null removes a limit). */
  update(id: string, patch: UpdateApiKeyParameters): Promise<ApiKeyRecord>
  /** Revokes a key for good; revoking twice keeps the first time. */
  revoke(id: string): Promise<ApiKeyRecord>
  /** The live key for a secret: undefined when unknown, revoked or expired. */
  authenticate(key: string, now?: number): Promise<ApiKeyRecord | undefined>
  /** Records one request and adds its cost to the key's spend, atomically. */
  recordUsage(usage: UsageRecord): Promise<void>
  /** The key's most recent requests, newest first. */
  getUsage(keyId: string, options?: { since?: number; limit?: number }): Promise<UsageRecord[]>
  /** Totals of the key's requests since a time (all time by default). */
  summarize(keyId: string, since?: number): Promise<UsageSummary>
  /** Waits for writes under way, then closes. Idempotent. */
  close(): Promise<void>
}
