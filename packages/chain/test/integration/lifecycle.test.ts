// The whole relay economy on one chain, driven only through @decai/chain: a service owner, an
// application delegating to a gateway, three suppliers (one with a revenue share), real relays
// in real SMSTs, claims, proofs, settlement with the exact amounts recomputed from the formulas,
// and the transactions poktroll refuses.
import type { ModuleParams } from '@decai/protocol'
import {
  getClaimWindowOpenHeight,
  getNextSessionStartHeight,
  getProofRequirementSeedHeight,
  getProofWindowOpenHeight,
  getSessionEndHeight,
  getSessionId,
  getSettlementHeight,
  type SessionWindowParams,
} from '@decai/session'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ClaimExpirationReason,
  type ClaimSettlement,
  createPrivateKeySigner,
  createSigningChainClient,
  EventClaimCreatedSchema,
  EventProofSubmittedSchema,
  encodeAuthInfo,
  encodeTxBody,
  encodeTxRaw,
  findEvents,
  isChainErrorOf,
  knownChainErrors,
  parseCoinAmount,
} from '../../src/index.js'
import { encodeSendTokens } from '../../src/messages.js'
import { type Actor, type Backend, createActors, startBackend } from './backend.js'
import { claimedUpokt, expectedRewards, sortRewards } from './expected.js'
import { getRing, type MinedSession, mineRelays, proveSession } from './relays.js'

let backend: Backend
let actors: Record<
  'owner' | 'app' | 'gateway' | 'sup1' | 'sup2Owner' | 'sup2Op' | 'holder' | 'sup3',
  Actor
>
let shared: ModuleParams<'shared'>
let proofParams: ModuleParams<'proof'>
let tokenomics: ModuleParams<'tokenomics'>
const serviceId = `llm${Date.now().toString(36)}`
// Relays each supplier serves in the session.
const relayCounts = { sup1: 4, sup2Op: 3, sup3: 2 } as const
let cupr: bigint
let appStake: bigint
let supplierStake: bigint
let gatewayStake: bigint

const client = () => backend.client
const windows = () => shared as unknown as SessionWindowParams
const waitForHeight = (height: bigint) =>
  client().waitForHeight({ height, timeout: 120_000, pollingInterval: 50 })

beforeAll(async () => {
  backend = await startBackend()
  shared = await client().getParams({ module: 'shared' })
  proofParams = await client().getParams({ module: 'proof' })
  tokenomics = await client().getParams({ module: 'tokenomics' })
  const appParams = await client().getParams({ module: 'application' })
  const gatewayParams = await client().getParams({ module: 'gateway' })
  const supplierParams = await client().getParams({ module: 'supplier' })
  const serviceParams = await client().getParams({ module: 'service' })

  // Compute units per relay high enough that every claim crosses the proof requirement threshold:
  // proofs are then required deterministically (THRESHOLD), whatever the probability.
  const threshold = parseCoinAmount(proofParams.proofRequirementThreshold?.amount ?? '0').amount
  const perUnit = shared.computeUnitsToTokensMultiplier
  cupr = (threshold * shared.computeUnitCostGranularity) / (perUnit * 2n) + 1n
  if (cupr > 2_097_152n) throw new Error('the proof threshold is too high for this suite')
  const largestClaim = (4n * cupr * perUnit) / shared.computeUnitCostGranularity
  // Far above what the budget cap needs for three claims, so every claim settles in full.
  appStake = bigMax(parseCoinAmount(appParams.minStake?.amount ?? '0').amount, largestClaim * 100n)
  supplierStake =
    parseCoinAmount(supplierParams.minStake?.amount ?? '0').amount +
    parseCoinAmount(proofParams.proofMissingPenalty?.amount ?? '0').amount * 2n +
    1_000_000n
  gatewayStake = parseCoinAmount(gatewayParams.minStake?.amount ?? '0').amount + 1n
  const fees = 10_000_000n
  const supplierFunds =
    supplierStake +
    parseCoinAmount(supplierParams.stakingFee?.amount ?? '0').amount +
    parseCoinAmount(proofParams.proofSubmissionFee?.amount ?? '0').amount +
    fees
  actors = await createActors(backend, {
    owner: parseCoinAmount(serviceParams.addServiceFee?.amount ?? '0').amount + fees,
    app: appStake + fees,
    gateway: gatewayStake + fees,
    sup1: supplierFunds,
    sup2Owner: 1n,
    sup2Op: supplierFunds,
    holder: 1n,
    sup3: supplierFunds,
  })
})

afterAll(async () => {
  await backend?.stop()
})

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}

describe('a service, its actors and their session', () => {
  it('registers a service owned by its creator', async () => {
    const tx = await actors.owner.client.addService({
      id: serviceId,
      name: 'LLM inference',
      computeUnitsPerRelay: cupr,
    })
    expect(tx.code).toBe(0)
    const service = await client().getService({ id: serviceId })
    expect(service).toMatchObject({ id: serviceId, computeUnitsPerRelay: cupr })
    expect(service.ownerAddress).toBe(actors.owner.address)
  })

  it('stakes an application, a gateway and three suppliers at once, and delegates', async () => {
    const endpoint = (port: number) => [{ url: `http://127.0.0.1:${port}`, rpcType: 3 }]
    await Promise.all([
      actors.app.client.stakeApplication({ stake: appStake, serviceIds: [serviceId] }),
      actors.gateway.client.stakeGateway({ stake: gatewayStake }),
      actors.sup1.client.stakeSupplier({
        stake: supplierStake,
        services: [{ serviceId, endpoints: endpoint(8001) }],
      }),
      // An operator staking for a separate owner (only the operator may set services; the owner
      // gets the stake back), sharing revenue 70/30.
      actors.sup2Op.client.stakeSupplier({
        stake: supplierStake,
        ownerAddress: actors.sup2Owner.address,
        services: [
          {
            serviceId,
            endpoints: endpoint(8002),
            revShare: [
              { address: actors.sup2Owner.address, revSharePercentage: 70n },
              { address: actors.holder.address, revSharePercentage: 30n },
            ],
          },
        ],
      }),
      actors.sup3.client.stakeSupplier({
        stake: supplierStake,
        services: [{ serviceId, endpoints: endpoint(8003) }],
      }),
    ])
    await actors.app.client.delegateToGateway({ gatewayAddress: actors.gateway.address })
    const app = await client().getApplication({ address: actors.app.address })
    expect(app.delegateeGatewayAddresses).toEqual([actors.gateway.address])
    expect(parseCoinAmount(app.stake?.amount ?? '').amount).toBe(appStake)
    const sup2 = await client().getSupplier({ operatorAddress: actors.sup2Op.address })
    expect(sup2.ownerAddress).toBe(actors.sup2Owner.address)
    const gateways = await client().getGateways()
    expect(gateways.map((g) => g.address)).toContain(actors.gateway.address)
    // Staked for the service from the next session on: not listed for it yet.
    expect(await client().getSuppliers({ serviceId })).toEqual([])
  })
})

describe('refused transactions change nothing', () => {
  it('refuses a wrong signature (sdk/4)', async () => {
    const { app } = actors
    const before = await client().getAccount({ address: app.address })
    const balance = await client().getBalance({ address: app.address })
    const forged = await createSigningChainClient({
      rpcUrl: backend.rpcUrl,
      signer: createPrivateKeySigner(app.key),
      chainId: 'not-this-chain',
      gasPrice: backend.gasPrice,
    })
    const error = await forged
      .sendTokens({ toAddress: actors.holder.address, amount: 1n, gas: 200_000n })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', codespace: 'sdk', abciCode: 4 })
    expect(isChainErrorOf(error, knownChainErrors.sdk.ErrUnauthorized)).toBe(true)
    expect(await client().getAccount({ address: app.address })).toEqual(before)
    expect(await client().getBalance({ address: app.address })).toBe(balance)
  })

  it('refuses a wrong sequence (sdk/32)', async () => {
    const { app } = actors
    const account = await client().getAccount({ address: app.address })
    const balance = await client().getBalance({ address: app.address })
    const bodyBytes = encodeTxBody({
      messages: [encodeSendTokens(app.address, { toAddress: actors.holder.address, amount: 1n })],
    })
    const authInfoBytes = encodeAuthInfo({
      publicKey: app.client.publicKey,
      sequence: account.sequence + 5n,
      fee: { amount: [], gasLimit: 200_000n },
    })
    const signer = createPrivateKeySigner(app.key)
    const { signature } = await signer.signDirect(app.address, {
      bodyBytes,
      authInfoBytes,
      chainId: app.client.chainId,
      accountNumber: account.accountNumber,
    })
    const res = await client().comet.broadcastTxSync({
      tx: encodeTxRaw({
        bodyBytes,
        authInfoBytes,
        signatures: [Uint8Array.from(atob(signature.signature), (c) => c.charCodeAt(0))],
      }),
    })
    expect({ code: res.code, codespace: res.codespace }).toEqual({ code: 32, codespace: 'sdk' })
    expect(res.log).toMatch(/account sequence mismatch, expected \d+, got \d+/)
    expect(await client().getAccount({ address: app.address })).toEqual(account)
    expect(await client().getBalance({ address: app.address })).toBe(balance)
  })
})

describe('a session of relays, claimed, proven and settled', () => {
  let header: NonNullable<Awaited<ReturnType<ReturnType<typeof client>['getSession']>>['header']>
  const mined: Partial<Record<keyof typeof relayCounts | 'sup3BadSum', MinedSession>> = {}
  let targetHash: Uint8Array
  const claimed: Partial<Record<keyof typeof relayCounts, bigint>> = {}
  let proofOpen: bigint
  let settlements: ClaimSettlement[]
  const before = new Map<string, bigint>()
  const stakesBefore = new Map<string, bigint>()

  it('puts every staked supplier in the next session', async () => {
    const height = await client().getLatestHeight()
    const start = getNextSessionStartHeight(windows(), height)
    await waitForHeight(start)
    const session = await client().getSession({
      applicationAddress: actors.app.address,
      serviceId,
    })
    header = session.header!
    expect(header.sessionStartBlockHeight).toBe(start)
    const operators = session.suppliers.map((s) => s.operatorAddress)
    for (const a of [actors.sup1, actors.sup2Op, actors.sup3])
      expect(operators).toContain(a.address)
    // The session ID is the chain's, and the session package recomputes it from the same inputs.
    const startHash = await client().getBlockHash({ height: header.sessionStartBlockHeight })
    expect(
      getSessionId(windows(), {
        applicationAddress: actors.app.address,
        serviceId,
        blockHash: startHash,
        height: start,
      }),
    ).toBe(header.sessionId)
  })

  it('serves relays: ring-signed by the gateway, signed by each supplier, mined into SMSTs', async () => {
    const difficulty = await client().getRelayMiningDifficulty({
      serviceId,
      height: header.sessionStartBlockHeight,
    })
    targetHash = difficulty.targetHash
    const app = await client().getApplication({ address: actors.app.address })
    const ring = await getRing(client(), app, header.sessionEndBlockHeight)
    expect(ring).toHaveLength(2)
    for (const [name, count] of Object.entries(relayCounts) as [
      keyof typeof relayCounts,
      number,
    ][]) {
      mined[name] = mineRelays({
        header,
        supplierOperatorAddress: actors[name].address,
        supplierKey: actors[name].key,
        gatewayKey: actors.gateway.key,
        ring,
        targetHash,
        count,
        weight: cupr,
      })
      expect(mined[name]!.relays).toBe(count)
    }
    // Weights that do not match the service's compute units per relay.
    mined.sup3BadSum = mineRelays({
      header,
      supplierOperatorAddress: actors.sup3.address,
      supplierKey: actors.sup3.key,
      gatewayKey: actors.gateway.key,
      ring,
      targetHash,
      count: relayCounts.sup3,
      weight: cupr + 1n,
    })
  })

  it('refuses a claim outside its window, in simulation and in execution, and stores nothing', async () => {
    const latest = await client().getLatestHeight()
    expect(latest).toBeLessThan(getClaimWindowOpenHeight(windows(), header.sessionEndBlockHeight))
    const claim = { sessionHeader: header, rootHash: mined.sup3!.root }
    const committedBefore = await client().getCommittedHeight()
    const simulated = await actors.sup3.client.createClaim(claim).catch((e: unknown) => e)
    const committedAfter = await client().getCommittedHeight()
    expect(simulated).toMatchObject({ name: 'ChainError', phase: 'simulate' })
    // Simulation runs in the last committed block (the SDK's check state), not the next one.
    const judged = /current block height \((\d+)\)/.exec((simulated as { log: string }).log)
    expect(BigInt(judged?.[1] ?? -1)).toBeGreaterThanOrEqual(committedBefore)
    expect(BigInt(judged?.[1] ?? -1)).toBeLessThanOrEqual(committedAfter)
    expect(isChainErrorOf(simulated, knownChainErrors.proof.ErrProofClaimOutsideOfWindow)).toBe(
      true,
    )
    const executed = await actors.sup3.client
      .createClaim({ ...claim, gas: 500_000n })
      .catch((e: unknown) => e)
    expect(executed).toMatchObject({ name: 'ChainError', code: 'TX_FAILED', phase: 'deliver' })
    expect(isChainErrorOf(executed, knownChainErrors.proof.ErrProofClaimOutsideOfWindow)).toBe(true)
    expect(await client().getClaims({ supplierOperatorAddress: actors.sup3.address })).toEqual([])
  })

  it('refuses a claim whose sum is not its count times the compute units per relay', async () => {
    await waitForHeight(getClaimWindowOpenHeight(windows(), header.sessionEndBlockHeight))
    const error = await actors.sup3.client
      .createClaim({ sessionHeader: header, rootHash: mined.sup3BadSum!.root, gas: 500_000n })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'TX_FAILED', phase: 'deliver' })
    expect(isChainErrorOf(error, knownChainErrors.proof.ErrProofComputeUnitsMismatch)).toBe(true)
    expect(await client().getClaims({ supplierOperatorAddress: actors.sup3.address })).toEqual([])
  })

  it('creates the three claims at once, each with the amounts the formulas give', async () => {
    const results = await Promise.all(
      (Object.keys(relayCounts) as (keyof typeof relayCounts)[]).map(async (name) => {
        const tx = await actors[name].client.createClaim({
          sessionHeader: header,
          rootHash: mined[name]!.root,
        })
        return { name, tx }
      }),
    )
    for (const { name, tx } of results) {
      const [event] = findEvents(tx.events, EventClaimCreatedSchema)
      const units = BigInt(relayCounts[name]) * cupr
      claimed[name] = claimedUpokt({
        computeUnits: units,
        targetHash,
        computeUnitsToTokensMultiplier: shared.computeUnitsToTokensMultiplier,
        computeUnitCostGranularity: shared.computeUnitCostGranularity,
      })
      expect(event).toMatchObject({
        numRelays: BigInt(relayCounts[name]),
        numClaimedComputeUnits: units,
        serviceId,
        applicationAddress: actors.app.address,
        supplierOperatorAddress: actors[name].address,
        sessionEndBlockHeight: header.sessionEndBlockHeight,
        claimedUpokt: `${claimed[name]}upokt`,
      })
      // Above the threshold: a proof is required whatever the probability.
      const threshold = parseCoinAmount(proofParams.proofRequirementThreshold?.amount ?? '0')
      expect(claimed[name]! >= threshold.amount).toBe(true)
    }
    const onChain = await client().getClaims({ sessionId: header.sessionId })
    expect(onChain).toHaveLength(3)
    const claim = await client().getClaim({
      sessionId: header.sessionId,
      supplierOperatorAddress: actors.sup1.address,
    })
    expect(claim.rootHash).toEqual(mined.sup1!.root)
  })

  it('submits proofs for the path the chain draws, and one for another path', async () => {
    proofOpen = getProofWindowOpenHeight(windows(), header.sessionEndBlockHeight)
    await waitForHeight(proofOpen)
    const seedHeight = getProofRequirementSeedHeight(windows(), header.sessionEndBlockHeight)
    const seed = await client().getBlockHash({ height: seedHeight })
    const otherSeed = await client().getBlockHash({ height: seedHeight - 1n })
    const proofs = [
      { actor: actors.sup1, proof: proveSession(mined.sup1!.tree, seed, header.sessionId) },
      { actor: actors.sup2Op, proof: proveSession(mined.sup2Op!.tree, seed, header.sessionId) },
      // poktroll checks the path only in its EndBlocker: this one is accepted, then invalidated.
      { actor: actors.sup3, proof: proveSession(mined.sup3!.tree, otherSeed, header.sessionId) },
    ]
    const results = await Promise.all(
      proofs.map(({ actor, proof }) => actor.client.submitProof({ sessionHeader: header, proof })),
    )
    for (const [i, tx] of results.entries()) {
      const [event] = findEvents(tx.events, EventProofSubmittedSchema)
      expect(event?.supplierOperatorAddress).toBe(proofs[i]!.actor.address)
    }
  })

  it('settles the claims with the exact amounts per recipient, the owner included', async () => {
    const watched = [actors.owner, actors.sup1, actors.sup2Owner, actors.holder, actors.sup3].map(
      (a) => a.address,
    )
    // Balances and stakes just before settlement, all read within the same block or two (queries
    // read the latest state, so the snapshot must not straddle the settlement block).
    const settlementHeight = getSettlementHeight(windows(), header.sessionEndBlockHeight)
    const addresses = [...watched, tokenomics.daoRewardAddress]
    const [balances, app, sup3] = await Promise.all([
      Promise.all(addresses.map((address) => client().getBalance({ address }))),
      client().getApplication({ address: actors.app.address }),
      client().getSupplier({ operatorAddress: actors.sup3.address }),
    ])
    expect(await client().getLatestHeight()).toBeLessThan(settlementHeight)
    addresses.forEach((address, i) => {
      before.set(address, balances[i]!)
    })
    stakesBefore.set('app', parseCoinAmount(app.stake?.amount ?? '').amount)
    stakesBefore.set('sup3', parseCoinAmount(sup3.stake?.amount ?? '').amount)

    await waitForHeight(settlementHeight + 1n)
    settlements = await client().getClaimSettlements({
      fromHeight: proofOpen,
      toHeight: settlementHeight + 1n,
      serviceId,
    })
    const bySupplier = new Map(settlements.map((s) => [s.supplierOperatorAddress, s]))
    expect(settlements).toHaveLength(3)

    const common = {
      mintRatio: tokenomics.mintRatio,
      globalInflationPerClaim: tokenomics.globalInflationPerClaim,
      mintEqualsBurn: tokenomics.mintEqualsBurnClaimDistribution!,
      mintAllocation: tokenomics.mintAllocationPercentages!,
      sourceOwner: actors.owner.address,
      application: actors.app.address,
      dao: tokenomics.daoRewardAddress,
    }
    const expected = {
      sup1: expectedRewards({
        ...common,
        settled: claimed.sup1!,
        revShare: [{ address: actors.sup1.address, percentage: 100n }],
      }),
      sup2Op: expectedRewards({
        ...common,
        settled: claimed.sup2Op!,
        revShare: [
          { address: actors.sup2Owner.address, percentage: 70n },
          { address: actors.holder.address, percentage: 30n },
        ],
      }),
    }
    for (const name of ['sup1', 'sup2Op'] as const) {
      const s = bySupplier.get(actors[name].address)!
      expect(s).toMatchObject({
        status: 'settled',
        serviceId,
        applicationAddress: actors.app.address,
        sessionId: header.sessionId,
        claimedUpokt: claimed[name],
        settledUpokt: claimed[name],
        mintedUpokt: expected[name].minted,
        proposerUpokt: expected[name].proposer,
        numRelays: BigInt(relayCounts[name]),
        proofRequirement: 2, // THRESHOLD
      })
      expect(sortRewards(s.rewards)).toEqual(sortRewards(expected[name].rewards))
    }
    expect(bySupplier.get(actors.sup2Op.address)!.supplierOwnerAddress).toBe(
      actors.sup2Owner.address,
    )

    // The proof for another path: the claim expires unpaid.
    const expired = bySupplier.get(actors.sup3.address)!
    expect(expired).toMatchObject({
      status: 'expired',
      expirationReason: ClaimExpirationReason.PROOF_INVALID,
      rewards: [],
    })

    // Balances moved by exactly the settled amounts.
    const received = new Map<string, bigint>()
    for (const e of Object.values(expected)) {
      for (const r of e.rewards)
        received.set(r.recipient, (received.get(r.recipient) ?? 0n) + r.amount)
    }
    for (const address of watched) {
      const delta = (await client().getBalance({ address })) - before.get(address)!
      expect({ address, delta }).toEqual({ address, delta: received.get(address) ?? 0n })
    }
    expect(received.get(actors.owner.address)! > 0n).toBe(true)
    // The DAO reward address is the genesis `dao` account on both backends; nothing else pays it.
    const dao = tokenomics.daoRewardAddress
    if (backend.accounts.size > 0) expect(dao).toBe(backend.accounts.get('dao'))
    expect((await client().getBalance({ address: dao })) - before.get(dao)!).toBe(
      received.get(dao) ?? 0n,
    )

    // The application paid settlement plus global inflation for both claims.
    const appAfter = await client().getApplication({ address: actors.app.address })
    const paid =
      claimed.sup1! + expected.sup1.globalMint + claimed.sup2Op! + expected.sup2Op.globalMint
    expect(parseCoinAmount(appAfter.stake?.amount ?? '').amount).toBe(
      stakesBefore.get('app')! - paid,
    )

    // The supplier that proved the wrong path is slashed.
    const penalty = parseCoinAmount(proofParams.proofMissingPenalty?.amount ?? '0').amount
    const sup3After = await client().getSupplier({ operatorAddress: actors.sup3.address })
    expect(parseCoinAmount(sup3After.stake?.amount ?? '').amount).toBe(
      stakesBefore.get('sup3')! - penalty,
    )
  })

  it('leaves no claim behind', async () => {
    expect(await client().getClaims({ sessionId: header.sessionId })).toEqual([])
  })
})

describe('the remaining transactions', () => {
  it('transfers the service, undelegates and unstakes everyone', async () => {
    const { owner, app, gateway, sup1, sup2Op, sup3, holder } = actors
    await owner.client.transferService({ serviceId, newOwnerAddress: holder.address })
    expect((await client().getService({ id: serviceId })).ownerAddress).toBe(holder.address)

    await app.client.undelegateFromGateway({ gatewayAddress: gateway.address })
    const undelegated = await client().getApplication({ address: app.address })
    expect(undelegated.delegateeGatewayAddresses).toEqual([])
    // Kept for the rings of sessions that end after the undelegation.
    expect(
      Object.values(undelegated.pendingUndelegations).flatMap((l) => l.gatewayAddresses),
    ).toEqual([gateway.address])

    const [a, g, ...suppliers] = await Promise.all([
      app.client.unstakeApplication(),
      gateway.client.unstakeGateway(),
      sup1.client.unstakeSupplier(),
      sup2Op.client.unstakeSupplier(),
      sup3.client.unstakeSupplier(),
    ])
    // Each unbonds from the end of the session its transaction landed in.
    const sessionEnd = (tx: { height: bigint }) => getSessionEndHeight(windows(), tx.height)
    expect((await client().getApplication({ address: app.address })).unstakeSessionEndHeight).toBe(
      sessionEnd(a!),
    )
    expect((await client().getGateway({ address: gateway.address })).unstakeSessionEndHeight).toBe(
      sessionEnd(g!),
    )
    for (const [i, s] of [sup1, sup2Op, sup3].entries()) {
      const supplier = await client().getSupplier({ operatorAddress: s.address })
      expect(supplier.unstakeSessionEndHeight).toBe(sessionEnd(suppliers[i]!))
    }
  })
})
