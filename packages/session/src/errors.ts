import { BaseError, createErrorGuard } from '@decai/core'
import type { RelayMinerError } from '@decai/protocol'

/** Stable codes of {@link SessionError}; callers branch on these, never on message text. */
export const SessionErrorCode = {
  /** A parameter makes the chain's arithmetic undefined (zero divisor, out-of-range count). */
  INVALID_PARAMS: 'INVALID_PARAMS',
  /** An argument is outside the domain of the function (for example `int63n(0)`). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** No supplier is staked for the service at the height (ErrSessionSuppliersNotFound). */
  SUPPLIERS_NOT_FOUND: 'SUPPLIERS_NOT_FOUND',
  /** A service ID the chain rejects: empty, over 42 bytes, or outside `[a-zA-Z0-9_-]`. */
  INVALID_SERVICE_ID: 'INVALID_SERVICE_ID',
  /** A relays EMA of zero makes the difficulty scaling ratio a division by zero. */
  ZERO_RELAYS_EMA: 'ZERO_RELAYS_EMA',

  // --- building and signing relays ---
  /** A relay could not be built or signed (bad key, signer not in the ring, ...). */
  RELAY_SIGNING_FAILED: 'RELAY_SIGNING_FAILED',

  // --- a supplier verifying a relay request, in the order the checks run ---
  /** The bytes are not a `RelayRequest`. */
  RELAY_REQUEST_MALFORMED: 'RELAY_REQUEST_MALFORMED',
  /** The request has no session header. */
  RELAY_REQUEST_MISSING_SESSION_HEADER: 'RELAY_REQUEST_MISSING_SESSION_HEADER',
  /** The session header's application address is not a `pokt` bech32 address. */
  RELAY_REQUEST_INVALID_APPLICATION_ADDRESS: 'RELAY_REQUEST_INVALID_APPLICATION_ADDRESS',
  /** The session header has an empty session ID. */
  RELAY_REQUEST_INVALID_SESSION_ID: 'RELAY_REQUEST_INVALID_SESSION_ID',
  /** The session header's service ID is empty, too long or has invalid characters. */
  RELAY_REQUEST_INVALID_SERVICE_ID: 'RELAY_REQUEST_INVALID_SERVICE_ID',
  /** The session header's heights are not `1 <= start < end`. */
  RELAY_REQUEST_INVALID_SESSION_HEIGHTS: 'RELAY_REQUEST_INVALID_SESSION_HEIGHTS',
  /** The request carries no ring signature. */
  RELAY_REQUEST_MISSING_SIGNATURE: 'RELAY_REQUEST_MISSING_SIGNATURE',
  /** The request names no supplier operator address. */
  RELAY_REQUEST_MISSING_SUPPLIER: 'RELAY_REQUEST_MISSING_SUPPLIER',
  /** The request's session ended and its grace period is over. */
  RELAY_SESSION_EXPIRED: 'RELAY_SESSION_EXPIRED',
  /** The application's ring could not be obtained (unknown app, missing public keys, ...). */
  RELAY_RING_UNAVAILABLE: 'RELAY_RING_UNAVAILABLE',
  /** The signature bytes are not a ring signature. */
  RELAY_SIGNATURE_MALFORMED: 'RELAY_SIGNATURE_MALFORMED',
  /** The signature's ring has a key outside the application's ring at the session end. */
  RELAY_RING_MISMATCH: 'RELAY_RING_MISMATCH',
  /** The ring signature does not verify over the request's signable bytes. */
  RELAY_SIGNATURE_INVALID: 'RELAY_SIGNATURE_INVALID',
  /** The on-chain session could not be obtained. */
  RELAY_SESSION_UNAVAILABLE: 'RELAY_SESSION_UNAVAILABLE',
  /** The request's session ID is not the on-chain session's. */
  RELAY_SESSION_ID_MISMATCH: 'RELAY_SESSION_ID_MISMATCH',
  /** Another session header field (app, service, start, end) differs from the chain's. */
  RELAY_SESSION_HEADER_MISMATCH: 'RELAY_SESSION_HEADER_MISMATCH',
  /** The request names a supplier this relay miner does not sign for. */
  RELAY_UNKNOWN_SUPPLIER: 'RELAY_UNKNOWN_SUPPLIER',
  /** The named supplier is not one of the session's suppliers. */
  RELAY_SUPPLIER_NOT_IN_SESSION: 'RELAY_SUPPLIER_NOT_IN_SESSION',
  /** The claim window of the relay's session has opened: serving it earns nothing. */
  RELAY_NOT_REWARD_ELIGIBLE: 'RELAY_NOT_REWARD_ELIGIBLE',

  // --- an application or gateway verifying a relay response ---
  /** The bytes are not a `RelayResponse`. */
  RELAY_RESPONSE_MALFORMED: 'RELAY_RESPONSE_MALFORMED',
  /** The relay miner answered with an (unsigned) error instead of a response. */
  RELAY_RESPONSE_MINER_ERROR: 'RELAY_RESPONSE_MINER_ERROR',
  /** The response has no session header. */
  RELAY_RESPONSE_MISSING_SESSION_HEADER: 'RELAY_RESPONSE_MISSING_SESSION_HEADER',
  /** The response's session header differs from the request's. */
  RELAY_RESPONSE_SESSION_HEADER_MISMATCH: 'RELAY_RESPONSE_SESSION_HEADER_MISMATCH',
  /** The response carries no supplier signature. */
  RELAY_RESPONSE_MISSING_SIGNATURE: 'RELAY_RESPONSE_MISSING_SIGNATURE',
  /** The response has no payload hash (pre-v0.1.25 relay miners), and one is required. */
  RELAY_RESPONSE_MISSING_PAYLOAD_HASH: 'RELAY_RESPONSE_MISSING_PAYLOAD_HASH',
  /** The payload hash is not SHA-256 of the payload: the signature would not cover it. */
  RELAY_RESPONSE_PAYLOAD_HASH_MISMATCH: 'RELAY_RESPONSE_PAYLOAD_HASH_MISMATCH',
  /** The public key given for the supplier is not the key of the request's supplier address. */
  RELAY_RESPONSE_SUPPLIER_KEY_MISMATCH: 'RELAY_RESPONSE_SUPPLIER_KEY_MISMATCH',
  /** The supplier signature does not verify. */
  RELAY_RESPONSE_SIGNATURE_INVALID: 'RELAY_RESPONSE_SIGNATURE_INVALID',

  // --- streamed responses (docs/streaming.md) ---
  /** The stream's framing is broken (bad length prefix, oversized or empty frame). */
  RELAY_STREAM_MALFORMED: 'RELAY_STREAM_MALFORMED',
  /** A frame's payload hash is not the next link of the stream's hash chain. */
  RELAY_STREAM_CHAIN_MISMATCH: 'RELAY_STREAM_CHAIN_MISMATCH',
  /** A frame arrived after the final frame. */
  RELAY_STREAM_AFTER_END: 'RELAY_STREAM_AFTER_END',
  /** The stream ended without its signed final frame. */
  RELAY_STREAM_TRUNCATED: 'RELAY_STREAM_TRUNCATED',

  // --- token-metered relays (quanta) ---
  /** A quantum's payload is not a `decai-quantum/v1` record, or its index is not below its count. */
  QUANTUM_RECORD_MALFORMED: 'QUANTUM_RECORD_MALFORMED',
  /** A quantum names another request or answer, or states another count than its siblings. */
  QUANTUM_RECORD_MISMATCH: 'QUANTUM_RECORD_MISMATCH',
  /** A quantum index skips ahead of the next expected one. */
  QUANTUM_INDEX_OUT_OF_ORDER: 'QUANTUM_INDEX_OUT_OF_ORDER',
  /** A quantum index was already seen. */
  QUANTUM_INDEX_DUPLICATE: 'QUANTUM_INDEX_DUPLICATE',
  /** More quanta than the request's worst case (prompt plus `max_tokens`). */
  QUANTUM_BEYOND_WORST_CASE: 'QUANTUM_BEYOND_WORST_CASE',
  /** Fewer quanta than the records' count (or none). */
  QUANTA_INCOMPLETE: 'QUANTA_INCOMPLETE',
  /** The supplier has no quanta for the answer (`GET /quanta` answered 404). */
  QUANTA_NOT_FOUND: 'QUANTA_NOT_FOUND',
  /** The supplier's quanta could not be read (unreachable, another HTTP status, too large). */
  QUANTA_UNAVAILABLE: 'QUANTA_UNAVAILABLE',
} as const

export type SessionErrorCode = (typeof SessionErrorCode)[keyof typeof SessionErrorCode]

/**
 * A relay miner's `RelayResponse.relay_miner_error` as it came over the wire. Branch on
 * `codespace` and `code`, the registered error poktroll's relay miner answered with (see
 * `knownRelayMinerErrors` and `knownChainErrors` in `@decai/protocol`), never on the text.
 */
export type RelayMinerErrorFields = Pick<
  RelayMinerError,
  'codespace' | 'code' | 'description' | 'message'
>

export interface SessionErrorOptions {
  details?: string | undefined
  cause?: unknown
  /** Set with `RELAY_RESPONSE_MINER_ERROR`. */
  relayMinerError?: RelayMinerErrorFields
}

/** The one error class of `@decai/session`. */
export class SessionError extends BaseError<SessionErrorCode> {
  override readonly name = 'SessionError' as const
  /** The relay miner's error, with `RELAY_RESPONSE_MINER_ERROR`. */
  readonly relayMinerError: RelayMinerErrorFields | undefined

  constructor(code: SessionErrorCode, shortMessage: string, options: SessionErrorOptions = {}) {
    const { details, cause, relayMinerError } = options
    super(code, shortMessage, { details, cause, docsPath: 'packages/session/README.md#errors' })
    this.relayMinerError = relayMinerError
  }
}

const codes = new Set<string>(Object.values(SessionErrorCode))
const hasSessionErrorShape = createErrorGuard<SessionError>('SessionError')

/** Shape check (not `instanceof`), so it holds across duplicate copies of the package. */
export function isSessionError(e: unknown): e is SessionError {
  return hasSessionErrorShape(e) && codes.has(e.code)
}
