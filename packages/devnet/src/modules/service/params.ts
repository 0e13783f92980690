// x/service params: poktroll v0.1.35's defaults and `Params.Validate`, with the module's
// ParamInvalid error.

import { create, knownChainErrors, type MessageShape } from '@decai/protocol'
import { ParamsSchema } from '@decai/protocol/gen/pocket/service/params_pb'
import { RegisteredError } from '../../app/abci-error.js'
import { coin, DENOM } from '../../app/codec.js'
import { amountOf, coinText } from '../../app/go-format.js'

export type ServiceParams = MessageShape<typeof ParamsSchema>

const paramInvalid = RegisteredError.from(knownChainErrors.service.ErrServiceParamInvalid)

/** poktroll v0.1.35's default (types/params.go). */
export function defaultServiceParams(): ServiceParams {
  return create(ParamsSchema, { addServiceFee: coin(1n), targetNumRelays: 100_000n })
}

export function validateServiceParams(p: ServiceParams): void {
  const fail = (message: string): never => {
    throw paramInvalid.wrap(message)
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
