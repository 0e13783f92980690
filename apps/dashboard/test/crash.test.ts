// kill -9 at any moment: the dashboard runs as its own process (`src/main.ts`), indexing the
// chain from genesis, and is killed with SIGKILL while it writes: at random heights, and right
// at the block that settles the scenario's claims. After every restart it carries on; in the
// end its index (every row up to a height) equals a fresh index of the same heights, and so do
// the champion's totals. On each store: an SQLite file, and a PostgreSQL schema where its suites
// run.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChainClient } from '@decai/chain'
import { afterAll, expect, inject, it } from 'vitest'
import {
  type DashboardStoreConfig,
  getChampion,
  openStore,
  type Store,
  startIndexer,
} from '../src/index.js'
import { type RpcProxy, startRpcProxy } from './helpers/rpc-proxy.js'
import { storeCases } from './helpers/stores.js'

const chain = inject('chain')
const dir = mkdtempSync(join(tmpdir(), 'decai-dashboard-crash-'))
const children = new Set<ChildProcess>()
// The killed processes read the chain through a slow node (each answer 40 ms late), so that a
// whole catch-up takes long enough for kills to land between its blocks on any machine; a fast
// one indexes a short chain before the test can see a height in between.
let slowNode: RpcProxy

afterAll(() => {
  for (const child of children) child.kill('SIGKILL')
  slowNode?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The flags that point the process at the store. */
function storeFlags(config: DashboardStoreConfig): string[] {
  return config.kind === 'sqlite'
    ? ['--db', config.path]
    : ['--postgres-url', config.url, '--postgres-schema', config.schema]
}

function startProcess(config: DashboardStoreConfig): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/main.ts',
      '--rpc-url',
      slowNode.url,
      ...storeFlags(config),
      '--port',
      '0',
    ],
    { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'ignore', 'inherit'] },
  )
  children.add(child)
  child.on('exit', () => children.delete(child))
  return child
}

/**
 * Runs the dashboard until its index reaches `height`, then kills it with SIGKILL. The height is
 * read through a connection of the test's own (`reader`).
 */
async function runUntil(config: DashboardStoreConfig, reader: Store, height: bigint) {
  const child = startProcess(config)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const deadline = Date.now() + 60_000
  while ((await reader.getHeight()) < height && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 5))
  }
  child.kill('SIGKILL')
  await exited
  return reader.getHeight()
}

/** Every indexed row up to `height`, in a fixed order, as text. */
async function dumpRows(store: Store, height: bigint): Promise<string> {
  const rows = [
    ...(await store.all(
      'SELECT * FROM settlements WHERE height <= @height ORDER BY height, event_index',
      { height },
    )),
    ...(await store.all(
      'SELECT * FROM rewards WHERE height <= @height ORDER BY height, event_index, reward_index',
      { height },
    )),
    ...(await store.all(
      'SELECT * FROM claims WHERE height <= @height ORDER BY height, supplier_operator, session_end_height',
      { height },
    )),
  ]
  return JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
}

it.each(storeCases)(
  'survives kill -9 mid-stream and ends equal to a fresh index, on the $kind store',
  async ({ config }) => {
    slowNode ??= await startRpcProxy(chain.rpcUrl, { delayMs: 40 })
    const client = createChainClient({ rpcUrl: chain.rpcUrl })
    const target = await client.getCommittedHeight()
    const settledAt = (await client.getClaimSettlements({ fromHeight: 1n, toHeight: target }))
      .filter((s) => s.serviceId === chain.serviceId)
      .map((s) => s.height)
    const settlementHeight = settledAt[0]!
    const crashedConfig = config('crashed', dir)
    const crashed = await openStore(crashedConfig)

    // Kill points: random heights, and the blocks around the settlement.
    const random = Array.from(
      { length: 4 },
      () => 2n + BigInt(Math.floor(Math.random() * Number(target - 3n))),
    )
    const killAt = [...random, settlementHeight - 1n, settlementHeight, target].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    )
    const reached: bigint[] = []
    for (const height of killAt) reached.push(await runUntil(crashedConfig, crashed, height))
    // Each run carried on from where the previous one was killed, and got there.
    for (const [i, height] of killAt.entries()) expect(reached[i]).toBeGreaterThanOrEqual(height)
    for (let i = 1; i < reached.length; i++)
      expect(reached[i]).toBeGreaterThanOrEqual(reached[i - 1]!)
    // At least one kill landed while blocks were still to come (not after the index was done).
    expect(reached.some((height) => height < target)).toBe(true)
    console.info(`kill -9 at heights ${reached.join(', ')} (target ${target})`)

    // A fresh index of the same heights, in this process.
    const fresh = await openStore(config('fresh', dir))
    const started = performance.now()
    const indexer = startIndexer({ client, store: fresh })
    await indexer.waitForHeight(target, 120_000)
    const seconds = (performance.now() - started) / 1000
    await indexer.stop()
    console.info(`fresh index: ${target} blocks in ${seconds.toFixed(2)} s`)
    try {
      expect(await dumpRows(crashed, target)).toBe(await dumpRows(fresh, target))
      expect(await dumpRows(crashed, target)).toContain(chain.serviceId)
      // Nothing of the scenario was written twice: its three claims, once each.
      expect(
        await crashed.all('SELECT * FROM settlements WHERE service_id = @serviceId', {
          serviceId: chain.serviceId,
        }),
      ).toHaveLength(3)
      expect((await getChampion(crashed, chain.owner)).championShareUpokt).toBe(
        BigInt(chain.ownerBalanceChange),
      )
      expect((await getChampion(crashed, chain.owner)).championShareUpokt).toBe(
        (await getChampion(fresh, chain.owner)).championShareUpokt,
      )
    } finally {
      await crashed.close()
      await fresh.close()
    }
  },
)
