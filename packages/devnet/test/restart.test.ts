import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MsgSendSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/tx_pb'
import { afterAll, describe, expect, it } from 'vitest'
import { startDevnet } from '../src/devnet.js'
import { isDevnetError } from '../src/errors.js'
import { getAccountInfo, getBalance, msg, mustDeliver, rpc, signerOf, signTx } from './helpers.js'
import { actorsOf, scenarioConfig, setUpActors } from './scenario.js'

describe('restart from the SQLite store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'decai-devnet-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('resumes at the same height with the same app hash, state and transactions', async () => {
    const first = await startDevnet({
      port: 0,
      blockTimeMs: 0,
      dataDir: dir,
      config: scenarioConfig,
    })
    await setUpActors(first, actorsOf(first))
    const user = signerOf(first, 'user1')
    const to = first.accounts.find((a) => a.name === 'user2')!.address
    const sent = await mustDeliver(
      first,
      await signTx(first, user, [
        msg(MsgSendSchema, {
          fromAddress: user.address,
          toAddress: to,
          amount: [{ denom: 'upokt', amount: '99' }],
        }),
      ]),
    )
    await first.produceBlocks(3)
    const info = (await rpc(first.rpcUrl, 'abci_info')) as {
      response: { last_block_height: string; last_block_app_hash: string }
    }
    const status = (await rpc(first.rpcUrl, 'status')) as {
      sync_info: { latest_block_hash: string }
    }
    const balance = await getBalance(first.rpcUrl, to)
    const account = await getAccountInfo(first.rpcUrl, user.address)
    await first.stop()

    const second = await startDevnet({
      port: 0,
      blockTimeMs: 0,
      dataDir: dir,
      config: scenarioConfig,
    })
    try {
      const info2 = (await rpc(second.rpcUrl, 'abci_info')) as typeof info
      expect(info2.response).toEqual(info.response)
      const status2 = (await rpc(second.rpcUrl, 'status')) as typeof status
      expect(status2.sync_info.latest_block_hash).toBe(status.sync_info.latest_block_hash)
      expect(await getBalance(second.rpcUrl, to)).toBe(balance)
      expect(await getAccountInfo(second.rpcUrl, user.address)).toEqual(account)
      const tx = (await rpc(second.rpcUrl, 'tx', {
        hash: Buffer.from(sent.hash, 'hex').toString('base64'),
      })) as { height: string }
      expect(tx.height).toBe(sent.height)
      // The chain goes on from where it stopped.
      expect(await second.produceBlocks(1)).toBe(BigInt(info.response.last_block_height) + 1n)
      const block = (await rpc(second.rpcUrl, 'block')) as {
        block: { header: { app_hash: string } }
      }
      expect(Buffer.from(block.block.header.app_hash, 'hex').toString('base64')).toBe(
        info.response.last_block_app_hash,
      )
    } finally {
      await second.stop()
    }
  })

  it('refuses a store made from another genesis', async () => {
    const error = await startDevnet({
      port: 0,
      blockTimeMs: 0,
      dataDir: dir,
      config: { chainId: 'other' },
    }).catch((e) => e)
    expect(isDevnetError(error) && error.code).toBe('INVALID_STORE')
  })
})
