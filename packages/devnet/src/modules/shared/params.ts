// x/shared params: poktroll v0.1.35's defaults and `Params.Validate`, which bound the session
// grid, the claim and proof windows and the unbonding periods.

import { create, knownChainErrors, type MessageShape } from '@decai/protocol'
import { ParamsSchema } from '@decai/protocol/gen/pocket/shared/params_pb'
import { RegisteredError } from '../../app/abci-error.js'
import { divTrunc, toInt64 } from '../../app/go-format.js'

export type SharedParams = MessageShape<typeof ParamsSchema>

const paramInvalid = RegisteredError.from(knownChainErrors.shared.ErrSharedParamInvalid)

/** poktroll v0.1.35's default (types/params.go). */
export function defaultSharedParams(): SharedParams {
  return create(ParamsSchema, {
    numBlocksPerSession: 10n,
    gracePeriodEndOffsetBlocks: 1n,
    claimWindowOpenOffsetBlocks: 1n,
    claimWindowCloseOffsetBlocks: 4n,
    proofWindowOpenOffsetBlocks: 0n,
    proofWindowCloseOffsetBlocks: 4n,
    supplierUnbondingPeriodSessions: 1n,
    applicationUnbondingPeriodSessions: 1n,
    computeUnitsToTokensMultiplier: 42_000_000n,
    gatewayUnbondingPeriodSessions: 1n,
    computeUnitCostGranularity: 1_000_000n,
    // The genesis grid (poktroll's NewParams): session 1 starts at block 1.
    sessionGridAnchorHeight: 1n,
    sessionNumberAtAnchor: 1n,
  })
}

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
    throw paramInvalid.wrap(message)
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
