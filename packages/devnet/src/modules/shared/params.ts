// Each module's `Params.ValidateBasic` / `Params.Validate` as poktroll v0.1.35 runs it on a
// genesis file (`pocketd genesis validate`, InitChain) and on `MsgUpdateParam(s)`: the same
// checks in the same order, failing with the same registered error and text, so a config the
// devnet accepts is one pocketd accepts.

import type { Coin } from '@decai/protocol/gen/cosmos/base/v1beta1/coin_pb'
import { type AbciError, RegisteredError } from '../../app/abci-error.js'
import { addressBytes, DENOM, isValidAddress } from '../../app/codec.js'
import type {
  ApplicationParams,
  GatewayParams,
  ModuleParams,
  ProofParams,
  ServiceParams,
  SessionParams,
  SharedParams,
  SupplierParams,
  TokenomicsParams,
} from '../params.js'

const paramInvalid = (codespace: string, code: number) =>
  new RegisteredError(codespace, code, 'the provided param is invalid')

/** Each module's `Err…ParamInvalid`. */
export const paramErrors = {
  shared: paramInvalid('shared', 1103),
  session: paramInvalid('session', 1110),
  proof: paramInvalid('proof', 1120),
  tokenomics: paramInvalid('tokenomics', 1112),
  service: paramInvalid('service', 1115),
  application: paramInvalid('application', 1115),
  gateway: paramInvalid('gateway', 1105),
  supplier: paramInvalid('supplier', 1107),
} as const satisfies Record<keyof ModuleParams, RegisteredError>

/** Validates one module's params; throws the module's `Err…ParamInvalid`. */
export function validateModuleParams<M extends keyof ModuleParams>(
  module: M,
  params: ModuleParams[M],
): void {
  const validators: { [K in keyof ModuleParams]: (p: ModuleParams[K]) => void } = {
    shared: validateSharedParams,
    session: validateSessionParams,
    proof: validateProofParams,
    tokenomics: validateTokenomicsParams,
    service: validateServiceParams,
    application: validateApplicationParams,
    gateway: validateGatewayParams,
    supplier: validateSupplierParams,
  }
  validators[module](params)
}

// --- x/shared ------------------------------------------------------------------------------------

/** `GetSessionEndToProofWindowCloseBlocks`. */
export function getSessionEndToProofWindowCloseBlocks(p: SharedParams): bigint {
  return (
    p.claimWindowOpenOffsetBlocks +
    p.claimWindowCloseOffsetBlocks +
    p.proofWindowOpenOffsetBlocks +
    p.proofWindowCloseOffsetBlocks
  )
}

export function validateSharedParams(p: SharedParams): void {
  const fail = (message: string): never => {
    throw paramErrors.shared.wrap(message)
  }
  if (p.numBlocksPerSession < 1n) fail(`invalid NumBlocksPerSession: (${p.numBlocksPerSession})`)
  if (p.supplierUnbondingPeriodSessions < 1n) {
    fail(`invalid SupplierUnbondingPeriodSessions: (${p.supplierUnbondingPeriodSessions})`)
  }
  if (p.applicationUnbondingPeriodSessions < 1n) {
    fail(`invalid ApplicationUnbondingPeriodSessions: (${p.applicationUnbondingPeriodSessions})`)
  }
  if (p.gatewayUnbondingPeriodSessions < 1n) {
    fail(`invalid GatewayUnbondingPeriodSessions: (${p.gatewayUnbondingPeriodSessions})`)
  }
  if (p.computeUnitsToTokensMultiplier <= 0n) {
    fail(`invalid ComputeUnitsToTokensMultiplier: (${p.computeUnitsToTokensMultiplier})`)
  }
  if (p.computeUnitCostGranularity <= 0n) {
    fail(`invalid ComputeUnitCostGranularity: (${p.computeUnitCostGranularity})`)
  }
  if (p.gracePeriodEndOffsetBlocks >= p.numBlocksPerSession) {
    fail(
      `GracePeriodEndOffsetBlocks (${p.gracePeriodEndOffsetBlocks}) must be less than NumBlocksPerSession (${p.numBlocksPerSession})`,
    )
  }
  if (p.claimWindowOpenOffsetBlocks < p.gracePeriodEndOffsetBlocks) {
    fail(
      `ClaimWindowOpenOffsetBlocks (${p.claimWindowOpenOffsetBlocks}) must be at least GracePeriodEndOffsetBlocks (${p.gracePeriodEndOffsetBlocks})`,
    )
  }
  // Unbonding must outlast the claims and proofs of the last session served (int64 in Go).
  const pending = toInt64(getSessionEndToProofWindowCloseBlocks(p))
  for (const [name, sessions] of [
    ['SupplierUnbondingPeriodSessions', p.supplierUnbondingPeriodSessions],
    ['ApplicationUnbondingPeriodSessions', p.applicationUnbondingPeriodSessions],
  ] as const) {
    const blocks = toInt64(BigInt.asUintN(64, sessions * p.numBlocksPerSession))
    if (blocks < pending) {
      fail(
        `${name} (${sessions} session) (${blocks} blocks) must be greater than the cumulative ProofWindowCloseOffsetBlocks (${pending})`,
      )
    }
  }
  // Settlement divides the application's stake by the number of pending sessions.
  const numPendingSessions = divTrunc(pending + p.numBlocksPerSession - 1n, p.numBlocksPerSession)
  if (numPendingSessions < 1n) {
    fail(
      `the claim and proof window offsets yield ${numPendingSessions} pending sessions; their sum (ClaimWindowOpenOffsetBlocks ${p.claimWindowOpenOffsetBlocks} + ClaimWindowCloseOffsetBlocks ${p.claimWindowCloseOffsetBlocks} + ProofWindowOpenOffsetBlocks ${p.proofWindowOpenOffsetBlocks} + ProofWindowCloseOffsetBlocks ${p.proofWindowCloseOffsetBlocks}) must be greater than 0`,
    )
  }
}

// --- x/session, x/service, x/application, x/gateway, x/supplier -----------------------------------

export function validateSessionParams(p: SessionParams): void {
  if (p.numSuppliersPerSession < 1n) {
    throw paramErrors.session.wrap(
      `number of suppliers per session (${p.numSuppliersPerSession}) MUST be greater than or equal to 1`,
    )
  }
}

export function validateServiceParams(p: ServiceParams): void {
  const fail = (message: string): never => {
    throw paramErrors.service.wrap(message)
  }
  const fee = p.addServiceFee ?? fail('missing add_service_fee')
  if (fee.denom !== DENOM) fail(`invalid add_service_fee denom: ${fee.denom}`)
  if (amountOf(fee) < 1n) {
    fail(`add_service_fee param is below minimum value 1${DENOM}: got ${coinText(fee)}`)
  }
  if (p.targetNumRelays < 1n) {
    fail(`target_num_relays must be greater than 0: got ${p.targetNumRelays}`)
  }
}

export function validateApplicationParams(p: ApplicationParams): void {
  const fail = (message: string): never => {
    throw paramErrors.application.wrap(message)
  }
  if (p.maxDelegatedGateways < 1n) {
    fail(`max_delegated_gateways must be greater than 0: got ${p.maxDelegatedGateways}`)
  }
  const minStake = p.minStake ?? fail('missing min_stake')
  if (minStake.denom !== DENOM) {
    fail(`invalid min_stake denom ${goQuote(minStake.denom)}; expected ${goQuote(DENOM)}`)
  }
  if (amountOf(minStake) <= 0n) fail(`invalid min_stake amount: ${coinText(minStake)} <= 0`)
}

export function validateGatewayParams(p: GatewayParams): void {
  const fail = (message: string): never => {
    throw paramErrors.gateway.wrap(message)
  }
  const minStake = p.minStake ?? fail('missing min_stake')
  if (minStake.denom !== DENOM) {
    fail(`invalid min_stake denom ${goQuote(minStake.denom)}; expected ${goQuote(DENOM)}`)
  }
  if (amountOf(minStake) <= 0n) {
    fail(`invalid min stake amount must be greater than zero: ${coinText(minStake)}`)
  }
}

export function validateSupplierParams(p: SupplierParams): void {
  const fail = (message: string): never => {
    throw paramErrors.supplier.wrap(message)
  }
  const positive = (c: Coin | undefined, name: string): Coin => {
    const value = c ?? fail('missing param')
    if (value.denom !== DENOM) {
      fail(`invalid ${name} denom ${goQuote(value.denom)}; expected ${goQuote(DENOM)}`)
    }
    if (amountOf(value) < 0n) fail(`${name} amount must be positive: got ${coinText(value)}`)
    return value
  }
  const minStake = positive(p.minStake, 'min_stake')
  if (amountOf(minStake) === 0n) {
    fail(`min_stake amount must be greater than 0: got ${coinText(minStake)}`)
  }
  positive(p.stakingFee, 'staking_fee')
}

// --- x/proof -------------------------------------------------------------------------------------

export function validateProofParams(p: ProofParams): void {
  const fail = (message: string): never => {
    throw paramErrors.proof.wrap(message)
  }
  // Written as Go compares: NaN passes.
  if (p.proofRequestProbability < 0 || p.proofRequestProbability > 1) {
    fail(`invalid ProofRequestProbability: (${formatGoFloat(p.proofRequestProbability)})`)
  }
  const threshold = p.proofRequirementThreshold ?? fail('missing proof_requirement_threshold')
  if (threshold.denom !== DENOM) {
    fail(`invalid proof_requirement_threshold denom: ${threshold.denom}`)
  }
  if (amountOf(threshold) < 0n) {
    fail(`invalid proof_requirement_threshold amount: ${coinText(threshold)} < 0`)
  }
  const penalty = p.proofMissingPenalty ?? fail('missing proof_missing_penalty')
  if (penalty.denom !== DENOM) fail(`invalid proof_missing_penalty denom: ${penalty.denom}`)
  if (amountOf(penalty) < 0n) {
    fail(`invalid proof_missing_penalty amount: ${coinText(penalty)} <= 0`)
  }
  const fee = p.proofSubmissionFee ?? fail('missing proof_submission_fee')
  if (fee.denom !== DENOM) fail(`invalid proof_submission_fee denom: ${fee.denom}`)
  if (amountOf(fee) < 0n) {
    fail(`proof_submission_fee is below minimum value 0${DENOM}: got ${coinText(fee)}`)
  }
}

// --- x/tokenomics --------------------------------------------------------------------------------

/** poktroll's `MaxOverservicingBonusMultiplier`. */
const MAX_OVERSERVICING_BONUS_MULTIPLIER = 1000n
const SUM_EPSILON = 1e-10

type Allocation = {
  dao: number
  proposer: number
  supplier: number
  sourceOwner: number
  application: number
}

export function validateTokenomicsParams(p: TokenomicsParams): void {
  const fail = (message: string): never => {
    throw paramErrors.tokenomics.wrap(message)
  }
  const gteZero = (value: number, actor: string) => {
    if (value < 0) {
      fail(
        `mint allocation to ${actor} must be greater than or equal to 0: got ${formatGoFixed(value)}`,
      )
    }
  }
  const checkShares = (a: Allocation) => {
    gteZero(a.dao, 'DAO')
    gteZero(a.proposer, 'proposer')
    gteZero(a.supplier, 'supplier')
    gteZero(a.sourceOwner, 'source owner')
    gteZero(a.application, 'application')
  }

  // A message field is never nil in Go's Params (gogoproto non-nullable): unset reads as zeros.
  const mintAllocation = p.mintAllocationPercentages ?? zeroAllocation
  checkShares(mintAllocation)
  const allocationSum = basisPointSum(mintAllocation)
  if (Math.abs(allocationSum - 1) > SUM_EPSILON) {
    fail(
      `mint allocation percentages do not add to 1.0: got ${formatGoFixed(allocationSum)} instead. This is greater than the acceptable epsilon of ${formatGoFixed(SUM_EPSILON)}`,
    )
  }
  if (!isValidAddress(p.daoRewardAddress)) {
    fail(
      `invalid dao reward address ${goQuote(p.daoRewardAddress)}: ${addressProblem(p.daoRewardAddress)}`,
    )
  }
  if (p.globalInflationPerClaim < 0) {
    fail(
      `GlobalInflationPerClaim must be greater than or equal to 0: ${formatGoFixed(p.globalInflationPerClaim)}`,
    )
  }
  const distribution = p.mintEqualsBurnClaimDistribution ?? zeroAllocation
  checkShares(distribution)
  const distributionSum = basisPointSum(distribution)
  if (Math.abs(distributionSum - 1) > SUM_EPSILON) {
    fail(
      `mint equals burn claim distribution percentages do not add to 1.0: got ${formatGoFixed(distributionSum)}`,
    )
  }
  if (p.mintRatio <= 0 || p.mintRatio > 1) {
    fail(`mint_ratio must be in range (0, 1]: got ${formatGoFixed(p.mintRatio)}`)
  }
  if (p.overservicingBonusMultiplier > MAX_OVERSERVICING_BONUS_MULTIPLIER) {
    fail(
      `overservicing_bonus_multiplier (${p.overservicingBonusMultiplier}) must be <= ${MAX_OVERSERVICING_BONUS_MULTIPLIER}; values at or above num_suppliers_per_session already remove the cap in practice (the application's per-session budget binds first), so a larger value has no effect and is most likely a mistake`,
    )
  }
}

const zeroAllocation: Allocation = {
  dao: 0,
  proposer: 0,
  supplier: 0,
  sourceOwner: 0,
  application: 0,
}

/** `Sum()`: each share rounded to basis points (Go's `math.Round`), summed exactly. */
function basisPointSum(a: Allocation): number {
  const bp = (x: number) => Math.sign(x) * Math.round(Math.abs(x) * 10_000)
  return (
    (bp(a.dao) + bp(a.proposer) + bp(a.supplier) + bp(a.sourceOwner) + bp(a.application)) / 10_000
  )
}

// --- Go formatting -------------------------------------------------------------------------------

function amountOf(c: Coin): bigint {
  return /^-?\d+$/.test(c.amount) ? BigInt(c.amount) : 0n
}

/** `Coin.String()`. */
function coinText(c: Coin): string {
  return `${amountOf(c)}${c.denom}`
}

/** `%q` of a plain string. */
function goQuote(text: string): string {
  return JSON.stringify(text)
}

/** `%f`: six decimals. */
export function formatGoFixed(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  return value.toFixed(6)
}

/** `%v` of a float64 (`%g`, shortest digits: exponent form below 1e-4 and from 1e6 on). */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  if (value === 0) return Object.is(value, -0) ? '-0' : '0'
  const exponent = Math.floor(Math.log10(Math.abs(value)))
  if (exponent < -4 || exponent >= 6) {
    const [mantissa, exp] = value.toExponential().split('e') as [string, string]
    const sign = exp.startsWith('-') ? '-' : '+'
    return `${mantissa}e${sign}${exp.replace(/^[-+]/, '').padStart(2, '0')}`
  }
  return String(value)
}

/** What `AccAddressFromBech32` says about an invalid address. */
function addressProblem(address: string): string {
  try {
    addressBytes(address)
    return ''
  } catch (error) {
    return (error as AbciError).log.replace(/: invalid address$/, '')
  }
}

const toInt64 = (value: bigint) => BigInt.asIntN(64, value)
const divTrunc = (a: bigint, b: bigint) => (b === 0n ? 0n : a / b)
