// The standalone actions (`@decai/chain/actions`) against the embedded devnet: each one called
// with the client gives what the client's method gives, and any `{ comet }` will do for a client,
// so an app can call them on its own cosmjs CometBFT client without the decorated one.
import { Comet38Client, HttpClient } from '@cosmjs/tendermint-rpc'
import { type Devnet, startDevnet } from '@decai/devnet'
import { afterAll, beforeAll, expect, it } from 'vitest'
import * as actions from '../src/actions.js'
import { type ChainClient, createChainClient } from '../src/index.js'

let devnet: Devnet
let client: ChainClient

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 0 })
  client = createChainClient({ rpcUrl: devnet.rpcUrl })
})
afterAll(async () => {
  await devnet?.stop()
})

it('exports every read-only method of the client as an action, and nothing else', () => {
  const methods = Object.keys(client).filter((k) => !['rpcUrl', 'comet', 'disconnect'].includes(k))
  expect(Object.keys(actions).sort()).toEqual(methods.sort())
})

it('each action called with the client answers as its method does', async () => {
  const address = devnet.accounts[0]!.address
  const height = await actions.getCommittedHeight(client)
  expect(height).toBeGreaterThanOrEqual(1n)
  expect(await actions.getChainId(client)).toBe(await client.getChainId())
  expect(await actions.getBalance(client, { address, height })).toEqual(
    await client.getBalance({ address, height }),
  )
  expect(await actions.getAccount(client, { address })).toEqual(
    await client.getAccount({ address }),
  )
  expect(await actions.getServices(client, { height })).toEqual(
    await client.getServices({ height }),
  )
  expect(await actions.getParams(client, { module: 'shared', height })).toEqual(
    await client.getParams({ module: 'shared', height }),
  )
  expect((await actions.getBlock(client, { height })).height).toBe(height)
})

it('takes any object with a CometBFT client as `comet`', async () => {
  const comet = Comet38Client.create(new HttpClient(devnet.rpcUrl))
  const address = devnet.accounts[0]!.address
  const account = await actions.getAccount({ comet }, { address })
  expect(account.address).toBe(address)
  expect(await actions.getChainId({ comet })).toBe(await client.getChainId())
  comet.disconnect()
})
