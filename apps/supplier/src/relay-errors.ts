import {
  create,
  marshal,
  type RelayMinerError,
  RelayMinerErrorSchema,
  type RelayRequest,
  RelayResponseSchema,
  type SessionHeader,
  SessionHeaderSchema,
} from '@decai/protocol'
import type { SessionErrorCode } from '@decai/session'

// The errors a relay miner answers with, as poktroll registers them (codespace, code,
// description), so gateways built for poktroll's RelayMiner branch on them unchanged.

type Registered = { codespace: string; code: number; description: string }

const reg = (codespace: string, code: number, description: string): Registered => ({
  codespace,
  code,
  description,
})

/** poktroll v0.1.35's registered errors that a relay miner replies with. */
export const relayMinerErrors = {
  // pkg/relayer/proxy/errors.go
  invalidSession: reg('relayer_proxy', 1, 'invalid session in relayer request'),
  serviceEndpointNotHandled: reg(
    'relayer_proxy',
    3,
    'service endpoint not handled by relayer proxy',
  ),
  internal: reg('relayer_proxy', 5, 'internal error'),
  rateLimited: reg('relayer_proxy', 7, 'offchain rate limit hit by relayer proxy'),
  supplierNotReachable: reg('relayer_proxy', 9, 'supplier(s) not reachable'),
  timeout: reg('relayer_proxy', 10, 'relayer proxy request timed out'),
  maxBodyExceeded: reg('relayer_proxy', 11, 'max body size exceeded'),
  responseLimitExceeded: reg('relayer_proxy', 12, 'response limit exceed'),
  unmarshalingRelayRequest: reg('relayer_proxy', 14, 'failed to unmarshal relay request'),
  // pkg/relayer/relay_authenticator/errors.go
  authInvalidSession: reg('relay_authenticator', 1, 'invalid session in relayer request'),
  authInvalidSessionSupplier: reg('relay_authenticator', 2, 'supplier does not belong to session'),
  // pkg/crypto/rings/errors.go
  ringInvalidRelayRequest: reg('rings', 2, 'invalid relay request'),
  ringInvalidSignature: reg('rings', 3, 'invalid relay request signature'),
  // x/service/types/errors.go (RelayRequest.ValidateBasic)
  serviceInvalidRelayRequest: reg('service', 1111, 'invalid relay request'),
} as const

export type RelayMinerErrorKind = keyof typeof relayMinerErrors

/** Which registered error poktroll's relay miner replies with for each verification failure. */
const bySessionErrorCode: Partial<Record<SessionErrorCode, RelayMinerErrorKind>> = {
  RELAY_REQUEST_MALFORMED: 'unmarshalingRelayRequest',
  RELAY_REQUEST_MISSING_SESSION_HEADER: 'serviceInvalidRelayRequest',
  RELAY_REQUEST_INVALID_APPLICATION_ADDRESS: 'serviceInvalidRelayRequest',
  RELAY_REQUEST_INVALID_SESSION_ID: 'serviceInvalidRelayRequest',
  RELAY_REQUEST_INVALID_SERVICE_ID: 'serviceInvalidRelayRequest',
  RELAY_REQUEST_INVALID_SESSION_HEIGHTS: 'serviceInvalidRelayRequest',
  RELAY_REQUEST_MISSING_SIGNATURE: 'serviceInvalidRelayRequest',
  RELAY_REQUEST_MISSING_SUPPLIER: 'serviceInvalidRelayRequest',
  RELAY_UNKNOWN_SUPPLIER: 'supplierNotReachable',
  RELAY_SESSION_EXPIRED: 'authInvalidSession',
  RELAY_RING_UNAVAILABLE: 'ringInvalidRelayRequest',
  RELAY_SIGNATURE_MALFORMED: 'ringInvalidSignature',
  RELAY_RING_MISMATCH: 'ringInvalidSignature',
  RELAY_SIGNATURE_INVALID: 'ringInvalidSignature',
  RELAY_SESSION_UNAVAILABLE: 'authInvalidSession',
  RELAY_SESSION_ID_MISMATCH: 'authInvalidSession',
  RELAY_SESSION_HEADER_MISMATCH: 'authInvalidSession',
  RELAY_SUPPLIER_NOT_IN_SESSION: 'authInvalidSessionSupplier',
  RELAY_NOT_REWARD_ELIGIBLE: 'authInvalidSession',
}

/** The registered error for a `SessionError` code from `verifyRelayRequest`. */
export function getRelayMinerErrorKind(code: SessionErrorCode): RelayMinerErrorKind {
  return bySessionErrorCode[code] ?? 'internal'
}

/**
 * A `RelayMinerError` as poktroll fills it: the registered description, and as message the
 * wrapped error's text (`context: description`).
 */
export function createRelayMinerError(
  kind: RelayMinerErrorKind,
  context?: string,
): RelayMinerError {
  const { codespace, code, description } = relayMinerErrors[kind]
  return create(RelayMinerErrorSchema, {
    codespace,
    code,
    description,
    message: context ? `${context}: ${description}` : description,
  })
}

/**
 * The bytes poktroll's relay miner replies with when it cannot serve a relay: an unsigned
 * `RelayResponse` with the request's session header (empty when the request did not parse),
 * the error text as payload, and `relay_miner_error` set.
 */
export function serializeRelayErrorResponse(
  error: RelayMinerError,
  request?: RelayRequest | undefined,
): Uint8Array {
  const header: SessionHeader = request?.meta?.sessionHeader ?? create(SessionHeaderSchema)
  return marshal(
    RelayResponseSchema,
    create(RelayResponseSchema, {
      meta: { sessionHeader: header },
      payload: new TextEncoder().encode(error.message),
      relayMinerError: error,
    }),
  )
}
