import { describe, expect, it } from 'vitest'
import { getCharge, getChargeCost, NO_CHARGE } from '../src/billing.js'
import { parseGatewayConfig } from '../src/config.js'
import { getExpectedHedgeDelay, HedgeBudget } from '../src/hedge-policy.js'
import { estimatePromptTokens } from '../src/prompt-tokens.js'
import { SupplierRouter } from '../src/supplier-router.js'
import { TtftModel } from '../src/ttft-model.js'

const { routing } = parseGatewayConfig({
  gateway: { privateKey: '11'.repeat(32) },
})

describe('the first-token model', () => {
  it('learns base and prefill rate from prompts of different sizes', () => {
    const model = new TtftModel()
    // 40 ms of overhead, 2 ms per prompt token.
    for (const work of [20, 400, 30, 800, 25, 1200]) model.observe(work, 40 + 2 * work)
    const e = model.estimate()!
    expect(e.baseMs).toBeCloseTo(40, 5)
    expect(e.msPerToken).toBeCloseTo(2, 5)
    expect(model.expect(1500)).toBeCloseTo(3040, 3)
  })

  it('with only short prompts seen, assumes all time is prefill: long prompts expect more', () => {
    const model = new TtftModel()
    for (let i = 0; i < 5; i++) model.observe(30, 90)
    expect(model.expect(30)).toBeCloseTo(90)
    expect(model.expect(1500)).toBeCloseTo(4500)
  })

  it('knows nothing before an observation', () => {
    expect(new TtftModel().expect(100)).toBeUndefined()
  })
})

describe('the expected first token per supplier', () => {
  it('adds the prompts queued at the supplier, and borrows from peers when unmeasured', () => {
    const router = new SupplierRouter(routing, { random: () => 0.99 })
    for (const work of [10, 1000, 10, 1000]) {
      const w = router.started('llm', 'a', work)
      router.prefilled('llm', 'a', work)
      router.answered('llm', 'a', w, 10 + work, true)
      router.succeeded('llm', 'a', { ttftMs: 10 + work })
    }
    expect(router.expectedFirstTokenMs('llm', 'a', 500, true)).toBeCloseTo(510)
    // A 1,000-token prompt still prefilling there is ahead of the next request.
    router.started('llm', 'a', 1000)
    expect(router.expectedFirstTokenMs('llm', 'a', 500, true)).toBeCloseTo(1510)
    router.prefilled('llm', 'a', 1000)
    // Supplier b has no figures of its own: the service's measured peers stand in.
    expect(router.expectedFirstTokenMs('llm', 'b', 500, true)).toBeCloseTo(510)
    // Whole-answer latency is learned apart, from non-streamed relays.
    expect(router.expectedFirstTokenMs('llm', 'a', 500, false)).toBeUndefined()
  })
})

describe('the hedge delay', () => {
  it('is a multiple of the expected first token, unbounded above', () => {
    expect(getExpectedHedgeDelay(routing, 100, 50)).toBe(100 * routing.hedgeTtftMultiplier)
    expect(getExpectedHedgeDelay(routing, 1, 50)).toBe(routing.minHedgeDelayMs)
    // A 10 s prefill that is on time is not hedged at maxHedgeDelayMs.
    expect(getExpectedHedgeDelay(routing, 10_000, 50)).toBe(10_000 * routing.hedgeTtftMultiplier)
    // Nothing measured for the supplier or its peers: the typical-TTFT rule.
    expect(getExpectedHedgeDelay(routing, undefined, undefined)).toBe(routing.hedgeDelayMs)
  })
})

describe('the hedge budget', () => {
  it('allows the burst, then one hedge per 1/share first relays, per service', () => {
    const budget = new HedgeBudget(0.05, 2)
    let hedges = 0
    for (let i = 0; i < 200; i++) {
      budget.earn('llm')
      if (budget.spend('llm')) hedges++
    }
    // At most 2 at start and 5% of 200 requests (earnings past a full bucket are lost).
    expect(hedges).toBeLessThanOrEqual(12)
    expect(hedges).toBeGreaterThanOrEqual(10)
    expect(budget.spend('other')).toBe(true)
  })

  it('never hedges with a zero budget and no burst', () => {
    const budget = new HedgeBudget(0, 0)
    budget.earn('llm')
    expect(budget.spend('llm')).toBe(false)
  })

  it('has the documented defaults', () => {
    expect(routing).toMatchObject({
      hedgePolicy: 'expected-ttft',
      hedgeBudget: 0.05,
      hedgeBurst: 2,
    })
  })
})

describe('the billing rule', () => {
  const usage = { promptTokens: 30, completionTokens: 7, totalTokens: 37 }
  const localPrompt = { tokens: 28, source: 'estimate' as const }

  it("charges the supplier's usage when it arrived", () => {
    expect(getCharge({ served: true, usage, contentChunks: 3, localPrompt })).toEqual({
      promptTokens: 30,
      completionTokens: 7,
      promptSource: 'usage',
    })
  })

  it('charges the local prompt count and the tokens sent when usage never came', () => {
    expect(getCharge({ served: true, usage: undefined, contentChunks: 3, localPrompt })).toEqual({
      promptTokens: 28,
      completionTokens: 3,
      promptSource: 'estimate',
    })
  })

  it('charges nothing when nothing was served', () => {
    expect(getCharge({ served: false, usage, contentChunks: 0, localPrompt })).toEqual(NO_CHARGE)
  })

  it('prices a charge per million tokens', () => {
    const charge = { promptTokens: 1000, completionTokens: 500, promptSource: 'usage' as const }
    expect(getChargeCost(charge, { promptPerMillion: 1, completionPerMillion: 2 })).toBeCloseTo(
      0.002,
    )
  })
})

describe('the prompt token estimate', () => {
  it('counts UTF-8 bytes / 3, plus the chat template allowance', () => {
    const messages = [
      { role: 'system', content: 'abcdef' },
      { role: 'user', content: [{ type: 'text', text: 'ghi' }] },
    ]
    expect(estimatePromptTokens('chat', { messages })).toBe(16 + (4 + 2) + (4 + 1))
    expect(estimatePromptTokens('completions', { prompt: 'é'.repeat(3) })).toBe(2)
    expect(estimatePromptTokens('completions', { prompt: [1, 2, 3, 4] })).toBe(4)
    expect(estimatePromptTokens('embeddings', { input: ['abc', 'abcd', [5, 6]] })).toBe(1 + 2 + 2)
    expect(estimatePromptTokens('chat', {})).toBe(16)
  })
})
