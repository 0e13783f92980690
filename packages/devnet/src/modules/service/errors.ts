// x/service registered errors the devnet's shared table (app/chain-errors.ts) does not list,
// from @decai/protocol's generated registry.

import { knownChainErrors } from '@decai/protocol'
import { RegisteredError } from '../../app/abci-error.js'

const { service } = knownChainErrors

export const serviceInvalidRelayRequest = RegisteredError.from(
  service.ErrServiceInvalidRelayRequest,
)

export const serviceDuplicateIndex = RegisteredError.from(service.ErrServiceDuplicateIndex)
