// x/proof params: poktroll v0.1.35's defaults and `Params.Validate`, with the module's
// ParamInvalid error.

import { create, knownChainErrors, type MessageShape } from '@decai/protocol'
import { ParamsSchema } from '@decai/protocol/gen/pocket/proof/params_pb'
import { RegisteredError } from '../../app/abci-error.js'
import { coin, DENOM } from '../../app/codec.js'
import { amountOf, coinText, formatGoFloat } from '../../app/go-format.js'

export type ProofParams = MessageShape<typeof ParamsSchema>

const paramInvalid = RegisteredError.from(knownChainErrors.proof.ErrProofParamInvalid)

/** poktroll v0.1.35's default (types/params.go). */
export function defaultProofParams(): ProofParams {
  return create(ParamsSchema, {
    proofRequestProbability: 0.25,
    proofRequirementThreshold: coin(20_000_000n),
    proofMissingPenalty: coin(320_000_000n),
    proofSubmissionFee: coin(0n),
  })
}

export function validateProofParams(p: ProofParams): void {
  const fail = (message: string): never => {
    throw paramInvalid.wrap(message)
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
