// One scripted session with fixed inputs, run on any backend and summarised per recipient: a
// service (199,999 compute units per relay, so shares truncate) owned by `serviceOwner`; an application delegating
// to a gateway; supplier A (3 relays, all revenue to itself), supplier B (5 relays, an operator
// staked for a separate owner, revenue 67/33 to `supBOwner` and `holder`) and supplier C (4
// relays, claims but never proves). Every claim is above the proof threshold, so A and B must
// prove (and do) and C's claim expires. The summary names recipients by role, so runs on
// different chains (with different random accounts) compare as they are.
import {
  getClaimWindowOpenHeight,
  getNextSessionStartHeight,
  getProofRequirementSeedHeight,
  getProofWindowOpenHeight,
  getSettlementHeight,
  type SessionWindowParams,
} from '@decai/session'
import {
  ClaimExpirationReason,
  type ClaimSettlement,
  parseCoinAmount,
  SettlementOpReason,
} from '../../src/index.js'
import { type Backend, createActors } from './backend.js'
import { claimedUpokt, expectedRewards } from './expected.js'
import { getRing, mineRelays, proveSession } from './relays.js'

export const SCENARIO = {
  serviceId: 'settle',
  computeUnitsPerRelay: 199_999n,
  relays: { supA: 3, supB: 5, supC: 4 },
  revShareB: { supBOwner: 67n, holder: 33n },
  applicationStake: 10_000_000_000n,
  supplierStake: 1_000_000_000n,
} as const

type Amount = string
export type ScenarioReward = { recipient: string; opReason: string; amount: Amount }
export type ScenarioClaim =
  | {
      status: 'settled'
      numRelays: Amount
      claimedUpokt: Amount
      settledUpokt: Amount
      mintedUpokt: Amount
      proposerUpokt: Amount
      proofRequirement: 'THRESHOLD'
      rewards: ScenarioReward[]
    }
  | {
      status: 'expired'
      numRelays: Amount
      claimedUpokt: Amount
      expirationReason: string
    }
export type ScenarioSummary = {
  claims: Record<'supA' | 'supB' | 'supC', ScenarioClaim>
  /** Balance changes over the settlement block, by role. */
  balanceChanges: Record<string, Amount>
  /** Stake changes over the settlement block. */
  stakeChanges: { application: Amount; supC: Amount }
}

/** Runs the scenario on a fresh chain (the backend's genesis accounts are not touched). */
export async function runSettlementScenario(backend: Backend): Promise<ScenarioSummary> {
  const { client } = backend
  const shared = await client.getParams({ module: 'shared' })
  const tokenomics = await client.getParams({ module: 'tokenomics' })
  const windows = shared as unknown as SessionWindowParams
  const waitForHeight = (height: bigint) =>
    client.waitForHeight({ height, timeout: 120_000, pollingInterval: 50 })
  const fees = 10_000_000n
  const a = await createActors(backend, {
    serviceOwner: 1_000n + fees,
    app: SCENARIO.applicationStake + fees,
    gateway: 1_000_000n + fees,
    supA: SCENARIO.supplierStake + fees,
    supBOwner: 1n,
    supBOp: SCENARIO.supplierStake + fees,
    holder: 1n,
    supC: SCENARIO.supplierStake + fees,
  })
  const { serviceId } = SCENARIO
  const roles = new Map<string, string>([
    [a.serviceOwner.address, 'serviceOwner'],
    [a.app.address, 'application'],
    [a.supA.address, 'supA'],
    [a.supBOwner.address, 'supBOwner'],
    [a.holder.address, 'holder'],
    [a.supC.address, 'supC'],
    [tokenomics.daoRewardAddress, 'dao'],
  ])
  const validator = backend.accounts.get('validator')
  if (validator) roles.set(validator, 'validator')
  const role = (address: string) => roles.get(address) ?? `unknown ${address}`

  await a.serviceOwner.client.addService({
    id: serviceId,
    name: 'Settlement scenario',
    computeUnitsPerRelay: SCENARIO.computeUnitsPerRelay,
  })
  const endpoint = (port: number) => [{ url: `http://127.0.0.1:${port}`, rpcType: 3 }]
  await Promise.all([
    a.app.client.stakeApplication({ stake: SCENARIO.applicationStake, serviceIds: [serviceId] }),
    a.gateway.client.stakeGateway({ stake: 1_000_000n }),
    a.supA.client.stakeSupplier({
      stake: SCENARIO.supplierStake,
      services: [{ serviceId, endpoints: endpoint(9001) }],
    }),
    a.supBOp.client.stakeSupplier({
      stake: SCENARIO.supplierStake,
      ownerAddress: a.supBOwner.address,
      services: [
        {
          serviceId,
          endpoints: endpoint(9002),
          revShare: [
            { address: a.supBOwner.address, revSharePercentage: SCENARIO.revShareB.supBOwner },
            { address: a.holder.address, revSharePercentage: SCENARIO.revShareB.holder },
          ],
        },
      ],
    }),
    a.supC.client.stakeSupplier({
      stake: SCENARIO.supplierStake,
      services: [{ serviceId, endpoints: endpoint(9003) }],
    }),
  ])
  await a.app.client.delegateToGateway({ gatewayAddress: a.gateway.address })

  // The next session has every supplier in it.
  await waitForHeight(getNextSessionStartHeight(windows, await client.getLatestHeight()))
  const session = await client.getSession({ applicationAddress: a.app.address, serviceId })
  const header = session.header!
  const difficulty = await client.getRelayMiningDifficulty({
    serviceId,
    height: header.sessionStartBlockHeight,
  })
  const ring = await getRing(
    client,
    await client.getApplication({ address: a.app.address }),
    header.sessionEndBlockHeight,
  )
  const suppliers = { supA: a.supA, supB: a.supBOp, supC: a.supC }
  const mined = Object.fromEntries(
    (Object.keys(suppliers) as (keyof typeof suppliers)[]).map((name) => [
      name,
      mineRelays({
        header,
        supplierOperatorAddress: suppliers[name].address,
        supplierKey: suppliers[name].key,
        gatewayKey: a.gateway.key,
        ring,
        targetHash: difficulty.targetHash,
        count: SCENARIO.relays[name],
        weight: SCENARIO.computeUnitsPerRelay,
      }),
    ]),
  ) as Record<keyof typeof suppliers, ReturnType<typeof mineRelays>>

  await waitForHeight(getClaimWindowOpenHeight(windows, header.sessionEndBlockHeight))
  await Promise.all(
    (Object.keys(suppliers) as (keyof typeof suppliers)[]).map((name) =>
      suppliers[name].client.createClaim({ sessionHeader: header, rootHash: mined[name].root }),
    ),
  )
  await waitForHeight(getProofWindowOpenHeight(windows, header.sessionEndBlockHeight))
  const seed = await client.getBlockHash({
    height: getProofRequirementSeedHeight(windows, header.sessionEndBlockHeight),
  })
  await Promise.all(
    (['supA', 'supB'] as const).map((name) =>
      suppliers[name].client.submitProof({
        sessionHeader: header,
        proof: proveSession(mined[name].tree, seed, header.sessionId),
      }),
    ),
  )

  // Balances and stakes before the settlement block (nothing else moves them meanwhile).
  const settlementHeight = getSettlementHeight(windows, header.sessionEndBlockHeight)
  const watched = [...roles.keys()].filter((address) => address !== a.app.address)
  const readState = async () => ({
    balances: await Promise.all(watched.map((address) => client.getBalance({ address }))),
    appStake: await client.getApplication({ address: a.app.address }),
    supCStake: await client.getSupplier({ operatorAddress: a.supC.address }),
  })
  const before = await readState()
  if ((await client.getLatestHeight()) >= settlementHeight) {
    throw new Error('the settlement block came before the balances were read: blocks too fast')
  }
  await waitForHeight(settlementHeight)
  const after = await readState()
  const settlements = await client.getClaimSettlements({
    fromHeight: settlementHeight,
    toHeight: settlementHeight,
    serviceId,
  })

  const bySupplier = new Map(settlements.map((s) => [s.supplierOperatorAddress, s]))
  const summarise = (s: ClaimSettlement | undefined): ScenarioClaim => {
    if (!s) throw new Error('a claim of the scenario was neither settled nor expired')
    if (s.status === 'expired') {
      return {
        status: 'expired',
        numRelays: String(s.numRelays),
        claimedUpokt: String(s.claimedUpokt),
        expirationReason: ClaimExpirationReason[s.expirationReason ?? 0] ?? 'unknown',
      }
    }
    return {
      status: 'settled',
      numRelays: String(s.numRelays),
      claimedUpokt: String(s.claimedUpokt),
      settledUpokt: String(s.settledUpokt),
      mintedUpokt: String(s.mintedUpokt),
      proposerUpokt: String(s.proposerUpokt),
      proofRequirement:
        s.proofRequirement === 2 ? 'THRESHOLD' : (String(s.proofRequirement) as 'THRESHOLD'),
      rewards: sortScenarioRewards(
        s.rewards.map((r) => ({
          recipient: role(r.recipient),
          opReason: SettlementOpReason[r.opReason] ?? String(r.opReason),
          amount: String(r.amount),
        })),
      ),
    }
  }
  const stake = (coin: { amount: string } | undefined) => parseCoinAmount(coin?.amount ?? '').amount
  return {
    claims: {
      supA: summarise(bySupplier.get(a.supA.address)),
      supB: summarise(bySupplier.get(a.supBOp.address)),
      supC: summarise(bySupplier.get(a.supC.address)),
    },
    balanceChanges: Object.fromEntries(
      watched.map((address, i) => [
        role(address),
        String(after.balances[i]! - before.balances[i]!),
      ]),
    ),
    stakeChanges: {
      application: String(stake(after.appStake.stake) - stake(before.appStake.stake)),
      supC: String(stake(after.supCStake.stake) - stake(before.supCStake.stake)),
    },
  }
}

/** poktroll v0.1.35's default params, which both backends' genesis keep. */
const DEFAULTS = {
  computeUnitsToTokensMultiplier: 42_000_000n,
  computeUnitCostGranularity: 1_000_000n,
  mintRatio: 1,
  globalInflationPerClaim: 0.1,
  allocation: { dao: 0.1, proposer: 0.05, supplier: 0.7, sourceOwner: 0.15, application: 0 },
  proofMissingPenalty: 320_000_000n,
}

/** The scenario's summary, from the formulas alone. */
export function deriveSettlementSummary(): ScenarioSummary {
  // A new service starts at the base difficulty: every relay is mined, at full value.
  const baseTarget = new Uint8Array(32).fill(0xff)
  const claimed = (relays: number) =>
    claimedUpokt({
      computeUnits: BigInt(relays) * SCENARIO.computeUnitsPerRelay,
      targetHash: baseTarget,
      computeUnitsToTokensMultiplier: DEFAULTS.computeUnitsToTokensMultiplier,
      computeUnitCostGranularity: DEFAULTS.computeUnitCostGranularity,
    })
  const balance = new Map<string, bigint>()
  const add = (who: string, amount: bigint) => balance.set(who, (balance.get(who) ?? 0n) + amount)
  let appPaid = 0n
  const settle = (
    relays: number,
    revShare: { address: string; percentage: bigint }[],
  ): ScenarioClaim => {
    const amount = claimed(relays)
    const e = expectedRewards({
      settled: amount,
      mintRatio: DEFAULTS.mintRatio,
      globalInflationPerClaim: DEFAULTS.globalInflationPerClaim,
      mintEqualsBurn: DEFAULTS.allocation,
      mintAllocation: DEFAULTS.allocation,
      revShare,
      sourceOwner: 'serviceOwner',
      application: 'application',
      dao: 'dao',
    })
    for (const r of e.rewards) add(r.recipient, r.amount)
    // The proposer's shares of both token logic modules go to the one validator.
    const globalProposer = (e.globalMint * 5n) / 100n
    add('validator', e.proposer + globalProposer)
    appPaid += amount + e.globalMint
    return {
      status: 'settled',
      numRelays: String(relays),
      claimedUpokt: String(amount),
      settledUpokt: String(amount),
      mintedUpokt: String(e.minted),
      proposerUpokt: String(e.proposer),
      proofRequirement: 'THRESHOLD',
      rewards: sortScenarioRewards(
        e.rewards.map((r) => ({
          recipient: r.recipient,
          opReason: SettlementOpReason[r.opReason]!,
          amount: String(r.amount),
        })),
      ),
    }
  }
  const claims = {
    supA: settle(SCENARIO.relays.supA, [{ address: 'supA', percentage: 100n }]),
    supB: settle(SCENARIO.relays.supB, [
      { address: 'supBOwner', percentage: SCENARIO.revShareB.supBOwner },
      { address: 'holder', percentage: SCENARIO.revShareB.holder },
    ]),
    supC: {
      status: 'expired',
      numRelays: String(SCENARIO.relays.supC),
      claimedUpokt: String(claimed(SCENARIO.relays.supC)),
      expirationReason: 'PROOF_MISSING',
    } as const,
  }
  const roles = ['serviceOwner', 'supA', 'supBOwner', 'holder', 'supC', 'dao', 'validator']
  return {
    claims,
    balanceChanges: Object.fromEntries(roles.map((r) => [r, String(balance.get(r) ?? 0n)])),
    stakeChanges: {
      application: String(-appPaid),
      supC: String(-DEFAULTS.proofMissingPenalty),
    },
  }
}

export function sortScenarioRewards(rewards: ScenarioReward[]): ScenarioReward[] {
  return [...rewards].sort((x, y) =>
    x.recipient === y.recipient
      ? x.opReason.localeCompare(y.opReason)
      : x.recipient.localeCompare(y.recipient),
  )
}
