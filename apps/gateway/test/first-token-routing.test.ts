// Routing by the expected first token, on the devnet with real suppliers in front of stub
// backends that prefill like a one-slot model server (one queue, time per prompt character):
// a long prompt does not queue behind another at a busy supplier while the other one idles,
// even when the busy one has the better quality score.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MODEL, type Network, startNetwork, startStubBackend } from './helpers.js'

const stops: (() => Promise<void>)[] = []
let net: Network
let key: string

beforeAll(async () => {
  const backends = [
    await startStubBackend({ tokens: 3, prefillMsPerChar: 2 }),
    await startStubBackend({ tokens: 3, prefillMsPerChar: 2 }),
  ]
  for (const b of backends) stops.push(() => b.stop())
  net = await startNetwork({
    suppliers: ['good', 'good'],
    backendUrl: backends[0]!.url,
    backendUrls: backends.map((b) => b.url),
    // No hedges: where the first relay goes is what this test is about.
    gateway: { routing: { explorationRate: 0, hedge: false } },
  })
  stops.push(() => net.stop())
  key = (await net.gateway.createApiKey({ name: 'routing' })).key
}, 120_000)

afterAll(async () => {
  for (const stop of stops.reverse()) await stop()
})

/** A streamed chat; resolves with the supplier that answered it, once it is read. */
async function chat(tag: string, long: boolean): Promise<string> {
  const content = long ? `${tag}: summarize. ${'The report lists the figures. '.repeat(25)}` : tag
  const res = await fetch(`${net.gateway.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content }], stream: true }),
  })
  expect(res.status).toBe(200)
  await res.text()
  return res.headers.get('x-decai-supplier')!
}

describe('routing by the expected first token', () => {
  it('sends two long prompts in a row to different suppliers when the first is busy', async () => {
    // Both suppliers measured on a long and a short prompt (two at once: the second of each
    // pair goes to the supplier not yet measured), so each has a first-token fit.
    const longs = await Promise.all([chat('warm-up long 1', true), chat('warm-up long 2', true)])
    expect(new Set(longs).size).toBe(2)
    await Promise.all([chat('warm-up short 1', false), chat('warm-up short 2', false)])
    // Short chats, one at a time, go to the better-scored supplier and make its first-token
    // average far better than the other's: by score alone it would take every request, with
    // one in flight or not.
    const shorts = []
    for (let i = 0; i < 6; i++) shorts.push(await chat(`short ${i}`, false))
    const favourite = shorts.at(-1)!
    // A long prompt (about 1.5 s of prefill) goes to the favourite; a second one, sent while
    // the first is still prefilling there, goes to the idle supplier instead of queueing.
    const first = chat('long 1', true)
    await new Promise((r) => setTimeout(r, 200))
    const second = chat('long 2', true)
    const [firstSupplier, secondSupplier] = await Promise.all([first, second])
    expect(firstSupplier).toBe(favourite)
    expect(secondSupplier).not.toBe(firstSupplier)
  })
})
