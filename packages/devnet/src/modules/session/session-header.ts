// x/session types: SessionHeader.ValidateBasic.

import type { SessionHeader } from '@decai/protocol/gen/pocket/session/types_pb'
import { accAddressError } from '../../app/bech32-errors.js'
import { sessionErrors } from '../../app/chain-errors.js'
import { validateServiceId } from '../shared/validation.js'

/** `SessionHeader.ValidateBasic`. */
export function validateSessionHeader(header: SessionHeader): void {
  const appError = accAddressError(header.applicationAddress)
  if (appError) {
    throw sessionErrors.invalidAppAddress.wrap(`"${header.applicationAddress}"; (${appError})`)
  }
  if (header.sessionId.length === 0)
    throw sessionErrors.invalidSessionId.wrap(`"${header.sessionId}"`)
  validateServiceId(header.serviceId)
  if (header.sessionStartBlockHeight <= 0n) {
    throw sessionErrors.invalidBlockHeight.wrap('sessions can only start at height 1 or greater')
  }
  if (header.sessionEndBlockHeight <= header.sessionStartBlockHeight) {
    throw sessionErrors.invalidBlockHeight.wrap(
      'session end block height cannot be less than or equal to session start block height',
    )
  }
}
