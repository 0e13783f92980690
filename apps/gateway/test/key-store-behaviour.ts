import { describe, expect, it } from 'vitest'
import { isGatewayError } from '../src/errors.js'
import { hashApiKey, type KeyStore, type UsageRecord } from '../src/key-store.js'

// What every key store does, whatever its engine: one suite, run by key-store.test.ts against
// each store (SQLite always; PostgreSQL on a real server).

const usage = (keyId: string, fields: Partial<UsageRecord> = {}): UsageRecord => ({
  keyId,
  at: 1,
  endpoint: 'chat',
  model: 'm',
  serviceId: 'llm',
  application: null,
  supplier: 'pokt1x',
  status: 200,
  stream: false,
  promptTokens: 1,
  completionTokens: 1,
  relays: 1,
  latencyMs: 100,
  ttftMs: null,
  costUsd: 0,
  ...fields,
})

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run()
    return undefined
  } catch (error) {
    return isGatewayError(error) ? error.code : 'OTHER'
  }
}

/** The behaviour suite of a key store; `open` gives a store ready for use (closed by the test). */
export function describeKeyStore(name: string, open: () => Promise<KeyStore>): void {
  describe(`KeyStore (${name})`, () => {
    it('creates keys shown once and stored hashed', async () => {
      const store = await open()
      const { key, record } = await store.create({ name: 'alice', rpm: 10, budgetUsd: 1.5 })
      expect(key).toMatch(/^sk-decai-[A-Za-z0-9_-]{32}$/)
      expect(record).toMatchObject({
        name: 'alice',
        rpm: 10,
        tpm: null,
        budgetUsd: 1.5,
        spentUsd: 0,
        models: null,
        application: null,
        revokedAt: null,
        expiresAt: null,
      })
      expect(key.startsWith(record.prefix)).toBe(true)
      expect(JSON.stringify(await store.list())).not.toContain(key)
      expect((await store.list()).map((k) => k.id)).toContain(record.id)
      expect(await store.get(record.id)).toEqual(record)
      expect(hashApiKey(key)).toHaveLength(64)
      expect((await store.authenticate(key))?.id).toBe(record.id)
      expect(await store.authenticate(`${key}x`)).toBeUndefined()
      expect(await store.authenticate('sk-other')).toBeUndefined()
      await store.close()
    })

    it('revokes, expires and updates keys', async () => {
      const store = await open()
      const a = await store.create({ name: 'a', models: ['x', 'y'], application: 'pokt1app' })
      expect(a.record).toMatchObject({ models: ['x', 'y'], application: 'pokt1app' })
      const b = await store.create({ name: 'b', expiresAt: Date.now() + 1000 })
      const revokedAt = (await store.revoke(a.record.id)).revokedAt
      expect(revokedAt).not.toBeNull()
      expect((await store.revoke(a.record.id)).revokedAt).toBe(revokedAt)
      expect(await store.authenticate(a.key)).toBeUndefined()
      expect(await store.authenticate(b.key)).toBeDefined()
      expect(await store.authenticate(b.key, Date.now() + 2000)).toBeUndefined()
      const updated = await store.update(b.record.id, { rpm: 5, models: ['m'], budgetUsd: null })
      expect(updated).toMatchObject({ rpm: 5, models: ['m'], budgetUsd: null, name: 'b' })
      expect(await store.update(b.record.id, { name: 'renamed', spentUsd: 0.5 })).toMatchObject({
        name: 'renamed',
        spentUsd: 0.5,
        rpm: 5,
      })
      expect(await codeOf(() => store.update('key_missing', {}))).toBe('KEY_STORE')
      expect(await codeOf(() => store.get('key_missing'))).toBe('KEY_STORE')
      expect(await codeOf(() => store.revoke('key_missing'))).toBe('KEY_STORE')
      expect(await codeOf(() => store.create({ rpm: -1 }))).toBe('KEY_STORE')
      expect(await codeOf(() => store.create({ rpm: 1.5 }))).toBe('KEY_STORE')
      expect(await codeOf(() => store.create({ models: [''] }))).toBe('KEY_STORE')
      await store.close()
    })

    it('records usage and adds its cost to the spend atomically', async () => {
      const store = await open()
      const { record } = await store.create({ budgetUsd: 1 })
      await store.recordUsage(
        usage(record.id, { at: 1, promptTokens: 10, completionTokens: 5, costUsd: 0.25 }),
      )
      await store.recordUsage(
        usage(record.id, {
          at: 2,
          promptTokens: 4,
          completionTokens: 6,
          latencyMs: 300,
          ttftMs: 42.5,
          costUsd: 0.5,
          stream: true,
          relays: 2,
        }),
      )
      expect((await store.get(record.id)).spentUsd).toBeCloseTo(0.75, 12)
      expect(await store.summarize(record.id)).toEqual({
        requests: 2,
        promptTokens: 14,
        completionTokens: 11,
        relays: 3,
        costUsd: 0.75,
        meanLatencyMs: 200,
      })
      expect(await store.summarize(record.id, 2)).toMatchObject({ requests: 1, costUsd: 0.5 })
      const records = await store.getUsage(record.id)
      expect(records.map((u) => u.at)).toEqual([2, 1])
      expect(records[0]).toEqual(
        usage(record.id, {
          at: 2,
          promptTokens: 4,
          completionTokens: 6,
          latencyMs: 300,
          ttftMs: 42.5,
          costUsd: 0.5,
          stream: true,
          relays: 2,
        }),
      )
      expect(await store.getUsage(record.id, { limit: 1 })).toHaveLength(1)
      expect(await store.getUsage(record.id, { since: 2 })).toHaveLength(1)
      expect(await store.summarize('key_none')).toEqual({
        requests: 0,
        promptTokens: 0,
        completionTokens: 0,
        relays: 0,
        costUsd: 0,
        meanLatencyMs: 0,
      })
      await store.close()
    })

    it('loses no spend under concurrent records', async () => {
      const store = await open()
      const { record } = await store.create()
      const costs = Array.from({ length: 64 }, (_, i) => (i + 1) / 1000)
      await Promise.all(
        costs.map((costUsd, at) => store.recordUsage(usage(record.id, { at, costUsd }))),
      )
      const total = costs.reduce((a, b) => a + b, 0)
      expect((await store.get(record.id)).spentUsd).toBeCloseTo(total, 9)
      expect((await store.summarize(record.id)).requests).toBe(64)
      await store.close()
    })
  })
}
