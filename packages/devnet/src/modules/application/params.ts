// x/application params: poktroll v0.1.35's defaults and `Params.Validate`, with the module's
// ParamInvalid error.

import { create, knownChainErrors, type MessageShape } from '@decai/protocol'
import { ParamsSchema } from '@decai/protocol/gen/pocket/application/params_pb'
import { RegisteredError } from '../../app/abci-error.js'
import { coin, DENOM } from '../../app/codec.js'
import { amountOf, coinText, goQuote } from '../../app/go-format.js'

export type ApplicationParams = MessageShape<typeof ParamsSchema>

const paramInvalid = RegisteredError.from(knownChainErrors.application.ErrAppParamInvalid)

/** poktroll v0.1.35's default (types/params.go). */
export function defaultApplicationParams(): ApplicationParams {
  return create(ParamsSchema, {
    maxDelegatedGateways: 7n,
    minStake: coin(1_000_000n),
  })
}

export function validateApplicationParams(p: ApplicationParams): void {
  const fail = (message: string): never => {
    throw paramInvalid.wrap(message)
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
