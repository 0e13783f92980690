// Time per output token in routing and price tiers, on the router and its TPOT model alone (the
// devnet behaviour is in price-tiers.test.ts).
import { describe, expect, it } from 'vitest'
import { type RouterOptions, SupplierRouter } from '../src/supplier-router.js'
import { TpotModel } from '../src/ttft-model.js'

const options: RouterOptions = {
  explorationRate: 0,
  failureThreshold: 3,
  cooldownMs: 1000,
  maxCooldownMs: 8000,
  badSignatureCooldownMs: 5000,
  probationRate: 0.1,
  probationSuccesses: 2,
}

const router = () => new SupplierRouter(options, { now: () => 0, random: () => 0.5 })

/** `n` streamed answers of 21 tokens: first token after `ttftMs` (40-token prompts), then `tpotMs` each. */
function serve(r: SupplierRouter, supplier: string, ttftMs: number, tpotMs: number, n = 4) {
  for (let i = 0; i < n; i++) {
    const work = r.started('llm', supplier, 40)
    r.answered('llm', supplier, work, ttftMs, true)
    r.prefilled('llm', supplier, 40)
    r.succeeded('llm', supplier, {
      ttftMs,
      tokensPerSecond: 1000 / tpotMs,
      decode: { intervals: 20, ms: 20 * tpotMs },
    })
  }
}

describe('TpotModel', () => {
  it('is undefined before an answer of two tokens, then the pooled decode time per token', () => {
    const m = new TpotModel()
    expect(m.estimate()).toBeUndefined()
    m.observe(0, 50)
    expect(m.estimate()).toBeUndefined()
    m.observe(10, 100)
    expect(m.estimate()).toBe(10)
    // A long answer weighs by its length: 90 tokens at 20 ms beside 10 at 10 ms.
    m.observe(90, 1800)
    expect(m.estimate()).toBeCloseTo((100 * 0.98 + 1800) / (10 * 0.98 + 90), 9)
    m.observe(5, Number.NaN)
    m.observe(-1, 10)
    expect(m.samples).toBeCloseTo(0.98 + 1, 9)
  })

  it('follows a supplier whose decode slows down', () => {
    const m = new TpotModel()
    for (let i = 0; i < 50; i++) m.observe(20, 20 * 5)
    for (let i = 0; i < 200; i++) m.observe(20, 20 * 40)
    expect(m.estimate()).toBeGreaterThan(39)
  })
})

describe('SupplierRouter: time per output token', () => {
  // quick: first token in 50 ms, then 40 ms per token; steady: 400 ms, then 5 ms per token.
  const setup = () => {
    const r = router()
    serve(r, 'quick', 50, 40)
    serve(r, 'steady', 400, 5)
    return r
  }

  it('routes a long answer by TTFT + max_tokens × TPOT, a short one by the first token', () => {
    const r = setup()
    expect(r.expectedTpotMs('llm', 'quick')).toBeCloseTo(40, 9)
    // No max_tokens, or a short answer: quick's first token is 350 ms sooner (out of the band).
    expect(
      r.select('llm', ['quick', 'steady'], new Set(), { promptTokens: 40, stream: true }),
    ).toBe('quick')
    const shape = (maxTokens: number) => ({ promptTokens: 40, stream: true, maxTokens })
    expect(r.select('llm', ['quick', 'steady'], new Set(), shape(5))).toBe('quick')
    // 500 tokens: 50 + 500 × 40 = 20 s at quick against 400 + 500 × 5 = 2.9 s at steady.
    expect(r.select('llm', ['quick', 'steady'], new Set(), shape(500))).toBe('steady')
    // Non-streamed answers keep their whole-answer fit.
    expect(r.select('llm', ['quick', 'steady'], new Set(), { ...shape(500), stream: false })).toBe(
      'quick',
    )
  })

  it('keeps the tie band: completions within 25% + 250 ms follow the score', () => {
    const r = router()
    serve(r, 'a', 100, 10)
    serve(r, 'b', 100, 11)
    // b errs: a is the better score; 100 tokens: 1.1 s against 1.2 s, one band.
    r.started('llm', 'a')
    r.failed('llm', 'a', 'connect')
    const shape = { promptTokens: 40, stream: true, maxTokens: 100 }
    expect(r.select('llm', ['a', 'b'], new Set(), shape)).toBe('b')
    // 2,000 tokens: 20.1 s against 22.1 s is still within 25%.
    expect(r.select('llm', ['a', 'b'], new Set(), { ...shape, maxTokens: 2000 })).toBe('b')
  })

  it('a supplier with no TPOT borrows its peers’ median', () => {
    const r = setup()
    // fresh has a first-token fit but no decode measured (one-token answers).
    for (let i = 0; i < 3; i++) {
      const work = r.started('llm', 'fresh', 40)
      r.answered('llm', 'fresh', work, 60, true)
      r.prefilled('llm', 'fresh', 40)
      r.succeeded('llm', 'fresh', { ttftMs: 60 })
    }
    expect(r.expectedTpotMs('llm', 'fresh')).toBeUndefined()
    // Median of 40 and 5 is 22.5 ms: 60 + 500 × 22.5 is still far behind steady.
    const shape = { promptTokens: 40, stream: true, maxTokens: 500 }
    expect(r.select('llm', ['fresh', 'steady'], new Set(), shape)).toBe('steady')
    expect(r.snapshot().find((s) => s.supplier === 'steady')?.tpotMs).toBeCloseTo(5, 9)
  })
})

describe('SupplierRouter: price tiers', () => {
  const r = router()
  serve(r, 'quick', 50, 40)
  serve(r, 'steady', 400, 5)
  const shape = (tier: { maxTtftMs?: number; maxTpotMs?: number }) => ({
    promptTokens: 40,
    stream: true,
    tier,
  })

  it('routes only to suppliers whose own fits meet the tier', () => {
    expect(r.select('llm', ['quick', 'steady'], new Set(), shape({ maxTpotMs: 10 }))).toBe('steady')
    expect(r.select('llm', ['quick', 'steady'], new Set(), shape({ maxTtftMs: 100 }))).toBe('quick')
    expect(
      r.select('llm', ['quick', 'steady'], new Set(), shape({ maxTtftMs: 100, maxTpotMs: 10 })),
    ).toBeUndefined()
    // Not even the last supplier left, nor one excluded.
    expect(
      r.select('llm', ['quick', 'steady'], new Set(['steady']), shape({ maxTpotMs: 10 })),
    ).toBeUndefined()
  })

  it('an unmeasured supplier does not meet a tier, a queue can push one out of it', () => {
    expect(r.select('llm', ['new'], new Set(), shape({ maxTtftMs: 10_000 }))).toBeUndefined()
    // 400 ms for 40 tokens is 10 ms per token: 40 more queued tokens make 800 ms.
    expect(r.select('llm', ['steady'], new Set(), shape({ maxTtftMs: 500 }))).toBe('steady')
    r.started('llm', 'steady', 40)
    expect(r.select('llm', ['steady'], new Set(), shape({ maxTtftMs: 500 }))).toBeUndefined()
  })
})
