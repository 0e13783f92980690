import {
  create,
  knownChainErrors,
  knownRelayMinerErrors,
  marshal,
  type RelayMinerError,
  RelayMinerErrorSchema,
  type RelayRequest,
  RelayResponseSchema,
  type SessionHeader,
  SessionHeaderSchema,
} from '@decai/protocol'
import type { SessionErrorCode } from '@decai/session'

// The errors a relay miner answers with are poktroll's registered errors (the registry in
// @decai/protocol, generated from poktroll's sources), so gateways built for poktroll's
// RelayMiner branch on them unchanged.

const { relayer_proxy: proxy, relay_authenticator: authenticator, rings } = knownRelayMinerErrors

/** The registered error poktroll v0.1.35's relay miner replies with, by kind of failure. */
export const relayMinerErrors = {
  invalidSession: proxy.ErrRelayerProxyInvalidSession,
  serviceEndpointNotHandled: proxy.ErrRelayerProxyServiceEndpointNotHandled,
  internal: proxy.ErrRelayerProxyInternalError,
  rateLimited: proxy.ErrRelayerProxyRateLimited,
  supplierNotReachable: proxy.ErrRelayerProxySupplierNotReachable,
  timeout: proxy.ErrRelayerProxyTimeout,
  maxBodyExceeded: proxy.ErrRelayerProxyMaxBodyExceeded,
  responseLimitExceeded: proxy.ErrRelayerProxyResponseLimitExceeded,
  unmarshalingRelayRequest: proxy.ErrRelayerProxyUnmarshalingRelayRequest,
  authInvalidSession: authenticator.ErrRelayAuthenticatorInvalidSession,
  authInvalidSessionSupplier: authenticator.ErrRelayAuthenticatorInvalidSessionSupplier,
  ringInvalidRelayRequest: rings.ErrRingClientInvalidRelayRequest,
  ringInvalidSignature: rings.ErrRingClientInvalidRelayRequestSignature,
  // RelayRequest.ValidateBasic (x/service)
  serviceInvalidRelayRequest: knownChainErrors.service.ErrServiceInvalidRelayRequest,
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
  const { codespace, abciCode, description } = relayMinerErrors[kind]
  return create(RelayMinerErrorSchema, {
    codespace,
    code: abciCode,
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
