import { MsgSendSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/tx_pb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Devnet, startDevnet } from '../src/devnet.js'
import {
  eventAttributes,
  getAccountInfo,
  getBalance,
  msg,
  mustDeliver,
  signerOf,
  signTx,
} from './helpers.js'

describe('bank send through the RPC', () => {
  let devnet: Devnet
  beforeAll(async () => {
    devnet = await startDevnet({ port: 0, blockTimeMs: 0 })
  })
  afterAll(async () => {
    await devnet.stop()
  })

  it('moves funds, charges the fee, bumps the sequence and emits the SDK events', async () => {
    const from = signerOf(devnet, 'user1')
    const to = devnet.accounts.find((a) => a.name === 'user2')!.address
    const before = {
      from: await getBalance(devnet.rpcUrl, from.address),
      to: await getBalance(devnet.rpcUrl, to),
    }
    const seq = (await getAccountInfo(devnet.rpcUrl, from.address)).sequence
    const tx = await signTx(
      devnet,
      from,
      [
        msg(MsgSendSchema, {
          fromAddress: from.address,
          toAddress: to,
          amount: [{ denom: 'upokt', amount: '12345' }],
        }),
      ],
      { fee: 7n },
    )
    const outcome = await mustDeliver(devnet, tx)
    expect(await getBalance(devnet.rpcUrl, from.address)).toBe(before.from - 12345n - 7n)
    expect(await getBalance(devnet.rpcUrl, to)).toBe(before.to + 12345n)
    expect((await getAccountInfo(devnet.rpcUrl, from.address)).sequence).toBe(seq + 1n)
    expect(eventAttributes(outcome.events, 'tx')).toEqual({
      fee: '7upokt',
      fee_payer: from.address,
    })
    const transfers = outcome.events.filter((e) => e.type === 'transfer')
    expect(transfers.at(-1)!.attributes.map((a) => [a.key, a.value])).toEqual([
      ['recipient', to],
      ['sender', from.address],
      ['amount', '12345upokt'],
      ['msg_index', '0'],
    ])
    expect(eventAttributes(outcome.events, 'message')).toBeDefined()
  })
})
