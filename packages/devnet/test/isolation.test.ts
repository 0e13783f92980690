import { unmarshal } from '@decai/protocol'
import { MsgSendSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/tx_pb'
import { GasInfoSchema } from '@decai/protocol/gen/cosmos/base/abci/v1beta1/abci_pb'
import { afterAll, describe, expect, it } from 'vitest'
import { type Devnet, startDevnet } from '../src/devnet.js'
import { type AnyMsg, msg, mustDeliver, rpc, signerOf, signTx } from './helpers.js'

/** `cosmos.tx.v1beta1.Service/Simulate` through abci_query; the gas used, or the failure log. */
async function simulate(devnet: Devnet, tx: Uint8Array): Promise<bigint | string> {
  // SimulateRequest{tx_bytes = 2}: one length-delimited field.
  const length: number[] = []
  for (let n = tx.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n)
      break
    }
    length.push((n & 0x7f) | 0x80)
  }
  const data = Buffer.from([0x12, ...length, ...tx]).toString('hex')
  const { response } = (await rpc(devnet.rpcUrl, 'abci_query', {
    path: '/cosmos.tx.v1beta1.Service/Simulate',
    data,
  })) as { response: { code: number; log: string; value: string } }
  if (response.code !== 0) return response.log
  // SimulateResponse{gas_info = 1, result = 2}; gas_info comes first.
  const value = Buffer.from(response.value, 'base64')
  const gasInfo = unmarshal(GasInfoSchema, value.subarray(2, 2 + value[1]!))
  return gasInfo.gasUsed
}

describe('two devnets in one process', () => {
  const started: Devnet[] = []
  const start = async () => {
    const devnet = await startDevnet({ port: 0, blockTimeMs: 0 })
    started.push(devnet)
    return devnet
  }
  afterAll(async () => {
    await Promise.all(started.map((d) => d.stop().catch(() => {})))
  })

  const send = (from: string, to: string): AnyMsg =>
    msg(MsgSendSchema, {
      fromAddress: from,
      toAddress: to,
      amount: [{ denom: 'upokt', amount: '1' }],
    })

  it('each simulates against its own state, while the other runs and after it stops', async () => {
    const first = await start()
    const user1 = signerOf(first, 'user1')
    const user2 = first.accounts.find((a) => a.name === 'user2')!.address
    // Advance user1's sequence on the first devnet only, so the two states differ.
    await mustDeliver(first, await signTx(first, user1, [send(user1.address, user2)]))
    const tx = await signTx(first, user1, [send(user1.address, user2)])
    expect(await simulate(first, tx)).toBeTypeOf('bigint')

    const second = await start()
    expect(await simulate(first, tx)).toBeTypeOf('bigint')
    // The second devnet judges the same transaction by its own state, where user1 never sent.
    expect(await simulate(second, tx)).toMatch(/account sequence mismatch, expected 0, got 1/)

    await second.stop()
    expect(await simulate(first, tx)).toBeTypeOf('bigint')
    await mustDeliver(first, tx)
  })
})
