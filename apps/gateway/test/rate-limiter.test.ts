import { describe, expect, it } from 'vitest'
import { RateLimiter } from '../src/rate-limiter.js'

describe('RateLimiter', () => {
  it('admits up to rpm requests per sliding minute', () => {
    const limiter = new RateLimiter()
    const t0 = 1_000_000
    for (let i = 0; i < 3; i++)
      expect(limiter.admit('k', { rpm: 3, tpm: null }, t0 + i).ok).toBe(true)
    expect(limiter.admit('k', { rpm: 3, tpm: null }, t0 + 10)).toMatchObject({
      ok: false,
      kind: 'requests',
      limit: 3,
    })
    // Another key is independent.
    expect(limiter.admit('other', { rpm: 3, tpm: null }, t0).ok).toBe(true)
    // 60 s later the window has moved on.
    expect(limiter.admit('k', { rpm: 3, tpm: null }, t0 + 60_000).ok).toBe(true)
  })

  it('refuses once the last minute used the token budget', () => {
    const limiter = new RateLimiter()
    const t0 = 5_000_000
    expect(limiter.admit('k', { rpm: null, tpm: 100 }, t0).ok).toBe(true)
    limiter.addTokens('k', 60, t0 + 1)
    expect(limiter.admit('k', { rpm: null, tpm: 100 }, t0 + 2).ok).toBe(true)
    limiter.addTokens('k', 50, t0 + 3)
    expect(limiter.admit('k', { rpm: null, tpm: 100 }, t0 + 4)).toMatchObject({
      ok: false,
      kind: 'tokens',
    })
    expect(limiter.usage('k', t0 + 5)).toEqual({ requests: 2, tokens: 110 })
    expect(limiter.admit('k', { rpm: null, tpm: 100 }, t0 + 61_000).ok).toBe(true)
  })
})
