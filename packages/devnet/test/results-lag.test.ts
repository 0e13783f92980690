// CometBFT reports a block in /status before it has executed it, so `block_results` of the newest
// block can fail for a moment; `resultsLagMs` gives the devnet the same window.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Devnet, startDevnet } from '../src/devnet.js'
import { rpc } from './helpers.js'

let devnet: Devnet
beforeAll(async () => {
  // A window wide enough that two RPC round trips fit in it on a loaded machine.
  devnet = await startDevnet({ port: 0, blockTimeMs: 0, resultsLagMs: 1_000 })
})
afterAll(async () => {
  await devnet?.stop()
})

it("fails block_results of the newest block for resultsLagMs, with CometBFT's error", async () => {
  const height = await devnet.produceBlock()
  const status = (await rpc(devnet.rpcUrl, 'status')) as {
    sync_info: { latest_block_height: string }
  }
  expect(status.sync_info.latest_block_height).toBe(String(height))
  await expect(rpc(devnet.rpcUrl, 'block_results', { height: String(height) })).rejects.toThrow(
    `block_results: could not find results for height #${height}`,
  )
  await expect(rpc(devnet.rpcUrl, 'block_results', {})).rejects.toThrow(/could not find results/)
  // Older blocks, and the newest once the lag is over, have their results.
  expect(await rpc(devnet.rpcUrl, 'block_results', { height: String(height - 1n) })).toMatchObject({
    height: String(height - 1n),
  })
  await new Promise((resolve) => setTimeout(resolve, 1_100))
  expect(await rpc(devnet.rpcUrl, 'block_results', { height: String(height) })).toMatchObject({
    height: String(height),
  })
})
