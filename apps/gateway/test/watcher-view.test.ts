// The watcher policy: a `mismatch` excludes a supplier for its service, watchers that disagree
// exclude nothing, a watcher down past `staleMs` counts for nothing, and the watchers' success
// rate feeds the router's score.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createLogger } from '@decai/app-kit/logger'
import { describe, expect, it } from 'vitest'
import { type RouterOptions, SupplierRouter } from '../src/supplier-router.js'
import { type WatcherEntry, WatcherView } from '../src/watcher-view.js'

const routerOptions: RouterOptions = {
  explorationRate: 0,
  failureThreshold: 3,
  cooldownMs: 1000,
  maxCooldownMs: 8000,
  badSignatureCooldownMs: 5000,
  probationRate: 0.1,
  probationSuccesses: 2,
}
const logger = createLogger({ level: 'silent' })

const entry = (
  supplier: string,
  verdict: WatcherEntry['verdict'],
  extra: Partial<WatcherEntry> = {},
): WatcherEntry => ({
  serviceId: 'llm',
  supplier,
  verdict,
  confidence: 0.99,
  successRate: 1,
  ttftMs: { p50: 100 },
  ...extra,
})

function setup() {
  let now = 0
  const view = new WatcherView({
    urls: [],
    refreshMs: 1000,
    staleMs: 60_000,
    minConfidence: 0.95,
    logger,
    now: () => now,
  })
  const router = new SupplierRouter(routerOptions, { now: () => now, random: () => 0.5 })
  router.watchers = view
  return { view, router, advance: (ms: number) => (now += ms) }
}

describe('the gateway follows its watchers', () => {
  it('a mismatch excludes the supplier for that service, even as the last one left', () => {
    const { view, router } = setup()
    view.setReport('w1', [entry('good', 'match'), entry('sub', 'mismatch')])
    for (let i = 0; i < 20; i++) expect(router.select('llm', ['good', 'sub'])).toBe('good')
    expect(router.select('llm', ['sub'])).toBeUndefined()
    // Another service of the same supplier is not affected.
    expect(router.select('other', ['sub'])).toBe('sub')
  })

  it('a mismatch below minConfidence, or contradicted by another watcher, excludes nothing', () => {
    const { view, router } = setup()
    view.setReport('w1', [entry('sub', 'mismatch', { confidence: 0.9 })])
    expect(router.select('llm', ['sub'])).toBe('sub')
    view.setReport('w1', [entry('sub', 'mismatch')])
    view.setReport('w2', [entry('sub', 'match')])
    expect(router.select('llm', ['sub'])).toBe('sub')
  })

  it("a watcher's claim audit flagging a supplier excludes it, whatever the model verdicts", () => {
    const { view, router } = setup()
    view.setReport('w1', [
      entry('good', 'match', { claimAudit: { overClaimed: false } }),
      entry('greedy', 'match', { claimAudit: { overClaimed: true } }),
    ])
    view.setReport('w2', [entry('greedy', 'match'), entry('good', 'match', { claimAudit: null })])
    for (let i = 0; i < 20; i++) expect(router.select('llm', ['good', 'greedy'])).toBe('good')
    expect(router.select('llm', ['greedy'])).toBeUndefined()
  })

  it('a watcher unreadable past staleMs counts for nothing (fail open)', () => {
    const { view, router, advance } = setup()
    view.setReport('w1', [entry('sub', 'mismatch')])
    expect(router.select('llm', ['sub'])).toBeUndefined()
    advance(60_001)
    expect(router.select('llm', ['sub'])).toBe('sub')
  })

  it("the watchers' success rate lowers a supplier's score", () => {
    const { view, router } = setup()
    for (const s of ['a', 'b'])
      for (let i = 0; i < 3; i++) {
        router.started('llm', s)
        router.succeeded('llm', s, { ttftMs: 100, tokensPerSecond: 20 })
      }
    view.setReport('w1', [entry('a', 'match', { successRate: 0.5 }), entry('b', 'match')])
    for (let i = 0; i < 10; i++) expect(router.select('llm', ['a', 'b'])).toBe('b')
  })

  it('reads /reports/latest from each watcher URL', async () => {
    const server = createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ entries: [entry('sub', 'mismatch')] }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const view = new WatcherView({
      urls: [url, 'http://127.0.0.1:1'],
      refreshMs: 1000,
      staleMs: 60_000,
      minConfidence: 0.95,
      logger,
    })
    await view.refresh()
    expect(view.isExcluded('llm', 'sub')).toBe(true)
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
})
