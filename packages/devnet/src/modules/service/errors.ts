// x/service registered errors the shared registry (app/chain-errors.ts) does not list.

import { RegisteredError } from '../../app/abci-error.js'

export const serviceRelayErrors = {
  invalidRelayRequest: new RegisteredError('service', 1111, 'invalid relay request'),
  invalidRelayResponse: new RegisteredError('service', 1110, 'invalid relay response'),
}

/** `ErrServiceDuplicateIndex`. */
export const serviceDuplicateIndex = new RegisteredError(
  'service',
  1101,
  'duplicate index when adding a new service',
)
