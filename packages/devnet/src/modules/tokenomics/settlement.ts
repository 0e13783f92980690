// x/tokenomics: claim settlement at proof-window close (SettlePendingClaims), the token logic
// modules, supplier slashing and the relay-mining difficulty update, in poktroll v0.1.35's order.

import { create } from '@decai/protocol'
import {
  ApplicationUnbondingReason,
  EventApplicationUnbondingBeginSchema,
} from '@decai/protocol/gen/pocket/application/event_pb'
import type { Application } from '@decai/protocol/gen/pocket/application/types_pb'
import {
  type Claim,
  ClaimProofStatus,
  ProofRequirementReason,
} from '@decai/protocol/gen/pocket/proof/types_pb'
import { EventRelayMiningDifficultyUpdatedSchema } from '@decai/protocol/gen/pocket/service/event_pb'
import {
  type RelayMiningDifficulty,
  RelayMiningDifficultySchema,
} from '@decai/protocol/gen/pocket/service/relay_mining_difficulty_pb'
import type { Service, ServiceRevenueShare } from '@decai/protocol/gen/pocket/shared/service_pb'
import type { Supplier } from '@decai/protocol/gen/pocket/shared/supplier_pb'
import {
  EventSupplierUnbondingBeginSchema,
  SupplierUnbondingReason,
} from '@decai/protocol/gen/pocket/supplier/event_pb'
import {
  ClaimExpirationReason,
  EventApplicationOverservicedSchema,
  EventApplicationReimbursementRequestSchema,
  EventClaimDiscardedSchema,
  EventClaimExpiredSchema,
  EventClaimSettledSchema,
  EventSettlementBatchSchema,
  EventSupplierRevShareFallbackDistributionSchema,
  EventSupplierSlashedSchema,
  EventValidatorRewardDistributionSchema,
  RewardDistributionDetailSchema,
} from '@decai/protocol/gen/pocket/tokenomics/event_pb'
import {
  type ClaimSettlementResult,
  ClaimSettlementResultSchema,
  type MintBurnOp,
  MintBurnOpSchema,
  type ModToAcctTransfer,
  ModToAcctTransferSchema,
  type ModToModTransfer,
  ModToModTransferSchema,
  SettlementOpReason as Op,
} from '@decai/protocol/gen/pocket/tokenomics/types_pb'
import {
  getNumPendingSessions,
  getSessionEndHeight,
  getSessionEndToProofWindowCloseBlocks,
  updateRelayMiningDifficulty,
} from '@decai/session'
import { errorText } from '../../app/abci-error.js'
import { tokenomicsErrors } from '../../app/chain-errors.js'
import { addressBytes, coin, coinString, DENOM, minBigint } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import type { EventManager } from '../../app/events.js'
import {
  floatToRat,
  formatFloat,
  goFormatG,
  mulCeil,
  mulFloor,
  type Rat,
} from '../../app/rational.js'
import {
  getApplication,
  getApplicationUnbondingEndHeight,
  setApplication,
} from '../application/keeper.js'
import {
  burnCoins,
  mintCoins,
  sendCoinsFromModuleToAccount,
  sendCoinsFromModuleToModule,
} from '../bank/keeper.js'
import { coinAmount, getParams, sessionParams, type TokenomicsParams } from '../params.js'
import {
  getClaimedUpokt,
  getNumClaimedComputeUnits,
  getNumEstimatedComputeUnits,
  getNumEstimatedRelays,
  getNumRelays,
  getProofRequirementForClaim,
} from '../proof/claim.js'
import { getClaimsBySessionEndHeight, removeClaim } from '../proof/keeper.js'
import {
  getComputeUnitsPerRelayAtHeight,
  getDifficultyAtHeight,
  getDifficultyHistory,
  getService,
  getStoredDifficulty,
  setDifficultyAtHeight,
  setStoredDifficulty,
} from '../service/keeper.js'
import { validateSessionHeader } from '../session/session-header.js'
import {
  getDehydratedSupplier,
  getSupplierActiveServiceConfig,
  isSupplierUnbonding,
  setDehydratedSupplier,
} from '../supplier/keeper.js'

type Budget = { floor: bigint; unused: bigint; totalExcess: bigint; spendLimitExceeded: boolean }

/** The per-block caches of `settlementContext`, shared by every claim settled in the block. */
class SettlementContext {
  readonly applications = new Map<string, Application>()
  readonly initialStakes = new Map<string, bigint>()
  readonly suppliers = new Map<string, Supplier>()
  readonly services = new Map<string, Service>()
  readonly difficulties = new Map<string, RelayMiningDifficulty>()
  readonly cuprs = new Map<string, bigint>()
  readonly supplierCounts = new Map<string, bigint>()
  readonly budgets = new Map<string, Budget>()
  readonly validatorRewards = new Map<Op, bigint>()
  readonly tokenomics: TokenomicsParams
  readonly gi: Rat

  constructor(readonly ctx: Context) {
    this.tokenomics = getParams(ctx, 'tokenomics')
    this.gi = floatToRat(this.tokenomics.globalInflationPerClaim)
  }

  /** `ClaimCacheWarmUp`: service, difficulty and cupr at session start, application, supplier. */
  warmUp(claim: Claim): void {
    const header = claim.sessionHeader
    if (!header)
      throw tokenomicsErrors.claimRootHashInvalid.wrap("provided claim's session header is nil")
    const key = `${header.serviceId}@${header.sessionStartBlockHeight}`
    if (!this.difficulties.has(key)) {
      if (!this.services.has(header.serviceId)) {
        const service = getService(this.ctx, header.serviceId)
        if (!service) {
          throw tokenomicsErrors.serviceNotFound.wrap(
            `service with ID "${header.serviceId}" not found`,
          )
        }
        this.services.set(header.serviceId, service)
      }
      const cupr = getComputeUnitsPerRelayAtHeight(
        this.ctx,
        header.serviceId,
        header.sessionStartBlockHeight,
      )
      if (!cupr) {
        throw tokenomicsErrors.serviceNotFound.wrap(
          `compute units per relay for service with ID "${header.serviceId}" not found`,
        )
      }
      this.difficulties.set(
        key,
        getDifficultyAtHeight(this.ctx, header.serviceId, header.sessionStartBlockHeight),
      )
      this.cuprs.set(key, cupr)
    }
    if (!this.applications.has(header.applicationAddress)) {
      const app = getApplication(this.ctx, header.applicationAddress)
      if (!app) throw tokenomicsErrors.applicationNotFound.error()
      this.applications.set(app.address, app)
      this.initialStakes.set(app.address, coinAmount(app.stake))
    }
    const operator = claim.supplierOperatorAddress
    const cached = this.suppliers.get(operator)
    if (cached) {
      if (!cached.services.some((s) => s.serviceId === header.serviceId)) {
        cached.services.push(
          ...getSupplierActiveServiceConfig(this.ctx, operator, header.serviceId),
        )
      }
      return
    }
    const supplier = getDehydratedSupplier(this.ctx, operator)
    if (!supplier) throw tokenomicsErrors.supplierNotFound.error()
    supplier.services = getSupplierActiveServiceConfig(this.ctx, operator, header.serviceId)
    this.suppliers.set(operator, supplier)
  }

  difficulty(claim: Claim): RelayMiningDifficulty {
    const h = claim.sessionHeader!
    return this.difficulties.get(`${h.serviceId}@${h.sessionStartBlockHeight}`)!
  }

  cupr(claim: Claim): bigint {
    const h = claim.sessionHeader!
    return this.cuprs.get(`${h.serviceId}@${h.sessionStartBlockHeight}`)!
  }

  /** `getOrInitSessionBudget`: floor = stake / pending sessions / claiming suppliers. */
  budget(app: string, sessionId: string): Budget {
    const key = `${app}|${sessionId}`
    const existing = this.budgets.get(key)
    if (existing) return existing
    const stake = this.initialStakes.get(app)
    const application = this.applications.get(app)
    if (stake === undefined || !application) throw tokenomicsErrors.applicationNotFound.error()
    const numSuppliers = this.supplierCounts.get(key) || 1n
    const pending = getNumPendingSessions(sessionParams(this.ctx))
    let floor = stake / pending / numSuppliers
    let spendLimitExceeded = false
    const limit = coinAmount(application.perSessionSpendLimit)
    if (limit > 0n) {
      const perSession = minBigint(limit, stake / pending)
      const limitFloor = perSession / numSuppliers
      if (limitFloor < floor) {
        floor = limitFloor
        spendLimitExceeded = true
      }
    }
    const budget = { floor, unused: 0n, totalExcess: 0n, spendLimitExceeded }
    this.budgets.set(key, budget)
    return budget
  }

  /** `claimStakeTermsAmount`: a claim plus its global-inflation reimbursement. */
  stakeTerms(amount: bigint): bigint {
    return amount + mulCeil(amount, this.gi)
  }
}

const newResult = (claim: Claim): ClaimSettlementResult =>
  create(ClaimSettlementResultSchema, { claim })

function mint(result: ClaimSettlementResult, opReason: Op, module: string, amount: bigint): void {
  result.mints.push(
    create(MintBurnOpSchema, { opReason, DestinationModule: module, coin: coin(amount) }),
  )
}

function burn(result: ClaimSettlementResult, opReason: Op, module: string, amount: bigint): void {
  result.burns.push(
    create(MintBurnOpSchema, { opReason, DestinationModule: module, coin: coin(amount) }),
  )
}

function modToMod(
  result: ClaimSettlementResult,
  opReason: Op,
  from: string,
  to: string,
  amount: bigint,
): void {
  result.modToModTransfers.push(
    create(ModToModTransferSchema, {
      opReason,
      SenderModule: from,
      RecipientModule: to,
      coin: coin(amount),
    }),
  )
}

function modToAcct(
  result: ClaimSettlementResult,
  opReason: Op,
  from: string,
  to: string,
  amount: bigint,
): void {
  result.modToAcctTransfers.push(
    create(ModToAcctTransferSchema, {
      opReason,
      SenderModule: from,
      RecipientAddress: to,
      coin: coin(amount),
    }),
  )
}

/** `GetSupplierShareholderAmountMap`: floor shares, the remainder to the first entry. */
function shareholderAmounts(revShares: ServiceRevenueShare[], amount: bigint): Map<string, bigint> {
  if (revShares.length === 0) throw new Error('empty revshare list')
  const seen = new Set<string>()
  let sum = 0n
  for (const rs of revShares) {
    if (seen.has(rs.address))
      throw new Error(`duplicate revshare recipient address: "${rs.address}"`)
    seen.add(rs.address)
    sum += rs.revSharePercentage
  }
  if (sum !== 100n) throw new Error(`revshare percentage sum ${sum} != required 100`)
  const out = new Map<string, bigint>()
  let distributed = 0n
  for (const rs of revShares) {
    const share = (amount * rs.revSharePercentage) / 100n
    out.set(rs.address, share)
    distributed += share
  }
  const first = revShares[0]!.address
  out.set(first, out.get(first)! + (amount - distributed))
  return out
}

/** `distributeSupplierRewardsToShareholders` (with the owner fallback for a bad config). */
function distributeToShareholders(
  events: EventManager,
  result: ClaimSettlementResult,
  opReason: Op,
  supplier: Supplier,
  serviceId: string,
  amount: bigint,
): void {
  const config = supplier.services.find((s) => s.serviceId === serviceId)
  if (!config) {
    throw tokenomicsErrors.constraint.wrap(
      `SHOULD NEVER HAPPEN: service "${serviceId}" not found for supplier`,
    )
  }
  let shares: Map<string, bigint>
  try {
    shares = shareholderAmounts(config.revShare, amount)
  } catch (error) {
    modToAcct(result, opReason, 'supplier', supplier.ownerAddress, amount)
    events.emitTyped(
      EventSupplierRevShareFallbackDistributionSchema,
      create(EventSupplierRevShareFallbackDistributionSchema, {
        supplierOperatorAddress: supplier.operatorAddress,
        supplierOwnerAddress: supplier.ownerAddress,
        serviceId,
        sessionEndBlockHeight: result.claim?.sessionHeader?.sessionEndBlockHeight ?? 0n,
        amount: coinString({ denom: DENOM, amount }),
        opReason,
        observedSumPercentage: config.revShare.reduce((n, r) => n + r.revSharePercentage, 0n),
        reason: errorText(error),
      }),
    )
    return
  }
  for (const address of [...shares.keys()].sort()) {
    const share = shares.get(address)!
    if (share === 0n) continue
    modToAcct(result, opReason, 'supplier', address, share)
  }
}

/** What the token logic modules read and write for one claim (`TLMContext`). */
export type TlmContext = {
  params: TokenomicsParams
  /** `global_inflation_per_claim` as an exact rational. */
  gi: Rat
  /** Proposer shares, batched per settlement reason for the block. */
  validatorRewards: Map<Op, bigint>
  events: EventManager
  /** The (possibly capped) settlement amount, uPOKT. */
  settlement: bigint
  result: ClaimSettlementResult
  service: Service
  application: Application
  supplier: Supplier
}

/** `Stake.SafeSub` for RelayBurnEqualsMint, with its wrapped error. */
function burnFromStake(app: Application, amount: bigint): void {
  const after = coinAmount(app.stake) - amount
  if (after < 0n) {
    throw tokenomicsErrors.applicationNewStakeInvalid.wrap(
      `application "${app.address}" stake cannot be reduced to a negative amount ${after}upokt`,
    )
  }
  app.stake = coin(after)
}

/** `Stake.SafeSub` for the reimbursement request, whose error is SafeSub's own. */
function chargeStake(app: Application, amount: bigint): void {
  const after = coinAmount(app.stake) - amount
  if (after < 0n) throw new Error(`negative coin amount: ${after}upokt`)
  app.stake = coin(after)
}

/** TLM RelayBurnEqualsMint: burn the settlement from the app, mint and split it. */
function tlmRelayBurnEqualsMint(t: TlmContext): void {
  const { settlement, result, service, application, supplier } = t
  burn(result, Op.TLM_RELAY_BURN_EQUALS_MINT_APPLICATION_STAKE_BURN, 'application', settlement)
  burnFromStake(application, settlement)

  const minted = mulFloor(settlement, floatToRat(t.params.mintRatio))
  if (minted === 0n) {
    throw tokenomicsErrors.tlmInternal.wrap(
      `mint amount truncated to zero for settlement ${settlement} with mint_ratio ${goFormatG(t.params.mintRatio)}`,
    )
  }
  mint(
    result,
    Op.TLM_RELAY_BURN_EQUALS_MINT_TOKENOMICS_CLAIM_DISTRIBUTION_MINT,
    'tokenomics',
    minted,
  )

  const dist = t.params.mintEqualsBurnClaimDistribution
  const supplierAmount = mulFloor(minted, floatToRat(dist?.supplier ?? 0))
  const proposerAmount = mulFloor(minted, floatToRat(dist?.proposer ?? 0))
  const ownerAmount = mulFloor(minted, floatToRat(dist?.sourceOwner ?? 0))
  const appAmount = mulFloor(minted, floatToRat(dist?.application ?? 0))
  const daoAmount = minted - supplierAmount - proposerAmount - ownerAmount - appAmount

  if (supplierAmount !== 0n) {
    const reason = Op.TLM_RELAY_BURN_EQUALS_MINT_SUPPLIER_SHAREHOLDER_REWARD_DISTRIBUTION
    modToMod(result, reason, 'tokenomics', 'supplier', supplierAmount)
    distributeToShareholders(t.events, result, reason, supplier, service.id, supplierAmount)
  }
  if (proposerAmount !== 0n)
    addValidatorReward(
      t,
      Op.TLM_RELAY_BURN_EQUALS_MINT_VALIDATOR_REWARD_DISTRIBUTION,
      proposerAmount,
    )
  if (ownerAmount !== 0n) {
    modToAcct(
      result,
      Op.TLM_RELAY_BURN_EQUALS_MINT_SOURCE_OWNER_REWARD_DISTRIBUTION,
      'tokenomics',
      service.ownerAddress,
      ownerAmount,
    )
  }
  if (daoAmount !== 0n) {
    modToAcct(
      result,
      Op.TLM_RELAY_BURN_EQUALS_MINT_DAO_REWARD_DISTRIBUTION,
      'tokenomics',
      t.params.daoRewardAddress,
      daoAmount,
    )
  }
  if (appAmount !== 0n) {
    modToAcct(
      result,
      Op.TLM_RELAY_BURN_EQUALS_MINT_APPLICATION_REWARD_DISTRIBUTION,
      'tokenomics',
      application.address,
      appAmount,
    )
  }
}

function addValidatorReward(t: TlmContext, reason: Op, amount: bigint): void {
  t.validatorRewards.set(reason, (t.validatorRewards.get(reason) ?? 0n) + amount)
}

/** TLM GlobalMint: mint ceil(settlement × inflation) and split it by the allocation percentages. */
function tlmGlobalMint(t: TlmContext): void {
  const { settlement, result, service, application, supplier } = t
  if (t.params.globalInflationPerClaim === 0) return
  const inflation = mulCeil(settlement, t.gi)
  if (inflation === 0n) throw tokenomicsErrors.coinIsZero.wrap('newMintCoin cannot be zero')
  mint(result, Op.TLM_GLOBAL_MINT_INFLATION, 'tokenomics', inflation)
  const alloc = t.params.mintAllocationPercentages
  const supplierAmount = mulFloor(inflation, floatToRat(alloc?.supplier ?? 0))
  const appAmount = mulFloor(inflation, floatToRat(alloc?.application ?? 0))
  const ownerAmount = mulFloor(inflation, floatToRat(alloc?.sourceOwner ?? 0))
  const proposerAmount = mulFloor(inflation, floatToRat(alloc?.proposer ?? 0))
  if (supplierAmount !== 0n) {
    // Upstream labels this module transfer with the escrow reason; kept as is.
    modToMod(
      result,
      Op.TLM_GLOBAL_MINT_REIMBURSEMENT_REQUEST_ESCROW_MODULE_TRANSFER,
      'tokenomics',
      'supplier',
      supplierAmount,
    )
    distributeToShareholders(
      t.events,
      result,
      Op.TLM_GLOBAL_MINT_SUPPLIER_SHAREHOLDER_REWARD_DISTRIBUTION,
      supplier,
      service.id,
      supplierAmount,
    )
  }
  if (appAmount !== 0n) {
    modToAcct(
      result,
      Op.TLM_GLOBAL_MINT_APPLICATION_REWARD_DISTRIBUTION,
      'tokenomics',
      application.address,
      appAmount,
    )
  }
  if (ownerAmount !== 0n) {
    modToAcct(
      result,
      Op.TLM_GLOBAL_MINT_SOURCE_OWNER_REWARD_DISTRIBUTION,
      'tokenomics',
      service.ownerAddress,
      ownerAmount,
    )
  }
  if (proposerAmount !== 0n)
    addValidatorReward(t, Op.TLM_GLOBAL_MINT_VALIDATOR_REWARD_DISTRIBUTION, proposerAmount)
  const daoAmount = inflation - supplierAmount - appAmount - ownerAmount - proposerAmount
  if (daoAmount !== 0n) {
    modToAcct(
      result,
      Op.TLM_GLOBAL_MINT_DAO_REWARD_DISTRIBUTION,
      'tokenomics',
      t.params.daoRewardAddress,
      daoAmount,
    )
  }
}

/** TLM GlobalMintReimbursementRequest: the application pays the inflation, escrowed to the DAO. */
function tlmReimbursementRequest(t: TlmContext): void {
  const { settlement, result, service, application, supplier } = t
  if (t.params.globalInflationPerClaim === 0) return
  const inflation = mulCeil(settlement, t.gi)
  if (inflation === 0n) throw tokenomicsErrors.coinIsZero.error()
  chargeStake(application, inflation)
  modToMod(
    result,
    Op.TLM_GLOBAL_MINT_REIMBURSEMENT_REQUEST_ESCROW_MODULE_TRANSFER,
    'application',
    'tokenomics',
    inflation,
  )
  modToAcct(
    result,
    Op.TLM_GLOBAL_MINT_REIMBURSEMENT_REQUEST_ESCROW_DAO_TRANSFER,
    'tokenomics',
    t.params.daoRewardAddress,
    inflation,
  )
  t.events.emitTyped(
    EventApplicationReimbursementRequestSchema,
    create(EventApplicationReimbursementRequestSchema, {
      applicationAddr: application.address,
      supplierOperatorAddr: supplier.operatorAddress,
      supplierOwnerAddr: supplier.ownerAddress,
      serviceId: service.id,
      sessionId: result.claim?.sessionHeader?.sessionId ?? '',
      amount: coinString({ denom: DENOM, amount: inflation }),
    }),
  )
}

/** `ensureClaimAmountLimits`: caps the settlement at the app's per-session budget for the supplier. */
function ensureClaimAmountLimits(
  ctx: Context,
  sctx: SettlementContext,
  claim: Claim,
  claimed: bigint,
  budget: Budget,
): bigint {
  const header = claim.sessionHeader!
  let minRequired = sctx.stakeTerms(claimed)
  const totalClaimed = minRequired
  const multiplier =
    sctx.tokenomics.overservicingBonusMultiplier < 1n
      ? 1n
      : sctx.tokenomics.overservicingBonusMultiplier
  let maxClaimable = budget.floor
  if (multiplier > 1n) {
    const excess = minRequired - budget.floor
    if (budget.totalExcess > 0n && excess > 0n)
      maxClaimable = budget.floor + (budget.unused * excess) / budget.totalExcess
  }
  const cap = budget.floor * multiplier
  if (maxClaimable > cap) maxClaimable = cap
  const toSettlement = (stake: bigint) => (stake * sctx.gi.den) / (sctx.gi.den + sctx.gi.num)
  let maxSettlement = toSettlement(maxClaimable)
  if (minRequired > maxClaimable) {
    minRequired = maxClaimable
    maxSettlement = toSettlement(minRequired)
  }
  if (claimed <= maxSettlement) return claimed
  ctx.events.emitTyped(
    EventApplicationOverservicedSchema,
    create(EventApplicationOverservicedSchema, {
      applicationAddr: header.applicationAddress,
      supplierOperatorAddr: claim.supplierOperatorAddress,
      expectedBurn: coinString({ denom: DENOM, amount: totalClaimed }),
      effectiveBurn: coinString({ denom: DENOM, amount: minRequired }),
      serviceId: header.serviceId,
      sessionEndBlockHeight: header.sessionEndBlockHeight,
      spendLimitExceeded: budget.spendLimitExceeded,
    }),
  )
  return maxSettlement
}

const tokenLogicModules = [
  ['TLMRelayBurnEqualsMint', tlmRelayBurnEqualsMint],
  ['TLMGlobalMint', tlmGlobalMint],
  ['TLMGlobalMintReimbursementRequest', tlmReimbursementRequest],
] as const

/**
 * Runs poktroll's default token logic modules in order (RelayBurnEqualsMint, GlobalMint,
 * GlobalMintReimbursementRequest) on one claim's settlement, queueing its operations in
 * `t.result` and lowering the application's stake.
 */
export function runTokenLogicModules(t: TlmContext): void {
  for (const [name, tlm] of tokenLogicModules) {
    try {
      tlm(t)
    } catch (error) {
      throw tokenomicsErrors.processingTlm.wrap(`TLM "${name}": ${errorText(error)}`)
    }
  }
}

/** `ProcessTokenLogicModules`: validates the claim, caps it, runs the three TLMs. */
function processTokenLogicModules(
  ctx: Context,
  sctx: SettlementContext,
  result: ClaimSettlementResult,
): bigint {
  const claim = result.claim!
  const header = claim.sessionHeader
  if (!header)
    throw tokenomicsErrors.claimRootHashInvalid.wrap("provided claim's session header is nil")
  try {
    validateSessionHeader(header)
  } catch {
    throw tokenomicsErrors.claimRootHashInvalid.wrap("provided claim's session header is invalid")
  }
  const numComputeUnits = getNumClaimedComputeUnits(claim)
  if (numComputeUnits === 0n)
    throw tokenomicsErrors.claimRootHashInvalid.wrap('root hash has zero relays')
  const numRelays = getNumRelays(claim)
  const service = sctx.services.get(header.serviceId)!
  const application = sctx.applications.get(header.applicationAddress)!
  const supplier = sctx.suppliers.get(claim.supplierOperatorAddress)!
  const cupr = sctx.cupr(claim)
  if (numComputeUnits !== BigInt.asUintN(64, numRelays * cupr)) {
    throw tokenomicsErrors.claimRootHashInvalid.wrap(
      `mismatch: claim compute units (${numComputeUnits}) != number of relays (${numRelays}) * service compute units per relay (${cupr})`,
    )
  }
  const claimed = getClaimedUpokt(ctx, claim, sctx.difficulty(claim))
  const budget = sctx.budget(header.applicationAddress, header.sessionId)
  const settlement = ensureClaimAmountLimits(ctx, sctx, claim, claimed, budget)
  if (settlement === 0n) return settlement
  runTokenLogicModules({
    params: sctx.tokenomics,
    gi: sctx.gi,
    validatorRewards: sctx.validatorRewards,
    events: ctx.events,
    settlement,
    result,
    service,
    application,
    supplier,
  })
  const minStake = coinAmount(getParams(ctx, 'application').minStake)
  if (coinAmount(application.stake) < minStake) {
    const params = sessionParams(ctx)
    application.unstakeSessionEndHeight = BigInt.asUintN(
      64,
      getSessionEndHeight(params, ctx.height),
    )
    ctx.events.emitTyped(
      EventApplicationUnbondingBeginSchema,
      create(EventApplicationUnbondingBeginSchema, {
        application,
        reason: ApplicationUnbondingReason.BELOW_MIN_STAKE,
        sessionEndHeight: getSessionEndHeight(params, ctx.height),
        unbondingEndHeight: getApplicationUnbondingEndHeight(ctx, application),
      }),
    )
    setApplication(ctx, application)
  }
  return settlement
}

/** `GetRewardDistribution`: the amounts per recipient of a result's account transfers. */
function rewardDistribution(result: ClaimSettlementResult): Record<string, string> {
  const sums = new Map<string, bigint>()
  for (const t of result.modToAcctTransfers) {
    sums.set(t.RecipientAddress, (sums.get(t.RecipientAddress) ?? 0n) + coinAmount(t.coin))
  }
  return Object.fromEntries([...sums].map(([a, v]) => [a, coinString({ denom: DENOM, amount: v })]))
}

type Settled = { result: ClaimSettlementResult; settled: boolean }

/** `settleClaim`: expires a claim missing a required valid proof, else runs the TLMs. */
function settleClaim(ctx: Context, sctx: SettlementContext, claim: Claim): Settled {
  sctx.warmUp(claim)
  const header = claim.sessionHeader!
  const difficulty = sctx.difficulty(claim)
  const numRelays = getNumRelays(claim)
  const numComputeUnits = getNumClaimedComputeUnits(claim)
  const estimatedComputeUnits = getNumEstimatedComputeUnits(claim, difficulty)
  const estimatedRelays = getNumEstimatedRelays(claim, difficulty)
  const claimed = getClaimedUpokt(ctx, claim, difficulty)
  const requirement = getProofRequirementForClaim(ctx, claim)
  const result = newResult(claim)
  if (
    requirement !== ProofRequirementReason.NOT_REQUIRED &&
    claim.proofValidationStatus !== ClaimProofStatus.VALIDATED
  ) {
    ctx.events.emitTyped(
      EventClaimExpiredSchema,
      create(EventClaimExpiredSchema, {
        expirationReason:
          claim.proofValidationStatus === ClaimProofStatus.INVALID
            ? ClaimExpirationReason.PROOF_INVALID
            : ClaimExpirationReason.PROOF_MISSING,
        numRelays,
        numClaimedComputeUnits: numComputeUnits,
        numEstimatedComputeUnits: estimatedComputeUnits,
        numEstimatedRelays: estimatedRelays,
        claimedUpokt: coinString({ denom: DENOM, amount: claimed }),
        serviceId: header.serviceId,
        applicationAddress: header.applicationAddress,
        sessionEndBlockHeight: header.sessionEndBlockHeight,
        claimProofStatusInt: claim.proofValidationStatus,
        supplierOperatorAddress: claim.supplierOperatorAddress,
      }),
    )
    return { result, settled: false }
  }
  const settlement = processTokenLogicModules(ctx, sctx, result)
  const minted = mulFloor(settlement, floatToRat(sctx.tokenomics.mintRatio))
  const supplier = sctx.suppliers.get(claim.supplierOperatorAddress)!
  ctx.events.emitTyped(
    EventClaimSettledSchema,
    create(EventClaimSettledSchema, {
      numRelays,
      numClaimedComputeUnits: numComputeUnits,
      numEstimatedComputeUnits: estimatedComputeUnits,
      numEstimatedRelays: estimatedRelays,
      claimedUpokt: coinString({ denom: DENOM, amount: claimed }),
      proofRequirementInt: requirement,
      serviceId: header.serviceId,
      applicationAddress: header.applicationAddress,
      sessionEndBlockHeight: header.sessionEndBlockHeight,
      claimProofStatusInt: claim.proofValidationStatus,
      supplierOperatorAddress: claim.supplierOperatorAddress,
      rewardDistribution: rewardDistribution(result),
      rewardDistributionDetailed: result.modToAcctTransfers.map((t) =>
        create(RewardDistributionDetailSchema, {
          recipientAddress: t.RecipientAddress,
          opReason: t.opReason,
          amount: coinString(t.coin!),
        }),
      ),
      settledUpokt: coinString({ denom: DENOM, amount: settlement }),
      mintRatio: formatFloat(sctx.tokenomics.mintRatio),
      sessionId: header.sessionId,
      supplierOwnerAddress: supplier.ownerAddress,
      mintedUpokt: coinString({ denom: DENOM, amount: minted }),
      overservicingLossUpokt: coinString({
        denom: DENOM,
        amount: claimed > settlement ? claimed - settlement : 0n,
      }),
      deflationLossUpokt: coinString({
        denom: DENOM,
        amount: settlement > minted ? settlement - minted : 0n,
      }),
    }),
  )
  return { result, settled: true }
}

/** `FlushBatchedValidatorRewards`: the block's proposer shares, paid to the single validator. */
function flushValidatorRewards(
  ctx: Context,
  sctx: SettlementContext,
  sessionEndHeight: bigint,
): ClaimSettlementResult | undefined {
  const validator = ctx.chain.validator
  const result = create(ClaimSettlementResultSchema)
  for (const reason of [...sctx.validatorRewards.keys()].sort((a, b) => a - b)) {
    const total = sctx.validatorRewards.get(reason)!
    if (total === 0n || validator.bondedTokens === 0n) continue
    const poolShare = total
    const rate = validator.commissionRate
    const commission =
      rate <= 0n ? 0n : rate >= 10n ** 18n ? poolShare : (poolShare * rate) / 10n ** 18n
    const remainder = poolShare - commission
    // A single self-delegated validator: the remainder is its own delegation reward.
    ctx.events.emitTyped(
      EventValidatorRewardDistributionSchema,
      create(EventValidatorRewardDistributionSchema, {
        sessionEndBlockHeight: sessionEndHeight,
        opReason: reason,
        validatorOperatorAddress: validator.operatorAddress,
        validatorAccountAddress: validator.accountAddress,
        commissionRate: formatDec(rate),
        poolShareUpokt: poolShare.toString(),
        commissionUpokt: commission.toString(),
        selfDelegationRewardUpokt: (remainder > 0n ? remainder : 0n).toString(),
        delegatorsRewardUpokt: '0',
        totalDelegatedStakeUpokt: remainder > 0n ? validator.bondedTokens.toString() : '0',
        numDelegators: 0,
      }),
    )
    modToAcct(result, reason, 'tokenomics', validator.accountAddress, poolShare)
  }
  return result.modToAcctTransfers.length > 0 ? result : undefined
}

/** `math.LegacyDec.String()`: 18 decimals. */
function formatDec(value: bigint): string {
  const s = value.toString().padStart(19, '0')
  return `${s.slice(0, -18)}.${s.slice(-18)}`
}

type Aggregate = {
  key: string
  module: string
  recipient: string
  opReason: Op
  amount: bigint
  numClaims: number
}

function aggregate<T>(
  items: T[],
  keyOf: (t: T) => [string, string, Op],
  amountOf: (t: T) => bigint,
): Aggregate[] {
  const map = new Map<string, Aggregate>()
  for (const item of items) {
    const [module, recipient, opReason] = keyOf(item)
    if (opReason === Op.UNSPECIFIED) {
      throw tokenomicsErrors.settlementInternal.wrap(
        'settlement operation has UNSPECIFIED reason; this indicates a TLM bug',
      )
    }
    const key = recipient === '' ? `${module}|${opReason}` : `${module}|${recipient}|${opReason}`
    const existing = map.get(key)
    if (existing) {
      existing.amount += amountOf(item)
      existing.numClaims++
    } else map.set(key, { key, module, recipient, opReason, amount: amountOf(item), numClaims: 1 })
  }
  return [...map.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/** `ExecutePendingSettledResults`: aggregated mints, module and account transfers, burns. */
function executeSettledResults(ctx: Context, results: ClaimSettlementResult[]): void {
  const sessionEndHeight = results[0]?.claim?.sessionHeader?.sessionEndBlockHeight ?? 0n
  const mints = aggregate(
    results.flatMap((r) => r.mints),
    (m: MintBurnOp) => [m.DestinationModule, '', m.opReason],
    (m) => coinAmount(m.coin),
  )
  const burns = aggregate(
    results.flatMap((r) => r.burns),
    (m: MintBurnOp) => [m.DestinationModule, '', m.opReason],
    (m) => coinAmount(m.coin),
  )
  const toModules = aggregate(
    results.flatMap((r) => r.modToModTransfers),
    (t: ModToModTransfer) => [t.SenderModule, t.RecipientModule, t.opReason],
    (t) => coinAmount(t.coin),
  )
  const toAccounts = aggregate(
    results.flatMap((r) => r.modToAcctTransfers),
    (t: ModToAcctTransfer) => [t.SenderModule, t.RecipientAddress, t.opReason],
    (t) => coinAmount(t.coin),
  )
  const emit = (op: Aggregate, opType: string) =>
    ctx.events.emitTyped(
      EventSettlementBatchSchema,
      create(EventSettlementBatchSchema, {
        sessionEndBlockHeight: sessionEndHeight,
        senderModule: op.module,
        recipient: op.recipient,
        opReason: op.opReason,
        totalAmount: coinString({ denom: DENOM, amount: op.amount }),
        numClaims: op.numClaims,
        opType,
      }),
    )
  const coins = (amount: bigint) => [{ denom: DENOM, amount }]
  for (const op of mints) {
    if (op.amount === 0n) continue
    mintCoins(ctx, op.module, coins(op.amount))
    emit(op, 'mint')
  }
  for (const op of toModules) {
    if (op.amount === 0n) continue
    sendCoinsFromModuleToModule(ctx, op.module, op.recipient, coins(op.amount))
    emit(op, 'mod_to_mod')
  }
  for (const op of toAccounts) {
    if (op.amount === 0n) continue
    sendCoinsFromModuleToAccount(ctx, op.module, addressBytes(op.recipient), coins(op.amount))
    emit(op, 'mod_to_acct')
  }
  for (const op of burns) {
    if (op.amount === 0n) continue
    burnCoins(ctx, op.module, coins(op.amount))
    emit(op, 'burn')
  }
}

/** `slashSupplierStake`: the proof-missing penalty, burnt; unbonds a supplier left below minimum. */
function slashSupplier(ctx: Context, sctx: SettlementContext, claim: Claim): void {
  const supplier = sctx.suppliers.get(claim.supplierOperatorAddress)
  if (!supplier) throw tokenomicsErrors.supplierNotFound.error()
  let penalty = coinAmount(getParams(ctx, 'proof').proofMissingPenalty)
  const stake = coinAmount(supplier.stake)
  const remaining = stake >= penalty ? stake - penalty : 0n
  if (stake < penalty) penalty = stake
  sendCoinsFromModuleToModule(ctx, 'supplier', 'tokenomics', [{ denom: DENOM, amount: penalty }])
  burnCoins(ctx, 'tokenomics', [{ denom: DENOM, amount: penalty }])
  supplier.stake = coin(remaining)
  const minStake = coinAmount(getParams(ctx, 'supplier').minStake)
  if (remaining < minStake && !isSupplierUnbonding(supplier)) {
    const end = getSessionEndHeight(sessionParams(ctx), ctx.height)
    supplier.unstakeSessionEndHeight = BigInt.asUintN(64, end)
    ctx.events.emitTyped(
      EventSupplierUnbondingBeginSchema,
      create(EventSupplierUnbondingBeginSchema, {
        supplier,
        reason: SupplierUnbondingReason.BELOW_MIN_STAKE,
        sessionEndHeight: end,
        unbondingEndHeight: end,
      }),
    )
  }
  setDehydratedSupplier(ctx, supplier)
  const header = claim.sessionHeader!
  ctx.events.emitTyped(
    EventSupplierSlashedSchema,
    create(EventSupplierSlashedSchema, {
      proofMissingPenalty: coinString({ denom: DENOM, amount: penalty }),
      supplierStakeAfterSlash: coinString({ denom: DENOM, amount: remaining }),
      serviceId: header.serviceId,
      applicationAddress: header.applicationAddress,
      sessionEndBlockHeight: header.sessionEndBlockHeight,
      claimProofStatusInt: claim.proofValidationStatus,
      supplierOperatorAddress: claim.supplierOperatorAddress,
    }),
  )
}

/** `claimWillSettle`: what Phase 1.5 budgets for (a validated claim, or one needing no proof). */
function claimWillSettle(ctx: Context, claim: Claim): boolean {
  if (claim.proofValidationStatus === ClaimProofStatus.VALIDATED) return true
  return getProofRequirementForClaim(ctx, claim) === ProofRequirementReason.NOT_REQUIRED
}

/** `SettlePendingClaims` for the current block; returns the claims settled (for difficulty). */
export function settlePendingClaims(ctx: Context): Claim[] {
  const params = sessionParams(ctx)
  const sessionEnd = ctx.height - (getSessionEndToProofWindowCloseBlocks(params) + 1n)
  if (sessionEnd < 0n) return []
  const sctx = new SettlementContext(ctx)
  const claims = getClaimsBySessionEndHeight(ctx, sessionEnd)
  for (const claim of claims) {
    const key = `${claim.sessionHeader?.applicationAddress}|${claim.sessionHeader?.sessionId}`
    sctx.supplierCounts.set(key, (sctx.supplierCounts.get(key) ?? 0n) + 1n)
  }

  // Phase 1.5: the per-(app, session) floor and the budget light suppliers leave unused.
  for (const claim of claims) {
    try {
      sctx.warmUp(claim)
      if (!claimWillSettle(ctx, claim)) continue
      const stakeTerms = sctx.stakeTerms(getClaimedUpokt(ctx, claim, sctx.difficulty(claim)))
      const budget = sctx.budget(
        claim.sessionHeader!.applicationAddress,
        claim.sessionHeader!.sessionId,
      )
      if (stakeTerms < budget.floor) budget.unused += budget.floor - stakeTerms
      else budget.totalExcess += stakeTerms - budget.floor
    } catch {
      // Phase 2 discards the claim for the same reason.
    }
  }

  // Phase 2: settle or expire each claim; a faulty one is discarded rather than halting.
  const settled: ClaimSettlementResult[] = []
  const expired: ClaimSettlementResult[] = []
  for (const claim of claims) {
    const header = claim.sessionHeader!
    let outcome: Settled
    try {
      outcome = settleClaim(ctx, sctx, claim)
    } catch (error) {
      const reason = tokenomicsErrors.settlementInternal.wrap(
        `[UNEXPECTED ERROR] Critical error during claim settlement during session "${header.sessionId}" for operator ${claim.supplierOperatorAddress} and service ${header.serviceId}. Claim will be discarded to prevent chain halt: ${errorText(error)}`,
      )
      ctx.events.emitTyped(
        EventClaimDiscardedSchema,
        create(EventClaimDiscardedSchema, {
          error: reason.log,
          serviceId: header.serviceId,
          applicationAddress: header.applicationAddress,
          sessionEndBlockHeight: header.sessionEndBlockHeight,
          claimProofStatusInt: claim.proofValidationStatus,
          supplierOperatorAddress: claim.supplierOperatorAddress,
        }),
      )
      removeClaim(ctx, header.sessionId, claim.supplierOperatorAddress)
      continue
    }
    ;(outcome.settled ? settled : expired).push(outcome.result)
    removeClaim(ctx, header.sessionId, claim.supplierOperatorAddress)
  }

  for (const app of sctx.applications.values()) setApplication(ctx, app)
  for (const supplier of sctx.suppliers.values()) setDehydratedSupplier(ctx, supplier)

  const firstEnd = settled[0]?.claim?.sessionHeader?.sessionEndBlockHeight ?? 0n
  const validatorResult = flushValidatorRewards(ctx, sctx, firstEnd)
  const toExecute = validatorResult ? [...settled, validatorResult] : settled
  executeSettledResults(ctx, toExecute)
  for (const result of expired) slashSupplier(ctx, sctx, result.claim!)
  return settled.map((r) => r.claim!)
}

/** `UpdateRelayMiningDifficulty` for the services whose claims settled this block. */
export function updateRelayMiningDifficulties(ctx: Context, settledClaims: Claim[]): void {
  const relays = new Map<string, bigint>()
  for (const claim of settledClaims) {
    const id = claim.sessionHeader!.serviceId
    relays.set(id, (relays.get(id) ?? 0n) + getNumRelays(claim))
  }
  const params = sessionParams(ctx)
  const targetNumRelays = getParams(ctx, 'service').targetNumRelays
  for (const serviceId of [...relays.keys()].sort()) {
    const stored = getStoredDifficulty(ctx, serviceId)
    const { previous, next } = updateRelayMiningDifficulty({
      serviceId,
      current: stored,
      numRelays: relays.get(serviceId)!,
      targetNumRelays,
      currentHeight: ctx.height,
      params,
    })
    if (getDifficultyHistory(ctx, serviceId).length === 0) {
      setDifficultyAtHeight(ctx, ctx.height, asDifficulty(previous))
    }
    const nextDifficulty = asDifficulty(next)
    setDifficultyAtHeight(ctx, next.blockHeight, nextDifficulty)
    setStoredDifficulty(ctx, nextDifficulty)
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
    ctx.events.emitTyped(
      EventRelayMiningDifficultyUpdatedSchema,
      create(EventRelayMiningDifficultyUpdatedSchema, {
        serviceId,
        prevTargetHashHexEncoded: hex(previous.targetHash),
        newTargetHashHexEncoded: hex(next.targetHash),
        prevNumRelaysEma: previous.numRelaysEma,
        newNumRelaysEma: next.numRelaysEma,
      }),
    )
  }
}

function asDifficulty(d: {
  serviceId: string
  blockHeight: bigint
  numRelaysEma: bigint
  targetHash: Uint8Array
}): RelayMiningDifficulty {
  return create(RelayMiningDifficultySchema, d)
}

/** x/tokenomics EndBlocker: settle, then update difficulties. */
export function endBlockTokenomics(ctx: Context): void {
  updateRelayMiningDifficulties(ctx, settlePendingClaims(ctx))
}
