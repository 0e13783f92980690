// An application whose per-session spend limit is below what a supplier claims: the settlement
// is capped at the budget (less the global-inflation reimbursement), and the chain says so.

import { getPublicKey } from '@decai/crypto'
import {
  QueryGetApplicationRequestSchema,
  QueryGetApplicationResponseSchema,
} from '@decai/protocol/gen/pocket/application/query_pb'
import { MsgStakeApplicationSchema } from '@decai/protocol/gen/pocket/application/tx_pb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Devnet, startDevnet } from '../src/devnet.js'
import { msg, mustDeliver, mustQuery, rpc, signTx } from './helpers.js'
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
  SERVICE_ID,
  scenarioConfig,
  setUpActors,
} from './scenario.js'

type Event = { type: string; attributes: { key: string; value: string }[] }
const attrs = (events: Event[], type: string) =>
  new Map(events.find((e) => e.type === type)?.attributes.map((a) => [a.key, a.value]))

describe('application budget cap', () => {
  let devnet: Devnet
  let actors: Actors
  beforeAll(async () => {
    // 1000× the default compute-unit price, so five relays outgrow the smallest spend limit.
    const params = {
      ...scenarioConfig.params,
      shared: { compute_units_to_tokens_multiplier: '42000000000' },
    }
    devnet = await startDevnet({ port: 0, blockTimeMs: 0, config: { params } })
    actors = actorsOf(devnet)
  })
  afterAll(async () => {
    await devnet.stop()
  })

  it('caps an overserviced claim at the spend limit and emits EventApplicationOverserviced', async () => {
    await setUpActors(devnet, actors)
    const limit = 1_000_000n
    const stake = APP_STAKE + 1n
    await mustDeliver(
      devnet,
      await signTx(devnet, actors.app, [
        msg(MsgStakeApplicationSchema, {
          address: actors.app.address,
          stake: { denom: 'upokt', amount: stake.toString() },
          services: [{ serviceId: SERVICE_ID }],
          perSessionSpendLimit: { denom: 'upokt', amount: limit.toString() },
        }),
      ]),
    )
    await advanceTo(devnet, 5n)
    const header = (await getSession(devnet, actors.app.address, 5n)).header!
    const appKey = getPublicKey(actors.app.privateKey)
    const tree = buildTree(header, appKey, actors.app.address, actors.gateway, actors.supplier1, 5)
    await advanceTo(devnet, 9n)
    await mustDeliver(devnet, await claimTx(devnet, actors.supplier1, header, tree.root()))
    await advanceTo(devnet, 11n)
    const path = getProofPath(await blockHash(devnet, 11n), header.sessionId)
    await mustDeliver(
      devnet,
      await proofTx(devnet, actors.supplier1, header, proveClosest(tree, path)),
    )
    await advanceTo(devnet, 14n)

    // Independently: claimed = relays × cupr × 42000 (CUTTM 42e9 over granularity 1e6); the app
    // must cover the claim plus its 10% inflation reimbursement, so the budget of one claiming
    // supplier (the limit) settles floor(limit / 1.1) and the rest is the overservicing loss.
    const claimed = 5n * CUPR * 42_000n
    const expectedBurn = claimed + (claimed + 9n) / 10n
    const settledAmount = (limit * 10n) / 11n
    const reimbursement = (settledAmount + 9n) / 10n

    const { finalize_block_events: events } = (await rpc(devnet.rpcUrl, 'block_results', {
      height: '14',
    })) as { finalize_block_events: Event[] }
    const over = attrs(events, 'pocket.tokenomics.EventApplicationOverserviced')
    expect(over.get('application_addr')).toBe(`"${actors.app.address}"`)
    expect(over.get('expected_burn')).toBe(`"${expectedBurn}upokt"`)
    expect(over.get('effective_burn')).toBe(`"${limit}upokt"`)
    expect(over.get('spend_limit_exceeded')).toBe('true')
    const settled = attrs(events, 'pocket.tokenomics.EventClaimSettled')
    expect(settled.get('claimed_upokt')).toBe(`"${claimed}upokt"`)
    expect(settled.get('settled_upokt')).toBe(`"${settledAmount}upokt"`)
    expect(settled.get('overservicing_loss_upokt')).toBe(`"${claimed - settledAmount}upokt"`)

    const app = await mustQuery(
      devnet.rpcUrl,
      '/pocket.application.Query/Application',
      QueryGetApplicationRequestSchema,
      { address: actors.app.address },
      QueryGetApplicationResponseSchema,
    )
    expect(app.application?.stake?.amount).toBe((stake - settledAmount - reimbursement).toString())
  })
})
