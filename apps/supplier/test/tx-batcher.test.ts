// The transaction batcher on its own, against the devnet: chunks of at most `maxMessages`,
// broadcast back to back into one block; a rejected message named by the chain is dropped and
// the rest land; a failure that names no message is retried message by message.
import {
  ChainError,
  createPrivateKeySigner,
  createSigningChainClient,
  type EncodedMessage,
  encodeMessage,
  type SigningChainClient,
} from '@decai/chain'
import type { Devnet } from '@decai/devnet'
import { MsgSendSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/tx_pb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTxBatcher, getFailedMessageIndex } from '../src/tx-batcher.js'
import { account, startChain, waitUntil } from './helpers.js'

let devnet: Devnet
let signer: SigningChainClient
let to: string

beforeAll(async () => {
  devnet = await startChain()
  await devnet.produceBlock()
  signer = await createSigningChainClient({
    rpcUrl: devnet.rpcUrl,
    signer: createPrivateKeySigner(account(devnet, 'user1').privateKey),
    gasPrice: '0upokt',
    pollingInterval: 25,
  })
  to = account(devnet, 'supplier2').address
})

afterAll(async () => {
  await devnet?.stop()
})

const send = (amount: bigint): EncodedMessage =>
  encodeMessage(MsgSendSchema, {
    fromAddress: signer.address,
    toAddress: to,
    amount: [{ denom: 'upokt', amount: amount.toString() }],
  })

/** Produces a block once `n` transactions wait in the mempool. */
async function includeWhen(n: number) {
  await waitUntil(() => devnet.node.pendingTxs.length >= n)
  await devnet.produceBlock()
}

describe('transaction batcher', () => {
  it('splits at the cap and broadcasts the chunks back to back, into one block', async () => {
    const batcher = createTxBatcher({
      sendTx: (messages) => signer.sendTransaction({ messages }),
      ready: () => false,
      maxMessages: 2,
      maxDelayMs: 50,
    })
    const sent = [1n, 2n, 3n, 4n, 5n].map((n) => batcher.send(send(n)))
    expect(batcher.parked).toBe(5)
    const [txs] = await Promise.all([Promise.all(sent), includeWhen(3)])
    expect(new Set(txs.map((t) => t.hash)).size).toBe(3)
    expect(new Set(txs.map((t) => t.height))).toEqual(new Set([devnet.height]))
    expect(txs[0]!.hash).toBe(txs[1]!.hash)
    expect(txs[2]!.hash).toBe(txs[3]!.hash)
    await waitUntil(() => batcher.parked === 0)
  })

  it('drops the message the chain names, and lands the others together', async () => {
    const batcher = createTxBatcher({
      sendTx: (messages) => signer.sendTransaction({ messages }),
      ready: () => false,
      maxDelayMs: 20,
    })
    // More than the account holds: fails its transaction in simulation, naming index 1.
    const results = [send(1n), send(10n ** 18n), send(2n)].map((m) =>
      batcher.send(m).then(
        (tx) => ({ tx }),
        (error: unknown) => ({ error }),
      ),
    )
    const [settled] = await Promise.all([Promise.all(results), includeWhen(1)])
    expect(getFailedMessageIndex((settled[1] as { error: unknown }).error)).toBe(1)
    const a = settled[0] as { tx: { hash: string } }
    const c = settled[2] as { tx: { hash: string } }
    expect(a.tx.hash).toBe(c.tx.hash)
  })

  it('sends each message alone when the failure names none', async () => {
    const calls: number[] = []
    const bad = send(7n)
    const batcher = createTxBatcher({
      sendTx: async (messages) => {
        calls.push(messages.length)
        if (messages.includes(bad))
          throw new ChainError('TX_FAILED', 'rejected', { phase: 'deliver', log: 'out of gas' })
        return signer.sendTransaction({ messages })
      },
      ready: () => false,
      maxDelayMs: 20,
    })
    const results = [send(1n), bad, send(2n)].map((m) =>
      batcher.send(m).then(
        (tx) => tx.code,
        (error: unknown) => (error as ChainError).code,
      ),
    )
    const [codes] = await Promise.all([Promise.all(results), includeWhen(2)])
    expect(codes).toEqual([0, 'TX_FAILED', 0])
    expect(calls).toEqual([3, 1, 1, 1])
  })
})
