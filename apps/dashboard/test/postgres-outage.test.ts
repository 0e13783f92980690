// The index's PostgreSQL goes away and comes back: while it is gone the API answers 503
// `STORE_UNAVAILABLE` (never a 500, never a wrong figure) and the indexer waits, writing nothing;
// back, the same process carries on from its cursor and indexes every block it missed, once.
import { createChainClient, sumRewards } from '@decai/chain'
import { afterAll, describe, expect, inject, it } from 'vitest'
import {
  shouldRunServerSuites,
  startPostgres,
  type TestServer,
} from '../../../tools/servers/servers.mjs'
import { type Dashboard, startDashboard } from '../src/index.js'

const chain = inject('chain')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.runIf(shouldRunServerSuites('postgres'))('a PostgreSQL index that goes away', () => {
  let pg: TestServer | undefined
  let dashboard: Dashboard | undefined

  afterAll(async () => {
    if (pg?.running === false) await pg.start()
    await dashboard?.stop()
    await pg?.stop()
  })

  it('answers 503 while it is down and indexes every block it missed when it is back', async () => {
    // A server of its own: this test stops it.
    pg = await startPostgres()
    const client = createChainClient({ rpcUrl: chain.rpcUrl })
    dashboard = await startDashboard({
      rpcUrl: chain.rpcUrl,
      store: {
        kind: 'postgres',
        url: pg.url,
        schema: 'dashboard',
        maxConnections: 4,
        connectTimeoutMs: 1000,
      },
      port: 0,
      indexer: { retryMs: 100 },
    })
    const get = async (path: string) => {
      const res = await fetch(`${dashboard!.url}${path}`)
      return { status: res.status, body: await res.json() }
    }
    await dashboard.indexer!.waitForHeight(await client.getCommittedHeight(), 120_000)
    const share = (await get(`/api/champions/${chain.owner}`)).body.championShareUpokt

    let t = performance.now()
    const lap = (what: string) => {
      console.info(`${what}: ${((performance.now() - t) / 1000).toFixed(2)} s`)
      t = performance.now()
    }
    await pg.pause()
    lap('server stopped')
    const before = await client.getCommittedHeight()
    // The chain moves on by a few blocks while the index cannot be written.
    while ((await client.getCommittedHeight()) < before + 3n) await sleep(100)
    for (const path of [`/api/champions/${chain.owner}`, '/api/status', '/api/network']) {
      const started = performance.now()
      const res = await get(path)
      // Refused promptly: the pool's reconnects back off to 1 s, not the client's 20 s.
      expect(performance.now() - started, path).toBeLessThan(3000)
      expect(res.status, path).toBe(503)
      expect(res.body.error.code, path).toBe('STORE_UNAVAILABLE')
    }
    expect(dashboard.indexer!.status().lastError).toBeTruthy()
    // The page itself does not need the index.
    expect((await fetch(`${dashboard.url}/`)).status).toBe(200)

    lap('down, checked')
    await pg.start()
    lap('server started')
    const target = await client.getCommittedHeight()
    await dashboard.indexer!.waitForHeight(target, 60_000)
    lap(`indexed again up to ${target}`)
    expect(BigInt((await get('/api/status')).body.indexedHeight)).toBeGreaterThanOrEqual(target)
    // Every block, in order, once: the settlements counted equal the chain's.
    const settlements = await client.getClaimSettlements({ fromHeight: 1n, toHeight: target })
    const indexed = (await dashboard.store.get<{ n: bigint }>(
      'SELECT COUNT(*) AS n FROM settlements WHERE height <= @target',
      { target },
    ))!.n
    expect(indexed).toBe(BigInt(settlements.length))
    const champion = await get(`/api/champions/${chain.owner}`)
    expect(champion.status).toBe(200)
    expect(champion.body.championShareUpokt).toBe(share)
    expect(BigInt(share)).toBe(sumRewards(settlements, { role: 'sourceOwner' }).get(chain.owner))
  })
})
