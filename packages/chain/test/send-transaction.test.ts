import { privateKeyFromHex } from '@decai/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type ChainBlock,
  createChainClient,
  createPrivateKeySigner,
  createSigningChainClient,
  decodeTxRaw,
  isChainErrorOf,
  knownChainErrors,
} from '../src/index.js'
import { createFakeNode, type FakeNode } from './helpers/fake-node.js'

const key = privateKeyFromHex('1f'.repeat(32))
const rpcUrl = 'http://fake-node:26657'
const stops: (() => void)[] = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

/** Commits a block every `ms` while a test runs. */
function produceBlocks(node: FakeNode, ms = 20) {
  const timer = setInterval(() => node.produceBlock(), ms)
  stops.push(() => clearInterval(timer))
}

async function setup(options: { gasPrice?: string; inclusionTimeout?: number } = {}) {
  const node = createFakeNode()
  const signer = createPrivateKeySigner(key)
  const [account] = await signer.getAccounts()
  node.addAccount(account!.address)
  const client = await createSigningChainClient({
    rpcUrl,
    signer,
    fetch: node.fetch,
    gasPrice: options.gasPrice ?? '0.5upokt',
    pollingInterval: 5,
    retry: { attempts: 4, delay: 1 },
    inclusionTimeout: options.inclusionTimeout ?? 5_000,
  })
  return { node, client, address: account!.address }
}

describe('sending transactions', () => {
  it('simulates, signs, broadcasts and waits for inclusion', async () => {
    const { node, client, address } = await setup()
    produceBlocks(node)
    expect(client.chainId).toBe('fake-chain')
    const result = await client.sendTokens({ toAddress: address, amount: 5n, memo: 'hello' })
    expect(result.code).toBe(0)
    expect(result.hash).toMatch(/^[0-9A-F]{64}$/)
    const tx = decodeTxRaw(result.tx)
    expect(tx.body.memo).toBe('hello')
    expect(tx.body.messages[0]!.typeUrl).toBe('/cosmos.bank.v1beta1.MsgSend')
    // 80,000 simulated × 1.5 = 120,000 gas at 0.5upokt = 60,000upokt.
    expect(tx.authInfo.fee?.gasLimit).toBe(120_000n)
    expect(tx.authInfo.fee?.amount).toEqual([
      expect.objectContaining({ denom: 'upokt', amount: '60000' }),
    ])
    expect(tx.authInfo.signerInfos[0]!.sequence).toBe(0n)
    expect(node.calls.broadcast_tx_sync).toBe(1)
  })

  it('sends many transactions at once, each with the next sequence', async () => {
    const { node, client, address } = await setup()
    produceBlocks(node, 15)
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        client.sendTokens({ toAddress: address, amount: BigInt(i + 1), gas: 100_000n }),
      ),
    )
    const sequences = results.map((r) => decodeTxRaw(r.tx).authInfo.signerInfos[0]!.sequence)
    expect(sequences).toEqual(Array.from({ length: 25 }, (_, i) => BigInt(i)))
    expect(node.broadcasts.every((b) => b.accepted)).toBe(true)
    expect(node.calls.broadcast_tx_sync).toBe(25)
    // Concurrency paid off: they landed in fewer blocks than transactions.
    expect(new Set(results.map((r) => r.height)).size).toBeLessThan(25)
  })

  it('resynchronises after a sequence mismatch and signs again', async () => {
    const { node, client, address } = await setup()
    produceBlocks(node)
    await client.sendTokens({ toAddress: address, amount: 1n, gas: 100_000n })
    // Someone else spends from the same account twice, behind the client's back.
    node.bumpSequence(address)
    node.bumpSequence(address)
    const result = await client.sendTokens({ toAddress: address, amount: 1n, gas: 100_000n })
    expect(decodeTxRaw(result.tx).authInfo.signerInfos[0]!.sequence).toBe(3n)
    expect(node.broadcasts.map((b) => [b.sequence, b.accepted])).toEqual([
      [0n, true],
      [1n, false],
      [3n, true],
    ])
  })

  it('resynchronises when simulation reports the mismatch', async () => {
    const { node, client, address } = await setup()
    produceBlocks(node)
    await client.sendTokens({ toAddress: address, amount: 1n })
    node.bumpSequence(address)
    const result = await client.sendTokens({ toAddress: address, amount: 1n })
    expect(decodeTxRaw(result.tx).authInfo.signerInfos[0]!.sequence).toBe(2n)
  })

  it('re-sends the same bytes when the answer to a broadcast is lost', async () => {
    const { node, client, address } = await setup()
    produceBlocks(node)
    node.fail({ method: 'broadcast_tx_sync', kind: 'network', after: true })
    const result = await client.sendTokens({ toAddress: address, amount: 1n, gas: 100_000n })
    expect(result.code).toBe(0)
    // Accepted once; the retry found it in the cache instead of sending a second transaction.
    expect(node.broadcasts.filter((b) => b.accepted)).toHaveLength(1)
    expect(node.calls.broadcast_tx_sync).toBe(2)
    const next = await client.sendTokens({ toAddress: address, amount: 1n, gas: 100_000n })
    expect(decodeTxRaw(next.tx).authInfo.signerInfos[0]!.sequence).toBe(1n)
  })

  it('retries transient failures with backoff', async () => {
    const { node, client, address } = await setup()
    produceBlocks(node)
    node.fail({ method: 'broadcast_tx_sync', kind: 'mempool-full' })
    node.fail({ method: 'broadcast_tx_sync', kind: 'network' })
    node.fail({ method: 'abci_query', kind: 'timeout' })
    const result = await client.sendTokens({ toAddress: address, amount: 1n })
    expect(result.code).toBe(0)
    expect(node.calls.broadcast_tx_sync).toBe(3)
  })

  it('gives up on transient failures after the configured attempts', async () => {
    const { node, client, address } = await setup()
    for (let i = 0; i < 4; i++) node.fail({ method: 'broadcast_tx_sync', kind: 'network' })
    await expect(
      client.sendTokens({ toAddress: address, amount: 1n, gas: 1n }),
    ).rejects.toMatchObject({
      name: 'ChainError',
      code: 'NETWORK_ERROR',
    })
    expect(node.calls.broadcast_tx_sync).toBe(4)
  })

  it('never retries a deterministic failure, and reports where and why it failed', async () => {
    const { node, client, address } = await setup()
    produceBlocks(node)
    const error = await client
      .sendTokens({ toAddress: address, amount: 1n, gas: 100_000n, memo: 'fail-deliver' })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({
      name: 'ChainError',
      code: 'TX_FAILED',
      phase: 'deliver',
      codespace: 'undefined',
      abciCode: 1,
    })
    expect(isChainErrorOf(error, knownChainErrors.proof.ErrProofClaimOutsideOfWindow)).toBe(true)
    expect((error as { txHash?: string }).txHash).toMatch(/^[0-9A-F]{64}$/)
    expect(node.calls.broadcast_tx_sync).toBe(1)
    // The failed transaction still used its sequence.
    const next = await client.sendTokens({ toAddress: address, amount: 1n, gas: 100_000n })
    expect(decodeTxRaw(next.tx).authInfo.signerInfos[0]!.sequence).toBe(1n)
  })

  it('fails in simulation without spending the sequence', async () => {
    const { node, client, address } = await setup()
    produceBlocks(node)
    const error = await client
      .sendTokens({ toAddress: address, amount: 1n, memo: 'fail-simulate' })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'TX_FAILED',
      phase: 'simulate',
      codespace: 'sdk',
      abciCode: 6,
    })
    expect(isChainErrorOf(error, knownChainErrors.proof.ErrProofClaimOutsideOfWindow)).toBe(true)
    expect(node.calls.broadcast_tx_sync ?? 0).toBe(0)
    const next = await client.sendTokens({ toAddress: address, amount: 1n })
    expect(decodeTxRaw(next.tx).authInfo.signerInfos[0]!.sequence).toBe(0n)
  })

  it('rejects a transaction signed for another chain with UNAUTHORIZED', async () => {
    const node = createFakeNode()
    const signer = createPrivateKeySigner(key)
    node.addAccount((await signer.getAccounts())[0]!.address)
    const client = await createSigningChainClient({
      rpcUrl,
      signer,
      fetch: node.fetch,
      chainId: 'another-chain',
      gasPrice: '0upokt',
    })
    await expect(
      client.sendTokens({ toAddress: client.address, amount: 1n, gas: 100_000n }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED', phase: 'check', codespace: 'sdk', abciCode: 4 })
  })

  it('times out when the transaction is never included', async () => {
    const { node, client, address } = await setup({ inclusionTimeout: 50 })
    await expect(
      client.sendTokens({ toAddress: address, amount: 1n, gas: 100_000n }),
    ).rejects.toMatchObject({ code: 'TX_TIMEOUT' })
    expect(node.mempool).toHaveLength(1)
  })
})

describe('queries through the same transport', () => {
  it('reads accounts and balances, and reports missing ones as NOT_FOUND', async () => {
    const { client, address } = await setup()
    expect(await client.getBalance({ address })).toBe(10n ** 12n)
    const account = await client.getAccount({ address })
    expect(account).toMatchObject({
      address,
      accountNumber: 7n,
      sequence: 0n,
      publicKey: undefined,
    })
    await expect(client.getAccount({ address: 'pokt1nobody' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      codespace: 'sdk',
      abciCode: 22,
    })
    await expect(client.getService({ id: 'x' })).rejects.toMatchObject({ code: 'QUERY_FAILED' })
  })

  it('reports an unreachable node as NETWORK_ERROR', async () => {
    const client = createChainClient({
      rpcUrl,
      fetch: async () => {
        throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })
      },
    })
    await expect(client.getLatestHeight()).rejects.toMatchObject({
      name: 'ChainError',
      code: 'NETWORK_ERROR',
    })
  })

  it('rejects bad arguments before sending anything', () => {
    expect(() => createChainClient({ rpcUrl: 'localhost:26657' })).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})

describe('watching blocks', () => {
  it('delivers every height once, in order, by polling', async () => {
    const { node, client } = await setup()
    const seen: ChainBlock[] = []
    const start = node.height
    const done = new Promise<void>((resolve) => {
      const unwatch = client.watchBlocks({
        transport: 'polling',
        pollingInterval: 5,
        fromHeight: BigInt(start + 1),
        onBlock: (block) => {
          seen.push(block)
          if (seen.length === 6) {
            unwatch()
            resolve()
          }
        },
      })
      stops.push(unwatch)
    })
    // Blocks arrive in bursts the poller has to catch up with.
    for (let i = 0; i < 3; i++) node.produceBlock()
    setTimeout(() => {
      for (let i = 0; i < 3; i++) node.produceBlock()
    }, 30)
    await done
    expect(seen.map((b) => b.height)).toEqual(
      Array.from({ length: 6 }, (_, i) => BigInt(start + 1 + i)),
    )
    expect(seen[0]!.hash).toHaveLength(32)
    expect(seen[0]!.chainId).toBe('fake-chain')
  })

  it('falls back to polling when the websocket cannot connect', async () => {
    const { node, client } = await setup()
    const errors: unknown[] = []
    const seen: bigint[] = []
    const start = BigInt(node.height + 1)
    await new Promise<void>((resolve) => {
      const unwatch = client.watchBlocks({
        pollingInterval: 5,
        fromHeight: start,
        onError: (e) => errors.push(e),
        onBlock: (block) => {
          seen.push(block.height)
          if (seen.length === 3) {
            unwatch()
            resolve()
          }
        },
      })
      stops.push(unwatch)
      produceBlocks(node, 10)
    })
    expect(seen).toEqual([start, start + 1n, start + 2n])
    expect(errors.every((e) => (e as { name?: string }).name === 'ChainError')).toBe(true)
  })

  it('waits for a height', async () => {
    const { node, client } = await setup()
    produceBlocks(node, 5)
    const target = BigInt(node.height + 3)
    const block = await client.waitForHeight({ height: target, pollingInterval: 5 })
    expect(block.height).toBe(target)
  })
})
