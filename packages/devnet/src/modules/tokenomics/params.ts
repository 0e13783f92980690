// x/tokenomics params: poktroll v0.1.35's defaults and `Params.Validate`, with the module's
// ParamInvalid error.

import { create, knownChainErrors, type MessageShape } from '@decai/protocol'
import {
  MintAllocationPercentagesSchema,
  MintEqualsBurnClaimDistributionSchema,
  ParamsSchema,
} from '@decai/protocol/gen/pocket/tokenomics/params_pb'
import { RegisteredError } from '../../app/abci-error.js'
import { isValidAddress } from '../../app/codec.js'
import { addressProblem, formatGoFixed, goQuote } from '../../app/go-format.js'

export type TokenomicsParams = MessageShape<typeof ParamsSchema>

const paramInvalid = RegisteredError.from(knownChainErrors.tokenomics.ErrTokenomicsParamInvalid)

/** poktroll v0.1.35's default (types/params.go). */
export function defaultTokenomicsParams(): TokenomicsParams {
  return create(ParamsSchema, {
    daoRewardAddress: 'pokt1eeeksh2tvkh7wzmfrljnhw4wrhs55lcuvmekkw',
    mintAllocationPercentages: create(MintAllocationPercentagesSchema, {
      dao: 0.1,
      proposer: 0.05,
      supplier: 0.7,
      sourceOwner: 0.15,
      application: 0,
    }),
    globalInflationPerClaim: 0.1,
    mintEqualsBurnClaimDistribution: create(MintEqualsBurnClaimDistributionSchema, {
      dao: 0.1,
      proposer: 0.05,
      supplier: 0.7,
      sourceOwner: 0.15,
      application: 0,
    }),
    mintRatio: 1,
    overservicingBonusMultiplier: 1n,
  })
}

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
    throw paramInvalid.wrap(message)
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
