// x/tokenomics claim settlement at proof-window close (SettlePendingClaims): each claim's amount
// within its application's budget, the token logic modules, expiry and supplier slashing, in
// poktroll v0.1.35's order.

import { create } from '@decai/protocol'
import {
  ApplicationUnbondingReason,
  EventApplicationUnbondingBeginSchema,
} from '@decai/protocol/gen/pocket/application/event_pb'
import {
  type Claim,
  ClaimProofStatus,
  ProofRequirementReason,
} from '@decai/protocol/gen/pocket/proof/types_pb'
import {
  EventSupplierUnbondingBeginSchema,
  SupplierUnbondingReason,
} from '@decai/protocol/gen/pocket/supplier/event_pb'
import {
  ClaimExpirationReason,
  EventApplicationOverservicedSchema,
  EventClaimDiscardedSchema,
  EventClaimExpiredSchema,
  EventClaimSettledSchema,
  EventSupplierSlashedSchema,
  RewardDistributionDetailSchema,
} from '@decai/protocol/gen/pocket/tokenomics/event_pb'
import type { ClaimSettlementResult } from '@decai/protocol/gen/pocket/tokenomics/types_pb'
import { getSessionEndHeight, getSessionEndToProofWindowCloseBlocks } from '@decai/session'
import { errorText } from '../../app/abci-error.js'
import { tokenomicsErrors } from '../../app/chain-errors.js'
import { coin, coinString, DENOM } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { floatToRat, formatFloat, mulFloor } from '../../app/rational.js'
import { getApplicationUnbondingEndHeight, setApplication } from '../application/keeper.js'
import { burnCoins, sendCoinsFromModuleToModule } from '../bank/keeper.js'
import { coinAmount, getParams } from '../params.js'
import {
  getClaimedUpokt,
  getNumClaimedComputeUnits,
  getNumEstimatedComputeUnits,
  getNumEstimatedRelays,
  getNumRelays,
  getProofRequirementForClaim,
} from '../proof/claim.js'
import { getClaimsBySessionEndHeight, removeClaim } from '../proof/keeper.js'
import { validateSessionHeader } from '../session/session-header.js'
import { sessionParams } from '../shared/keeper.js'
import { isSupplierUnbonding, setDehydratedSupplier } from '../supplier/keeper.js'
import { executeSettledResults, flushValidatorRewards } from './settled-results.js'
import { type Budget, SettlementContext } from './settlement-context.js'
import { newResult } from './settlement-ops.js'
import { runTokenLogicModules } from './token-logic-modules.js'

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
