// The devnet through the client stack the chain package builds on (cosmjs 0.39). cosmjs is
// not a dependency of the devnet, so it is loaded from @decai/chain's install when present
// (typed here by the little this test uses).

import { createRequire } from 'node:module'
import { encodeAddress } from '@decai/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { type Devnet, startDevnet } from '../src/devnet.js'
import { TEST_MNEMONIC } from '../src/keys.js'

type Disconnectable = { disconnect(): void }
type Comet = Disconnectable & {
  status(): Promise<{
    nodeInfo: { network: string }
    syncInfo: { latestBlockHeight: number; latestBlockHash: Uint8Array }
  }>
  block(
    height?: number,
  ): Promise<{ blockId: { hash: Uint8Array }; block: { header: { height: number } } }>
  blockResults(height?: number): Promise<unknown>
  blockchain(min?: number, max?: number): Promise<unknown>
  validators(params: { height?: number }): Promise<unknown>
  abciInfo(): Promise<unknown>
  health(): Promise<unknown>
  genesis(): Promise<unknown>
  commit(height?: number): Promise<unknown>
  subscribeNewBlock(): {
    subscribe(listener: {
      next(b: { header: { height: number } }): void
      error(e: unknown): void
    }): { unsubscribe(): void }
  }
}
type Coin = { denom: string; amount: string }
type Stargate = Disconnectable & {
  getChainId(): Promise<string>
  getBalance(address: string, denom: string): Promise<Coin>
  getAccount(address: string): Promise<{ address: string } | null>
  getBlock(): Promise<{ header: { chainId: string } }>
  getTx(hash: string): Promise<{ height: number } | null>
  searchTx(query: string): Promise<{ hash: string }[]>
}
type SigningStargate = Stargate & {
  sendTokens(
    from: string,
    to: string,
    amount: Coin[],
    fee: 'auto',
  ): Promise<{ code: number; gasUsed: bigint; height: number; transactionHash: string }>
}
type Cosmjs = {
  connectComet(url: string): Promise<Comet>
  isComet38Client(client: Comet): boolean
  Comet38Client: { connect(url: string): Promise<Comet> }
  StargateClient: { connect(url: string): Promise<Stargate> }
  SigningStargateClient: {
    connectWithSigner(url: string, signer: unknown, options: object): Promise<SigningStargate>
  }
  GasPrice: { fromString(text: string): unknown }
  DirectSecp256k1HdWallet: {
    fromMnemonic(
      mnemonic: string,
      options: { prefix: string },
    ): Promise<{ getAccounts(): Promise<{ address: string }[]> }>
  }
}

function loadCosmjs(): Cosmjs {
  const require = createRequire(import.meta.url)
  return {
    ...require('@cosmjs/tendermint-rpc'),
    ...require('@cosmjs/stargate'),
    ...require('@cosmjs/proto-signing'),
  } as Cosmjs
}

const cosmjs = loadCosmjs()

describe('cosmjs clients against the devnet', () => {
  let devnet: Devnet
  const c = cosmjs
  beforeAll(async () => {
    devnet = await startDevnet({ port: 0, blockTimeMs: 200 })
  })
  afterAll(async () => {
    await devnet.stop()
  })

  it('connectComet picks the 0.38 client and every response parses', async () => {
    await devnet.waitForHeight(3n)
    const client = await c.connectComet(devnet.rpcUrl)
    try {
      expect(c.isComet38Client(client)).toBe(true)
      const status = await client.status()
      expect(status.nodeInfo.network).toBe('pocket')
      const height = status.syncInfo.latestBlockHeight
      const block = await client.block(height)
      expect(block.block.header.height).toBe(height)
      expect(block.blockId.hash).toEqual(status.syncInfo.latestBlockHash)
      await client.blockResults(height)
      await client.blockchain(1, height)
      await client.validators({ height })
      await client.abciInfo()
      await client.health()
      await client.genesis()
      await client.commit(height)
    } finally {
      client.disconnect()
    }
  })

  it('StargateClient reads accounts, balances and blocks', async () => {
    const client = await c.StargateClient.connect(devnet.rpcUrl)
    try {
      const faucet = devnet.accounts.find((a) => a.name === 'faucet')!
      expect(await client.getChainId()).toBe('pocket')
      expect((await client.getBalance(faucet.address, 'upokt')).amount).toBe(
        faucet.balance.toString(),
      )
      expect((await client.getAccount(faucet.address))?.address).toBe(faucet.address)
      expect(await client.getAccount(encodeAddress(new Uint8Array(20).fill(7)))).toBeNull()
      expect((await client.getBlock()).header.chainId).toBe('pocket')
    } finally {
      client.disconnect()
    }
  })

  it('SigningStargateClient simulates, signs, broadcasts and finds the transaction', async () => {
    // Index 0 of the TEST mnemonic on cosmos' default path: the devnet's "validator" account.
    const wallet = await c.DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, { prefix: 'pokt' })
    const [sender] = await wallet.getAccounts()
    const client = await c.SigningStargateClient.connectWithSigner(devnet.rpcUrl, wallet, {
      gasPrice: c.GasPrice.fromString('0upokt'),
      broadcastPollIntervalMs: 100,
    })
    try {
      const recipient = devnet.accounts.find((a) => a.name === 'user2')!.address
      const before = await client.getBalance(recipient, 'upokt')
      const result = await client.sendTokens(
        sender!.address,
        recipient,
        [{ denom: 'upokt', amount: '1234' }],
        'auto',
      )
      expect(result.code).toBe(0)
      expect(result.gasUsed).toBeGreaterThan(0n)
      const after = await client.getBalance(recipient, 'upokt')
      expect(BigInt(after.amount) - BigInt(before.amount)).toBe(1234n)
      expect((await client.getTx(result.transactionHash))?.height).toBe(result.height)
      const search = await client.searchTx(`message.sender='${sender!.address}'`)
      expect(search.some((t) => t.hash === result.transactionHash)).toBe(true)
    } finally {
      client.disconnect()
    }
  })

  it('streams new blocks over the websocket', async () => {
    const client = await c.Comet38Client.connect(devnet.wsUrl)
    try {
      const block = await new Promise<{ header: { height: number } }>((resolve, reject) => {
        const sub = client.subscribeNewBlock().subscribe({
          next: (b) => {
            sub.unsubscribe()
            resolve(b)
          },
          error: reject,
        })
      })
      expect(block.header.height).toBeGreaterThan(0)
    } finally {
      client.disconnect()
    }
  })

  it('serves the websocket at exactly /websocket, answering other paths with 404 as CometBFT', async () => {
    const open = (path: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(`${devnet.wsUrl}${path}`)
        socket.on('open', () => {
          socket.close()
          resolve(101)
        })
        socket.on('unexpected-response', (_request, response) => {
          resolve(response.statusCode ?? 0)
          socket.terminate()
        })
        socket.on('error', () => {})
      })
    expect(await open('/websocket')).toBe(101)
    expect(await open('/websocket?x=1')).toBe(101)
    expect(await open('/websocket/websocket')).toBe(404)
    expect(await open('/')).toBe(404)
  })
})
