// x/gateway params: poktroll v0.1.35's defaults and `Params.Validate`, with the module's
// ParamInvalid error.

import { create, knownChainErrors, type MessageShape } from '@decai/protocol'
import { ParamsSchema } from '@decai/protocol/gen/pocket/gateway/params_pb'
import { RegisteredError } from '../../app/abci-error.js'
import { coin, DENOM } from '../../app/codec.js'
import { amountOf, coinText, goQuote } from '../../app/go-format.js'

export type GatewayParams = MessageShape<typeof ParamsSchema>

const paramInvalid = RegisteredError.from(knownChainErrors.gateway.ErrGatewayParamInvalid)

/** poktroll v0.1.35's default (types/params.go). */
export function defaultGatewayParams(): GatewayParams {
  return create(ParamsSchema, { minStake: coin(100n) })
}

export function validateGatewayParams(p: GatewayParams): void {
  const fail = (message: string): never => {
    throw paramInvalid.wrap(message)
  }
  const minStake = p.minStake ?? fail('missing min_stake')
  if (minStake.denom !== DENOM) {
    fail(`invalid min_stake denom ${goQuote(minStake.denom)}; expected ${goQuote(DENOM)}`)
  }
  if (amountOf(minStake) <= 0n) {
    fail(`invalid min stake amount must be greater than zero: ${coinText(minStake)}`)
  }
}
