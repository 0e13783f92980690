import { describe, expect, it } from 'vitest'
import { isGatewayError } from '../src/errors.js'
import { hashApiKey, KeyStore } from '../src/key-store.js'

describe('KeyStore', () => {
  it('creates keys shown once and stored hashed', () => {
    const store = new KeyStore(':memory:')
    const { key, record } = store.create({ name: 'alice', rpm: 10, budgetUsd: 1.5 })
    expect(key).toMatch(/^sk-decai-[A-Za-z0-9_-]{32}$/)
    expect(record).toMatchObject({ name: 'alice', rpm: 10, tpm: null, budgetUsd: 1.5, spentUsd: 0 })
    expect(key.startsWith(record.prefix)).toBe(true)
    expect(JSON.stringify(store.list())).not.toContain(key)
    expect(hashApiKey(key)).toHaveLength(64)
    expect(store.authenticate(key)?.id).toBe(record.id)
    expect(store.authenticate(`${key}x`)).toBeUndefined()
    expect(store.authenticate('sk-other')).toBeUndefined()
    store.close()
  })

  it('revokes, expires and updates keys', () => {
    const store = new KeyStore(':memory:')
    const a = store.create({ name: 'a' })
    const b = store.create({ name: 'b', expiresAt: Date.now() + 1000 })
    expect(store.revoke(a.record.id).revokedAt).not.toBeNull()
    expect(store.authenticate(a.key)).toBeUndefined()
    expect(store.authenticate(b.key)).toBeDefined()
    expect(store.authenticate(b.key, Date.now() + 2000)).toBeUndefined()
    const updated = store.update(b.record.id, { rpm: 5, models: ['m'], budgetUsd: null })
    expect(updated).toMatchObject({ rpm: 5, models: ['m'], budgetUsd: null })
    expect(() => store.update('key_missing', {})).toThrow(/No such key/)
    try {
      store.create({ rpm: -1 })
      expect.unreachable()
    } catch (error) {
      expect(isGatewayError(error) && error.code).toBe('KEY_STORE')
    }
    store.close()
  })

  it('records usage and adds its cost to the spend atomically', () => {
    const store = new KeyStore(':memory:')
    const { record } = store.create({ budgetUsd: 1 })
    const base = {
      keyId: record.id,
      endpoint: 'chat',
      model: 'm',
      serviceId: 'llm',
      application: null,
      supplier: 'pokt1x',
      status: 200,
      stream: false,
      relays: 1,
      ttftMs: null,
    }
    store.recordUsage({
      ...base,
      at: 1,
      promptTokens: 10,
      completionTokens: 5,
      latencyMs: 100,
      costUsd: 0.25,
    })
    store.recordUsage({
      ...base,
      at: 2,
      promptTokens: 4,
      completionTokens: 6,
      latencyMs: 300,
      costUsd: 0.5,
      stream: true,
      relays: 2,
    })
    expect(store.get(record.id).spentUsd).toBeCloseTo(0.75)
    expect(store.summarize(record.id)).toEqual({
      requests: 2,
      promptTokens: 14,
      completionTokens: 11,
      relays: 3,
      costUsd: 0.75,
      meanLatencyMs: 200,
    })
    const usage = store.getUsage(record.id)
    expect(usage.map((u) => u.at)).toEqual([2, 1])
    expect(usage[0]).toMatchObject({ stream: true, relays: 2, supplier: 'pokt1x' })
    store.close()
  })
})
