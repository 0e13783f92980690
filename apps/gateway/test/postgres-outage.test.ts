// The gateway on a shared PostgreSQL store that goes away mid-run and comes back: a real
// server (tools/servers), a devnet, a real supplier in front of a stub backend. While the server
// is down new requests are refused with 503 `store_unavailable` before any relay, and requests
// already relayed finish and have their spend queued in the replica's outbox. Once the server is
// back the same gateway process serves again, and the spend in the store equals the sum of
// what every answered request was charged.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  MODEL,
  metricValue,
  type Network,
  startNetwork,
  startStubBackend,
  tempDir,
  waitUntil,
} from './helpers.js'
import { startPostgres, type TestServer, withPostgres } from './servers.js'

// startNetwork's pricing: 1 USD per million prompt tokens, 2 per million completion tokens.
const costOf = (usage: { prompt_tokens: number; completion_tokens: number }) =>
  (usage.prompt_tokens + 2 * usage.completion_tokens) / 1e6

describe.runIf(withPostgres)('a PostgreSQL outage', () => {
  let pg: TestServer
  let stub: Awaited<ReturnType<typeof startStubBackend>>
  let net: Network
  let key: string
  let keyId: string

  beforeAll(async () => {
    pg = await startPostgres()
    stub = await startStubBackend({ tokens: 8 })
    net = await startNetwork({
      suppliers: ['good'],
      backendUrl: stub.url,
      gateway: {
        store: {
          kind: 'postgres',
          url: pg.url,
          connectTimeoutMs: 1000,
          outboxPath: join(tempDir('decai-outbox-'), 'outbox.sqlite'),
        },
      },
    })
    ;({
      key,
      record: { id: keyId },
    } = await net.gateway.createApiKey({ name: 'outage' }))
  })

  afterAll(async () => {
    await net?.stop()
    await stub?.stop()
    await pg?.stop()
  })

  const chat = async (extra: Record<string, unknown> = {}) => {
    const res = await fetch(`${net.gateway.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...extra }),
    })
    const body = (await res.json()) as {
      usage?: { prompt_tokens: number; completion_tokens: number }
      error?: { type: string; code: string; message: string }
    }
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body }
  }
  const outboxRows = async () =>
    metricValue(
      await (await fetch(`${net.gateway.url}/metrics`)).text(),
      'decai_gateway_spend_outbox_rows',
    )

  it('refuses new requests, keeps the spend of those relayed, and recovers without a restart', async () => {
    let charged = 0
    let answered = 0
    const count = (r: Awaited<ReturnType<typeof chat>>) => {
      if (r.status !== 200) return r
      answered++
      charged += costOf(r.body.usage!)
      return r
    }
    for (let i = 0; i < 3; i++) expect(count(await chat()).status).toBe(200)

    // Three slow answers (8 chunks, 1 s apart), relayed before the server goes away.
    const inFlight = [1, 2, 3].map(() => chat({ stub_chunk_delay_ms: 1000 }).then(count))
    await new Promise((r) => setTimeout(r, 500))
    await pg.pause()

    // Keys cannot be checked: 503 in OpenAI's shape, before any relay.
    const refused = await chat()
    expect(refused.status).toBe(503)
    expect(refused.retryAfter).toBe('1')
    expect(refused.body.error).toMatchObject({ type: 'server_error', code: 'store_unavailable' })
    const admin = await fetch(`${net.gateway.url}/admin/keys/${keyId}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    expect(admin.status).toBe(503)

    // The relayed requests are answered, and their spend waits in the outbox.
    for (const r of await Promise.all(inFlight)) expect(r.status).toBe(200)
    await waitUntil(async () => (await outboxRows()) === 3)

    await pg.start()
    // The same process serves again (its pool reconnects) and replays the outbox first.
    await waitUntil(async () => count(await chat()).status === 200, 30_000)
    expect(await outboxRows()).toBe(0)
    for (let i = 0; i < 3; i++) expect(count(await chat()).status).toBe(200)

    await waitUntil(
      async () => (await net.gateway.keys.summarize(keyId)).requests === answered,
      10_000,
    )
    const summary = await net.gateway.keys.summarize(keyId)
    expect(answered).toBe(10)
    expect(summary.requests).toBe(answered)
    expect(summary.costUsd).toBeCloseTo(charged, 12)
    expect((await net.gateway.keys.get(keyId)).spentUsd).toBeCloseTo(charged, 12)
  })
})
