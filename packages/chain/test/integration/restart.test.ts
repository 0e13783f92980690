// A node keeps its chain in its store (the devnet's SQLite file, pocketd's home): after a restart
// it serves the same blocks and app hash, and carries on from there. And new blocks stream over
// the websocket. Seen only through @decai/chain, on either backend.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type ChainBlock, createChainClient } from '../../src/index.js'
import { type Actor, type Backend, createActors, startBackend } from './backend.js'

let backend: Backend
let actors: Record<'alice' | 'bob', Actor>

beforeAll(async () => {
  backend = await startBackend()
  actors = await createActors(backend, { alice: 5_000_000n, bob: 1n })
})

afterAll(async () => {
  await backend?.stop()
})

it('restarts from its store with the same app hash and state', async (context) => {
  // Only a node the suite started itself can be restarted (not one given by POCKETD_RPC_URL).
  if (!backend.restart) return context.skip()
  const { client } = backend
  await actors.alice.client.sendTokens({ toAddress: actors.bob.address, amount: 1234n })
  const height = await client.getLatestHeight()
  const block = await client.getBlock({ height })
  const balances = [
    await client.getBalance({ address: actors.alice.address }),
    await client.getBalance({ address: actors.bob.address }),
  ]
  const account = await client.getAccount({ address: actors.alice.address })

  await backend.restart()
  const after = createChainClient({ rpcUrl: backend.rpcUrl })
  const same: ChainBlock = await after.getBlock({ height })
  expect(same.hash).toEqual(block.hash)
  expect(same.appHash).toEqual(block.appHash)
  expect(await after.getBalance({ address: actors.alice.address })).toBe(balances[0])
  expect(await after.getBalance({ address: actors.bob.address })).toBe(balances[1])
  expect(await after.getAccount({ address: actors.alice.address })).toEqual(account)

  // It carries on: the next block builds on the restored state, and the sequence continues.
  const next = await after.waitForHeight({ height: height + 1n, pollingInterval: 50 })
  expect(next.height).toBe(height + 1n)
  const tx = await actors.alice.client.sendTokens({ toAddress: actors.bob.address, amount: 1n })
  expect(tx.code).toBe(0)
  expect(await after.getBalance({ address: actors.bob.address })).toBe(balances[1]! + 1n)
})

it('streams every new block over the websocket subscription', async () => {
  const heights: bigint[] = []
  const errors: unknown[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no blocks: ${String(errors[0])}`)), 60_000)
    const unwatch = backend.client.watchBlocks({
      transport: 'websocket',
      onError: (e) => errors.push(e),
      onBlock: (block) => {
        heights.push(block.height)
        if (heights.length === 3) {
          clearTimeout(timer)
          unwatch()
          resolve()
        }
      },
    })
  })
  expect(heights[1]).toBe(heights[0]! + 1n)
  expect(heights[2]).toBe(heights[0]! + 2n)
  // Delivered by the subscription itself: a socket that failed would have reported
  // WEBSOCKET_FAILED (and the blocks would have come from polling).
  expect(errors).toEqual([])
})
