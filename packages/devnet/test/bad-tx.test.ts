import { getPublicKey } from '@decai/crypto'
import { create, marshal, unmarshal } from '@decai/protocol'
import { MsgSendSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/tx_pb'
import { TxRawSchema } from '@decai/protocol/gen/cosmos/tx/v1beta1/tx_pb'
import {
  QueryAllClaimsRequestSchema,
  QueryAllClaimsResponseSchema,
} from '@decai/protocol/gen/pocket/proof/query_pb'
import { MsgCreateClaimSchema } from '@decai/protocol/gen/pocket/proof/tx_pb'
import { sha256 } from '@noble/hashes/sha2.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Devnet, startDevnet } from '../src/devnet.js'
import {
  broadcast,
  deliver,
  getAccountInfo,
  getBalance,
  msg,
  mustDeliver,
  mustQuery,
  rpc,
  signerOf,
  signTx,
} from './helpers.js'
import {
  type Actors,
  actorsOf,
  advanceTo,
  buildTree,
  CUPR,
  claimTx,
  getSession,
  proofTx,
  proveClosest,
  scenarioConfig,
  setUpActors,
} from './scenario.js'

const send = (from: string, to: string, amount = '1') =>
  msg(MsgSendSchema, { fromAddress: from, toAddress: to, amount: [{ denom: 'upokt', amount }] })

describe('bad transactions', () => {
  let devnet: Devnet
  let actors: Actors
  beforeAll(async () => {
    devnet = await startDevnet({ port: 0, blockTimeMs: 0, config: scenarioConfig })
    actors = actorsOf(devnet)
  })
  afterAll(async () => {
    await devnet.stop()
  })

  async function snapshot(address: string) {
    return {
      balance: await getBalance(devnet.rpcUrl, address),
      info: await getAccountInfo(devnet.rpcUrl, address),
    }
  }

  it('rejects a wrong signature with sdk/4 and changes nothing', async () => {
    const user = signerOf(devnet, 'user1')
    const other = signerOf(devnet, 'user2')
    const before = await snapshot(user.address)
    const tx = await signTx(devnet, user, [send(user.address, other.address)], {
      signingKey: other.privateKey,
    })
    const check = await broadcast(devnet.rpcUrl, tx)
    expect([check.codespace, check.code]).toEqual(['sdk', 4])
    expect(check.log).toMatch(
      /^signature verification failed; please verify account number \(\d+\) and chain-id \(pocket\)/,
    )
    await devnet.produceBlocks(1)
    expect(await snapshot(user.address)).toEqual(before)
  })

  it('rejects a wrong chain id with sdk/4', async () => {
    const user = signerOf(devnet, 'user1')
    const tx = await signTx(devnet, user, [send(user.address, user.address)], {
      chainId: 'not-pocket',
    })
    expect((await broadcast(devnet.rpcUrl, tx)).code).toBe(4)
  })

  it('rejects a wrong sequence with sdk/32 and the message clients parse', async () => {
    const user = signerOf(devnet, 'user1')
    const before = await snapshot(user.address)
    const seq = before.info.sequence
    const tx = await signTx(devnet, user, [send(user.address, user.address)], {
      sequence: seq + 5n,
    })
    const check = await broadcast(devnet.rpcUrl, tx)
    expect([check.codespace, check.code]).toEqual(['sdk', 32])
    expect(check.log).toBe(
      `account sequence mismatch, expected ${seq}, got ${seq + 5n}: incorrect account sequence`,
    )
    expect(await snapshot(user.address)).toEqual(before)
  })

  it('accepts consecutive sequences from one account in one block', async () => {
    const user = signerOf(devnet, 'user2')
    const { sequence, accountNumber } = await getAccountInfo(devnet.rpcUrl, user.address)
    const txs = await Promise.all(
      [0n, 1n, 2n].map((i) =>
        signTx(devnet, user, [send(user.address, user.address)], {
          sequence: sequence + i,
          accountNumber,
        }),
      ),
    )
    for (const tx of txs) expect((await broadcast(devnet.rpcUrl, tx)).code).toBe(0)
    await devnet.produceBlocks(1)
    expect((await getAccountInfo(devnet.rpcUrl, user.address)).sequence).toBe(sequence + 3n)
  })

  it('rejects malformed bytes, unknown fields and unknown messages with sdk/2', async () => {
    const user = signerOf(devnet, 'user1')
    expect((await broadcast(devnet.rpcUrl, Uint8Array.from([1, 2, 3, 4]))).code).toBe(2)

    const tx = unmarshal(
      TxRawSchema,
      await signTx(devnet, user, [send(user.address, user.address)]),
    )
    const unknownField = create(TxRawSchema, {
      ...tx,
      bodyBytes: Uint8Array.from([...tx.bodyBytes, 0xa0, 0x06, 0x01]),
    })
    const check = await broadcast(devnet.rpcUrl, marshal(TxRawSchema, unknownField))
    expect([check.codespace, check.code]).toEqual(['sdk', 2])
    expect(check.log).toContain('errUnknownField "cosmos.tx.v1beta1.TxBody": {TagNum: 100')

    const bogus = await signTx(devnet, user, [{ typeUrl: '/foo.Bar', bytes: new Uint8Array() }])
    const bogusCheck = await broadcast(devnet.rpcUrl, bogus)
    expect(bogusCheck.code).toBe(2)
    expect(bogusCheck.log).toContain('unable to resolve type URL /foo.Bar')
  })

  it('rejects an out-of-gas and an unpayable fee before they reach a block', async () => {
    const user = signerOf(devnet, 'user1')
    const lowGas = await signTx(devnet, user, [send(user.address, user.address)], {
      gasLimit: 100n,
    })
    const gas = await broadcast(devnet.rpcUrl, lowGas)
    expect([gas.codespace, gas.code]).toEqual(['sdk', 11])
    const balance = await getBalance(devnet.rpcUrl, user.address)
    const rich = await signTx(devnet, user, [send(user.address, user.address)], {
      fee: balance + 1n,
    })
    expect((await broadcast(devnet.rpcUrl, rich)).code).toBe(5)
  })

  it('refuses a duplicate broadcast as CometBFT does', async () => {
    const user = signerOf(devnet, 'user2')
    const tx = await signTx(devnet, user, [send(user.address, user.address)])
    expect((await broadcast(devnet.rpcUrl, tx)).code).toBe(0)
    await expect(broadcast(devnet.rpcUrl, tx)).rejects.toThrow('tx already exists in cache')
    await devnet.produceBlocks(1)
  })

  it('fails claims outside the window or with a wrong sum, keeping only fee and sequence', async () => {
    await setUpActors(devnet, actors)
    const start = devnet.height + 4n - ((devnet.height - 1n) % 4n)
    await advanceTo(devnet, start)
    const session = await getSession(devnet, actors.app.address, start)
    const header = session.header!
    const end = header.sessionEndBlockHeight
    const appKey = getPublicKey(actors.app.privateKey)
    const tree = buildTree(header, appKey, actors.app.address, actors.gateway, actors.supplier1, 4)
    const tree2 = buildTree(header, appKey, actors.app.address, actors.gateway, actors.supplier2, 2)
    const claims = async () =>
      (
        await mustQuery(
          devnet.rpcUrl,
          '/pocket.proof.Query/AllClaims',
          QueryAllClaimsRequestSchema,
          { filter: { case: 'sessionId', value: header.sessionId } },
          QueryAllClaimsResponseSchema,
        )
      ).claims

    // Executed at `end + 1`: the window opens at `end + 2`.
    await advanceTo(devnet, end)
    const seq = (await getAccountInfo(devnet.rpcUrl, actors.supplier1.address)).sequence
    const early = await deliver(
      devnet,
      await claimTx(devnet, actors.supplier1, header, tree.root()),
    )
    expect([early.codespace, early.code]).toEqual(['undefined', 1])
    expect(early.log).toContain(
      'failed to execute message; message index: 0: rpc error: code = FailedPrecondition desc = current block height',
    )
    expect(early.log).toContain("claim attempted outside of the session's claim window")
    expect(await claims()).toEqual([])
    expect((await getAccountInfo(devnet.rpcUrl, actors.supplier1.address)).sequence).toBe(seq + 1n)

    // A root whose sum is not count × compute units per relay.
    const root = tree.root().slice()
    new DataView(root.buffer).setBigUint64(32, 4n * CUPR + 1n, false)
    const wrongSum = await deliver(devnet, await claimTx(devnet, actors.supplier1, header, root))
    expect([wrongSum.codespace, wrongSum.code]).toEqual(['undefined', 1])
    expect(wrongSum.log).toContain(
      'rpc error: code = InvalidArgument desc = claim compute units: 29 is not equal to number of relays 4 * compute units per relay 7',
    )
    expect(wrongSum.log).toContain(
      'mismatch: claim compute units != number of relays * service compute units per relay',
    )
    expect(await claims()).toEqual([])

    // A malformed root never reaches a block: ValidateBasic runs in CheckTx.
    const short = await signTx(devnet, actors.supplier1, [
      msg(MsgCreateClaimSchema, {
        supplierOperatorAddress: actors.supplier1.address,
        sessionHeader: header,
        rootHash: new Uint8Array(40),
      }),
    ])
    const shortCheck = await broadcast(devnet.rpcUrl, short)
    expect([shortCheck.codespace, shortCheck.code]).toEqual(['proof', 1104])

    // Valid claims; supplier1 then proves the wrong path and supplier2 never proves.
    for (const tx of [
      await claimTx(devnet, actors.supplier1, header, tree.root()),
      await claimTx(devnet, actors.supplier2, header, tree2.root()),
    ]) {
      expect((await broadcast(devnet.rpcUrl, tx)).code).toBe(0)
    }
    await devnet.produceBlocks(1)
    expect(await claims()).toHaveLength(2)
    const proofOpen = end + 4n
    await advanceTo(devnet, proofOpen - 1n)
    const wrongPath = sha256(new TextEncoder().encode('not the seed'))
    const proved = await mustDeliver(
      devnet,
      await proofTx(devnet, actors.supplier1, header, proveClosest(tree, wrongPath)),
    )
    expect(proved.height).toBe(proofOpen.toString())
    const validity = (await rpc(devnet.rpcUrl, 'block_results', {
      height: proofOpen.toString(),
    })) as {
      finalize_block_events: { type: string; attributes: { key: string; value: string }[] }[]
    }
    const checked = validity.finalize_block_events.find(
      (e) => e.type === 'pocket.proof.EventProofValidityChecked',
    )!
    const attrs = new Map(checked.attributes.map((a) => [a.key, a.value]))
    expect(attrs.get('claim_proof_status_int')).toBe('2')
    expect(attrs.get('failure_reason')).toContain(
      'does not match one expected by the onchain protocol',
    )

    const stakeBefore = await getBalance(devnet.rpcUrl, actors.supplier1.address)
    await advanceTo(devnet, end + 6n)
    const settlement = (await rpc(devnet.rpcUrl, 'block_results', {
      height: (end + 6n).toString(),
    })) as {
      finalize_block_events: { type: string; attributes: { key: string; value: string }[] }[]
    }
    const types = settlement.finalize_block_events.map((e) => e.type)
    expect(types.filter((t) => t === 'pocket.tokenomics.EventClaimExpired')).toHaveLength(2)
    expect(types.filter((t) => t === 'pocket.tokenomics.EventSupplierSlashed')).toHaveLength(2)
    expect(types).not.toContain('pocket.tokenomics.EventClaimSettled')
    const reasons = settlement.finalize_block_events
      .filter((e) => e.type === 'pocket.tokenomics.EventClaimExpired')
      .map((e) => e.attributes.find((a) => a.key === 'expiration_reason')!.value)
      .sort()
    expect(reasons).toEqual(['"PROOF_INVALID"', '"PROOF_MISSING"'])
    // Nothing was paid out.
    expect(await getBalance(devnet.rpcUrl, actors.supplier1.address)).toBe(stakeBefore)
    expect(await claims()).toEqual([])
  })
})
