// A node that goes away and comes back: the dashboard reads the chain through a proxy that the
// test cuts off. While it is cut off the API keeps answering and reports the node down at the
// last indexed height; when it is back the indexer catches up on every block it missed (the
// proxy passes no websocket upgrades, so this also runs watchBlocks' polling fallback).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChainClient, sumRewards } from '@decai/chain'
import { afterAll, expect, inject, it } from 'vitest'
import { type Dashboard, startDashboard } from '../src/index.js'
import { type RpcProxy, startRpcProxy } from './helpers/rpc-proxy.js'

const chain = inject('chain')
const dir = mkdtempSync(join(tmpdir(), 'decai-dashboard-outage-'))
let proxy: RpcProxy | undefined
let dashboard: Dashboard | undefined

afterAll(async () => {
  await dashboard?.stop()
  proxy?.close()
  rmSync(dir, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

it('keeps serving while the node is down and catches up on every block when it is back', async () => {
  proxy = await startRpcProxy(chain.rpcUrl)
  const client = createChainClient({ rpcUrl: chain.rpcUrl })

  dashboard = await startDashboard({
    rpcUrl: proxy.url,
    dbPath: join(dir, 'index.sqlite'),
    port: 0,
    indexer: { retryMs: 100 },
  })
  const status = async () => (await fetch(`${dashboard!.url}/api/status`)).json()
  await dashboard.indexer!.waitForHeight(await client.getCommittedHeight(), 120_000)

  proxy.up = false
  proxy.dropConnections()
  const before = await client.getCommittedHeight()
  // The chain moves on by a few blocks while the dashboard cannot see it.
  while ((await client.getCommittedHeight()) < before + 5n) await sleep(100)
  let seen = await status()
  for (let i = 0; i < 100 && seen.rpcUp; i++) {
    await sleep(100)
    seen = await status()
  }
  expect(seen.rpcUp).toBe(false)
  expect(seen.lastError).toBeTruthy()
  const stalledAt = BigInt(seen.indexedHeight)
  expect(stalledAt).toBeLessThan(before + 5n)
  const champion = await fetch(`${dashboard.url}/api/champions/${chain.owner}`)
  expect(champion.status).toBe(200)

  proxy.up = true
  const target = await client.getCommittedHeight()
  await dashboard.indexer!.waitForHeight(target, 60_000)
  expect((await status()).rpcUp).toBe(true)
  // Every block, in order: the store refuses a gap, so the count of rows is the chain's.
  const settlements = await client.getClaimSettlements({ fromHeight: 1n, toHeight: target })
  const indexed = (await dashboard.store.get<{ n: bigint }>(
    'SELECT COUNT(*) AS n FROM settlements WHERE height <= @target',
    { target },
  ))!.n
  expect(indexed).toBe(BigInt(settlements.length))
  const body = await (await fetch(`${dashboard.url}/api/champions/${chain.owner}`)).json()
  expect(BigInt(body.championShareUpokt)).toBe(
    sumRewards(settlements, { role: 'sourceOwner' }).get(chain.owner),
  )
})
