// x/session params: poktroll v0.1.35's defaults and `Params.Validate`, with the module's
// ParamInvalid error.

import { create, knownChainErrors, type MessageShape } from '@decai/protocol'
import { ParamsSchema } from '@decai/protocol/gen/pocket/session/params_pb'
import { RegisteredError } from '../../app/abci-error.js'

export type SessionParams = MessageShape<typeof ParamsSchema>

const paramInvalid = RegisteredError.from(knownChainErrors.session.ErrSessionParamInvalid)

/** poktroll v0.1.35's default (types/params.go). */
export function defaultSessionParams(): SessionParams {
  return create(ParamsSchema, { numSuppliersPerSession: 15n })
}

export function validateSessionParams(p: SessionParams): void {
  if (p.numSuppliersPerSession < 1n) {
    throw paramInvalid.wrap(
      `number of suppliers per session (${p.numSuppliersPerSession}) MUST be greater than or equal to 1`,
    )
  }
}
