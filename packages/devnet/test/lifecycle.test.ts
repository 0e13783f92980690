import { getPublicKey } from '@decai/crypto'
import {
  QueryGetApplicationRequestSchema,
  QueryGetApplicationResponseSchema,
} from '@decai/protocol/gen/pocket/application/query_pb'
import {
  QueryGetClaimRequestSchema,
  QueryGetClaimResponseSchema,
} from '@decai/protocol/gen/pocket/proof/query_pb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Devnet, startDevnet } from '../src/devnet.js'
import {
  eventAttributes,
  getBalance,
  isFailure,
  mustDeliver,
  mustQuery,
  query,
  rpc,
} from './helpers.js'
import {
  type Actors,
  APP_STAKE,
  actorsOf,
  advanceTo,
  blockHash,
  buildTree,
  CUPR,
  claimTx,
  getProofPath,
  getSession,
  proofTx,
  proveClosest,
  scenarioConfig,
  setUpActors,
} from './scenario.js'

// Independent arithmetic for the expected payouts: floor(x * p) with p the decimal the
// float param prints as, ceil for the global mint, remainders to the DAO and first rev share.
const pct = (x: bigint, num: bigint, den: bigint) => (x * num) / den
const ceilPct = (x: bigint, num: bigint, den: bigint) => (x * num + den - 1n) / den

type Expected = {
  claimed: bigint
  inflation: bigint
  supplierShare: bigint
  proposer: bigint
  owner: bigint
  dao: bigint
  globalSupplier: bigint
  globalProposer: bigint
  globalOwner: bigint
  globalDao: bigint
}

/** Settlement of a claim with `relays` relays at CUTTM 42, default distributions, 10% inflation. */
function expectedSettlement(relays: bigint): Expected {
  const claimed = (relays * CUPR * 42_000_000n) / 1_000_000n
  const supplierShare = pct(claimed, 7n, 10n)
  const proposer = pct(claimed, 5n, 100n)
  const owner = pct(claimed, 15n, 100n)
  const dao = claimed - supplierShare - proposer - owner
  const inflation = ceilPct(claimed, 1n, 10n)
  const globalSupplier = pct(inflation, 7n, 10n)
  const globalOwner = pct(inflation, 15n, 100n)
  const globalProposer = pct(inflation, 5n, 100n)
  const globalDao = inflation - globalSupplier - globalOwner - globalProposer
  return {
    claimed,
    inflation,
    supplierShare,
    proposer,
    owner,
    dao,
    globalSupplier,
    globalProposer,
    globalOwner,
    globalDao,
  }
}

/** 70/30 rev share with the remainder to the first holder. */
function revShare(amount: bigint): [bigint, bigint] {
  const a = (amount * 70n) / 100n
  const b = (amount * 30n) / 100n
  return [a + (amount - a - b), b]
}

describe('a full session: stake, relay, claim, prove, settle', () => {
  let devnet: Devnet
  let actors: Actors
  beforeAll(async () => {
    devnet = await startDevnet({ port: 0, blockTimeMs: 0, config: scenarioConfig })
    actors = actorsOf(devnet)
  })
  afterAll(async () => {
    await devnet.stop()
  })

  it('settles both claims with the exact amounts, owner share included', async () => {
    await setUpActors(devnet, actors)
    // Suppliers activate at the next session start (5 with 4-block sessions).
    await advanceTo(devnet, 5n)
    const session = await getSession(devnet, actors.app.address, 5n)
    const header = session.header!
    expect(header.sessionStartBlockHeight).toBe(5n)
    expect(header.sessionEndBlockHeight).toBe(8n)
    expect(session.suppliers.map((s) => s.operatorAddress).sort()).toEqual(
      [actors.supplier1.address, actors.supplier2.address].sort(),
    )
    const appKey = getPublicKey(actors.app.privateKey)
    const tree1 = buildTree(header, appKey, actors.app.address, actors.gateway, actors.supplier1, 5)
    const tree2 = buildTree(header, appKey, actors.app.address, actors.gateway, actors.supplier2, 3)
    expect(tree1.count()).toBe(5n)
    expect(tree1.sum()).toBe(5n * CUPR)

    // Claim window [10, 12], proof window [12, 14]; claims settle in block 14's end blocker.
    await advanceTo(devnet, 9n)
    const created = await mustDeliver(
      devnet,
      await claimTx(devnet, actors.supplier1, header, tree1.root()),
    )
    expect(created.height).toBe('10')
    const claimEvent = eventAttributes(created.events, 'pocket.proof.EventClaimCreated')!
    expect(claimEvent).toMatchObject({
      num_relays: '"5"',
      claimed_upokt: `"${expectedSettlement(5n).claimed}upokt"`,
    })
    await mustDeliver(devnet, await claimTx(devnet, actors.supplier2, header, tree2.root()))

    await advanceTo(devnet, 11n)
    const seed = await blockHash(devnet, 11n)
    const path = getProofPath(seed, header.sessionId)
    const proved1 = await mustDeliver(
      devnet,
      await proofTx(devnet, actors.supplier1, header, proveClosest(tree1, path)),
    )
    expect(proved1.height).toBe('12')
    expect(eventAttributes(proved1.events, 'pocket.proof.EventProofSubmitted')).toBeDefined()
    await mustDeliver(
      devnet,
      await proofTx(devnet, actors.supplier2, header, proveClosest(tree2, path)),
    )

    // Proofs are validated in the end blocker of the block they land in.
    const results = (await rpc(devnet.rpcUrl, 'block_results', { height: '13' })) as {
      finalize_block_events: { type: string; attributes: { key: string; value: string }[] }[]
    }
    const checked = results.finalize_block_events.filter(
      (e) => e.type === 'pocket.proof.EventProofValidityChecked',
    )
    expect(checked).toHaveLength(1)
    expect(checked[0]!.attributes.find((a) => a.key === 'claim_proof_status_int')!.value).toBe('1')

    const balancesBefore = new Map<string, bigint>()
    const watch = [
      actors.owner.address,
      actors.supplier1.address,
      actors.supplier2.address,
      actors.revShareHolder,
      devnet.genesis.params.tokenomics.daoRewardAddress,
      devnet.genesis.validator.address,
    ]
    for (const a of watch) balancesBefore.set(a, await getBalance(devnet.rpcUrl, a))

    await advanceTo(devnet, 14n)
    const settled = (await rpc(devnet.rpcUrl, 'block_results', { height: '14' })) as {
      finalize_block_events: { type: string; attributes: { key: string; value: string }[] }[]
    }
    const settledEvents = settled.finalize_block_events.filter(
      (e) => e.type === 'pocket.tokenomics.EventClaimSettled',
    )
    expect(settledEvents).toHaveLength(2)

    const e1 = expectedSettlement(5n)
    const e2 = expectedSettlement(3n)
    const bySupplier = (addr: string) =>
      Object.fromEntries(
        settledEvents
          .find((e) =>
            e.attributes.some(
              (a) => a.key === 'supplier_operator_address' && a.value === `"${addr}"`,
            ),
          )!
          .attributes.map((a) => [a.key, a.value]),
      ) as Record<string, string> & { reward_distribution?: string }
    const s1 = bySupplier(actors.supplier1.address)
    expect(s1).toMatchObject({
      claimed_upokt: `"${e1.claimed}upokt"`,
      settled_upokt: `"${e1.claimed}upokt"`,
      proof_requirement_int: '2',
    })
    const distribution = JSON.parse(s1.reward_distribution ?? '{}') as Record<string, string>
    const [s1Owner, s1Holder] = revShare(e1.supplierShare)
    const [g1Owner, g1Holder] = revShare(e1.globalSupplier)
    expect(distribution[actors.owner.address]).toBe(`${e1.owner + e1.globalOwner}upokt`)
    expect(distribution[actors.supplier1.address]).toBe(`${s1Owner + g1Owner}upokt`)
    expect(distribution[actors.revShareHolder]).toBe(`${s1Holder + g1Holder}upokt`)
    expect(distribution[devnet.genesis.params.tokenomics.daoRewardAddress]).toBe(
      `${e1.dao + e1.globalDao + e1.inflation}upokt`,
    )

    const delta = async (a: string) => (await getBalance(devnet.rpcUrl, a)) - balancesBefore.get(a)!
    expect(await delta(actors.owner.address)).toBe(
      e1.owner + e1.globalOwner + e2.owner + e2.globalOwner,
    )
    expect(await delta(actors.supplier1.address)).toBe(s1Owner + g1Owner)
    expect(await delta(actors.revShareHolder)).toBe(s1Holder + g1Holder)
    expect(await delta(actors.supplier2.address)).toBe(e2.supplierShare + e2.globalSupplier)
    expect(await delta(devnet.genesis.params.tokenomics.daoRewardAddress)).toBe(
      e1.dao + e1.globalDao + e1.inflation + e2.dao + e2.globalDao + e2.inflation,
    )
    // Proposer shares are batched per block and paid to the single validator.
    expect(await delta(devnet.genesis.validator.address)).toBe(
      e1.proposer + e2.proposer + e1.globalProposer + e2.globalProposer,
    )

    // The application pays settlement plus inflation for each claim, out of its stake.
    const app = await mustQuery(
      devnet.rpcUrl,
      '/pocket.application.Query/Application',
      QueryGetApplicationRequestSchema,
      { address: actors.app.address },
      QueryGetApplicationResponseSchema,
    )
    expect(BigInt(app.application!.stake!.amount)).toBe(
      APP_STAKE - e1.claimed - e1.inflation - e2.claimed - e2.inflation,
    )

    // Claims are gone once settled.
    const claim = await query(
      devnet.rpcUrl,
      '/pocket.proof.Query/Claim',
      QueryGetClaimRequestSchema,
      { sessionId: header.sessionId, supplierOperatorAddress: actors.supplier1.address },
      QueryGetClaimResponseSchema,
    )
    expect(isFailure(claim) && claim.code).toBe(22)
  })
})
