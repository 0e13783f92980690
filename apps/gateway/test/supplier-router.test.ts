import { describe, expect, it } from 'vitest'
import { type RouterOptions, SupplierRouter } from '../src/supplier-router.js'

const options: RouterOptions = {
  explorationRate: 0,
  failureThreshold: 3,
  cooldownMs: 1000,
  maxCooldownMs: 8000,
  badSignatureCooldownMs: 5000,
  probationRate: 0.1,
  probationSuccesses: 2,
}

function setup(overrides: Partial<RouterOptions> = {}, randomValues?: number[]) {
  let now = 0
  let i = 0
  const random = () => (randomValues ? randomValues[i++ % randomValues.length]! : 0.5)
  const router = new SupplierRouter({ ...options, ...overrides }, { now: () => now, random })
  return { router, advance: (ms: number) => (now += ms) }
}

/** Feeds `n` successful streamed relays with the given TTFT. */
function serve(router: SupplierRouter, supplier: string, ttftMs: number, n = 3, tps = 20) {
  for (let i = 0; i < n; i++) {
    router.started('llm', supplier)
    router.succeeded('llm', supplier, { ttftMs, tokensPerSecond: tps })
  }
}

describe('SupplierRouter', () => {
  it('tries unmeasured suppliers first, then prefers the fastest first token', () => {
    const { router } = setup()
    const picked = new Set<string>()
    for (let i = 0; i < 4; i++) {
      const s = router.select('llm', ['a', 'b'])!
      picked.add(s)
      router.started('llm', s)
      router.succeeded('llm', s, { ttftMs: s === 'a' ? 900 : 100, tokensPerSecond: 20 })
    }
    expect(picked).toEqual(new Set(['a', 'b']))
    for (let i = 0; i < 10; i++) expect(router.select('llm', ['a', 'b'])).toBe('b')
  })

  it('prefers higher decode speed at equal first-token time', () => {
    const { router } = setup()
    serve(router, 'slow', 200, 3, 5)
    serve(router, 'fast', 200, 3, 50)
    expect(router.select('llm', ['slow', 'fast'])).toBe('fast')
  })

  it('spreads load by requests in flight', () => {
    const { router } = setup()
    serve(router, 'a', 100)
    serve(router, 'b', 120)
    expect(router.select('llm', ['a', 'b'])).toBe('a')
    router.started('llm', 'a')
    router.started('llm', 'a')
    expect(router.select('llm', ['a', 'b'])).toBe('b')
  })

  it('puts a supplier in cooldown after consecutive failures, then on probation', () => {
    const { router, advance } = setup()
    const cooled: string[] = []
    router.onCooldown = (_, supplier, reason, ms) => cooled.push(`${supplier}:${reason}:${ms}`)
    serve(router, 'a', 100)
    serve(router, 'b', 100)
    for (let i = 0; i < 3; i++) {
      router.started('llm', 'a')
      router.failed('llm', 'a', 'connect')
    }
    expect(cooled).toEqual(['a:connect:1000'])
    expect(router.state('llm', 'a')).toBe('cooldown')
    for (let i = 0; i < 5; i++) expect(router.select('llm', ['a', 'b'])).toBe('b')
    // Nothing else left: the cooling supplier is still better than nothing.
    expect(router.select('llm', ['a'])).toBe('a')
    advance(1000)
    expect(router.state('llm', 'a')).toBe('probation')
    // Probation: a small share only (random 0.5 > 0.1 here), all of it when alone.
    expect(router.select('llm', ['a', 'b'])).toBe('b')
    expect(router.select('llm', ['a'])).toBe('a')
    // A failure on probation: cooldown again, twice as long.
    router.started('llm', 'a')
    router.failed('llm', 'a', 'timeout')
    expect(cooled.at(-1)).toBe('a:timeout:2000')
    advance(2000)
    for (let i = 0; i < 2; i++) {
      router.started('llm', 'a')
      router.succeeded('llm', 'a', { ttftMs: 100 })
    }
    expect(router.state('llm', 'a')).toBe('healthy')
  })

  it('cools a supplier down at once for a bad signature', () => {
    const { router } = setup()
    router.started('llm', 'evil')
    router.failed('llm', 'evil', 'bad_signature')
    expect(router.state('llm', 'evil')).toBe('cooldown')
    expect(router.snapshot()[0]).toMatchObject({ supplier: 'evil', lastError: 'bad_signature' })
  })

  it('cools a rate-limiting supplier down at once, for the usual time', () => {
    const { router, advance } = setup()
    router.started('llm', 'busy')
    router.failed('llm', 'busy', 'rate_limited')
    expect(router.state('llm', 'busy')).toBe('cooldown')
    advance(options.cooldownMs)
    expect(router.state('llm', 'busy')).toBe('probation')
  })

  it('holds a refused request against no supplier', () => {
    const { router } = setup()
    for (let i = 0; i < options.failureThreshold + 1; i++) {
      router.started('llm', 'a')
      router.failed('llm', 'a', 'bad_request')
    }
    expect(router.state('llm', 'a')).toBe('healthy')
    expect(router.snapshot()[0]).toMatchObject({
      supplier: 'a',
      lastError: 'bad_request',
      consecutiveFailures: 0,
      inFlight: 0,
    })
  })

  it('gives probation suppliers their share', () => {
    const { router, advance } = setup({}, [0.05])
    serve(router, 'b', 100)
    router.started('llm', 'a')
    router.failed('llm', 'a', 'bad_signature')
    advance(5000)
    expect(router.select('llm', ['a', 'b'])).toBe('a')
  })

  it('explores at the configured rate', () => {
    const { router } = setup({ explorationRate: 0.2 }, [0.1, 0.99])
    serve(router, 'a', 100)
    serve(router, 'b', 2000)
    // random 0.1 < 0.2: explore, index floor(0.99 * 2) = 1 → b.
    expect(router.select('llm', ['a', 'b'])).toBe('b')
  })

  it('counts a lost hedge as a lower bound of the TTFT', () => {
    const { router } = setup()
    serve(router, 'a', 100)
    serve(router, 'b', 120)
    router.started('llm', 'a')
    router.cancelled('llm', 'a', 5000)
    expect(router.select('llm', ['a', 'b'])).toBe('b')
    // What "on time" means comes from answered relays only.
    expect(router.typicalTtftMs('llm')).toBe(110)
  })

  it('skips excluded suppliers and returns undefined when none is left', () => {
    const { router } = setup()
    expect(router.select('llm', ['a'], new Set(['a']))).toBeUndefined()
    expect(router.select('llm', [])).toBeUndefined()
  })
})

/**
 * Feeds `n` streamed relays of `promptTokens` each, answered one at a time at `msPerToken`:
 * the first-token fit and the quality averages both learn from them.
 */
function prefill(router: SupplierRouter, supplier: string, prompts: number[], msPerToken: number) {
  for (const tokens of prompts) {
    const work = router.started('llm', supplier, tokens)
    const ms = work * msPerToken
    router.answered('llm', supplier, work, ms, true)
    router.prefilled('llm', supplier, tokens)
    router.succeeded('llm', supplier, { ttftMs: ms, tokensPerSecond: 20 })
  }
}

const long = { promptTokens: 600, stream: true }
const short = { promptTokens: 40, stream: true }

describe('SupplierRouter: the soonest expected first token', () => {
  it('sends a long prompt past a supplier busy prefilling another', () => {
    const { router } = setup()
    // Same prefill rate; a served the short chats lately, b the long prompts, so by score
    // (first-token averages) a looks far better.
    prefill(router, 'b', [40, 600, 40, 600, 600], 10)
    prefill(router, 'a', [600, 40, 40, 40, 40, 40, 40, 40, 40], 10)
    expect(router.select('llm', ['a', 'b'], new Set(), long)).toBe('a')
    // a now prefills that long prompt (the gateway's queue there: 600 tokens).
    router.started('llm', 'a', 600)
    expect(router.select('llm', ['a', 'b'], new Set(), long)).toBe('b')
    // The score alone, blind to the queue, keeps a despite its request in flight.
    expect(router.select('llm', ['a', 'b'])).toBe('a')
    // Once a's first token came, its queue is empty again.
    router.prefilled('llm', 'a', 600)
    expect(router.select('llm', ['a', 'b'], new Set(), long)).toBe('a')
  })

  it('prefers the faster prefill for a long prompt, whatever the averages say', () => {
    const { router } = setup()
    prefill(router, 'fast', [600, 600, 40, 600], 2)
    prefill(router, 'slow', [40, 40, 40, 40, 600, 40, 40, 40, 40], 6)
    // By score the slow one wins (its averages come from short chats) …
    expect(router.select('llm', ['fast', 'slow'])).toBe('slow')
    // … but 600 tokens take 1.2 s at fast and 3.6 s at slow.
    expect(router.select('llm', ['fast', 'slow'], new Set(), long)).toBe('fast')
  })

  it('lets the score decide within the tie band', () => {
    const { router } = setup()
    prefill(router, 'a', [40, 600, 40], 5)
    prefill(router, 'b', [40, 600, 40], 5)
    // Equal expectations; b errs now and then, so a is more reliable.
    router.started('llm', 'b')
    router.failed('llm', 'b', 'connect')
    expect(router.select('llm', ['a', 'b'], new Set(), short)).toBe('a')
    // 5 ms per token: behind a queued short chat, 400 ms at a is within 25% + 250 ms of b's 200.
    router.started('llm', 'a', 40)
    expect(router.select('llm', ['a', 'b'], new Set(), short)).toBe('a')
    // A queued long prompt is not.
    router.started('llm', 'a', 600)
    expect(router.select('llm', ['a', 'b'], new Set(), short)).toBe('b')
  })

  it('keeps exploration, unmeasured suppliers first, and cooldowns', () => {
    const { router } = setup()
    prefill(router, 'a', [40, 600, 40], 10)
    // c was never measured: tried first even though it borrows a's expectation.
    expect(router.select('llm', ['a', 'c'], new Set(), long)).toBe('c')
    prefill(router, 'b', [40, 600, 40], 1)
    router.started('llm', 'b')
    router.failed('llm', 'b', 'bad_signature')
    // b is the fastest by far but cooling down: not chosen while a is healthy.
    expect(router.select('llm', ['a', 'b'], new Set(), long)).toBe('a')
    const exploring = setup({ explorationRate: 0.2 }, [0.1, 0.99])
    prefill(exploring.router, 'a', [40, 600, 40], 1)
    prefill(exploring.router, 'b', [40, 600, 40], 10)
    expect(exploring.router.select('llm', ['a', 'b'], new Set(), long)).toBe('b')
  })

  it('falls back to the score while a supplier has no first-token fit and no peer has one', () => {
    const { router } = setup()
    serve(router, 'a', 100)
    serve(router, 'b', 900)
    router.started('llm', 'a', 600)
    expect(router.select('llm', ['a', 'b'], new Set(), long)).toBe('a')
  })
})
