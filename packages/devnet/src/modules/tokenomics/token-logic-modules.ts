// The token logic modules (TLMs): relay burn equals mint, global mint, and the reimbursement
// request, each on one claim's settlement amount.

import { create } from '@decai/protocol'
import type { Application } from '@decai/protocol/gen/pocket/application/types_pb'
import type { Service, ServiceRevenueShare } from '@decai/protocol/gen/pocket/shared/service_pb'
import type { Supplier } from '@decai/protocol/gen/pocket/shared/supplier_pb'
import {
  EventApplicationReimbursementRequestSchema,
  EventSupplierRevShareFallbackDistributionSchema,
} from '@decai/protocol/gen/pocket/tokenomics/event_pb'
import {
  type ClaimSettlementResult,
  SettlementOpReason as Op,
} from '@decai/protocol/gen/pocket/tokenomics/types_pb'
import { errorText } from '../../app/abci-error.js'
import { tokenomicsErrors } from '../../app/chain-errors.js'
import { coin, coinString, DENOM } from '../../app/codec.js'
import type { EventManager } from '../../app/events.js'
import { floatToRat, goFormatG, mulCeil, mulFloor, type Rat } from '../../app/rational.js'
import { coinAmount } from '../params.js'
import type { TokenomicsParams } from './params.js'
import { burn, mint, modToAcct, modToMod } from './settlement-ops.js'

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
