import { utf8ToBytes } from '@noble/hashes/utils.js'
import { SessionError } from './errors.js'

/** The longest service ID the chain accepts, in bytes. */
export const MAX_SERVICE_ID_LENGTH = 42

const SERVICE_ID_CHARACTERS = /^[a-zA-Z0-9_-]+$/

/**
 * Why the chain rejects a service ID (x/shared `IsValidServiceId`), in its own words, or
 * `undefined` for a valid one. The length is counted in UTF-8 bytes, as Go's `len` does, so
 * a long non-ASCII ID fails on length first, as it does on chain.
 */
function getServiceIdProblem(serviceId: string): string | undefined {
  if (serviceId.length === 0) return 'empty service ID'
  if (utf8ToBytes(serviceId).length > MAX_SERVICE_ID_LENGTH)
    return `service ID '${serviceId}' exceeds maximum length: ${MAX_SERVICE_ID_LENGTH}`
  if (!SERVICE_ID_CHARACTERS.test(serviceId))
    return `service ID '${serviceId}' contains invalid characters`
  return undefined
}

/** Whether the chain accepts `serviceId`: 1 to 42 bytes of letters, digits, `_` and `-`. */
export function isValidServiceId(serviceId: string): boolean {
  return typeof serviceId === 'string' && getServiceIdProblem(serviceId) === undefined
}

/**
 * Throws `INVALID_SERVICE_ID` unless the chain accepts `serviceId`; the error's `details`
 * is the chain's own reason (what `ErrSharedInvalidServiceId` wraps).
 */
export function assertServiceId(serviceId: string): void {
  const problem =
    typeof serviceId === 'string' ? getServiceIdProblem(serviceId) : 'service ID is not a string'
  if (problem !== undefined)
    throw new SessionError('INVALID_SERVICE_ID', 'Invalid service ID.', { details: problem })
}
