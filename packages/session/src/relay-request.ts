import { type RingSigner, ringSign, serializeRingSignature } from '@decai/crypto'
import {
  create,
  marshal,
  type POKTHTTPRequest,
  type RelayRequest,
  RelayRequestMetadataSchema,
  RelayRequestSchema,
  type SessionHeader,
  SessionHeaderSchema,
  unmarshal,
} from '@decai/protocol'
import { sha256 } from '@noble/hashes/sha2.js'
import { SessionError } from './errors.js'
import { serializePoktHttpRequest } from './http.js'
import type { SessionHeaderFields } from './hydrate-session.js'

export interface BuildRelayRequestParameters {
  /** The session header as the chain returns it for the application, service and height. */
  sessionHeader: SessionHeaderFields
  /** The session supplier the relay is sent to. */
  supplierOperatorAddress: string
  /** The request: a `POKTHTTPRequest` (see `createPoktHttpRequest`) or its bytes. */
  payload: POKTHTTPRequest | Uint8Array
}

/** Converts plain header fields into a `SessionHeader` message. */
export function toSessionHeader(header: SessionHeaderFields): SessionHeader {
  return create(SessionHeaderSchema, {
    applicationAddress: header.applicationAddress,
    serviceId: header.serviceId,
    sessionId: header.sessionId,
    sessionStartBlockHeight: header.sessionStartBlockHeight,
    sessionEndBlockHeight: header.sessionEndBlockHeight,
  })
}

/** An unsigned `RelayRequest`; sign it with {@link signRelayRequest}. */
export function buildRelayRequest({
  sessionHeader,
  supplierOperatorAddress,
  payload,
}: BuildRelayRequestParameters): RelayRequest {
  return create(RelayRequestSchema, {
    meta: { sessionHeader: toSessionHeader(sessionHeader), supplierOperatorAddress },
    payload: payload instanceof Uint8Array ? payload : serializePoktHttpRequest(payload),
  })
}

/**
 * What the ring signature signs: SHA-256 of the request's canonical bytes with the signature
 * emptied (`RelayRequest.GetSignableBytesHash`). It covers the session header, the supplier
 * address and the payload.
 */
export function getRelayRequestSignableBytesHash(request: RelayRequest): Uint8Array {
  return sha256(marshal(RelayRequestSchema, withRequestSignature(request, new Uint8Array())))
}

export interface SignRelayRequestParameters {
  /**
   * The application's key, or the key of a gateway the application delegates to; a
   * `RingSigner` (from `createRingSigner`) reuses its precomputation across relays.
   */
  signer: Uint8Array | RingSigner
  /**
   * The application's ring at the session end height, as compressed public keys in ring
   * order (`getRingAddresses` + `resolveRingPublicKeys` from `@decai/crypto`).
   */
  ring: readonly Uint8Array[]
}

/**
 * Returns a copy of `request` carrying a ring signature over its signable bytes (its session
 * header and payload are shared with `request`, not copied).
 */
export function signRelayRequest(
  request: RelayRequest,
  { signer, ring }: SignRelayRequestParameters,
): RelayRequest {
  const hash = getRelayRequestSignableBytesHash(request)
  let signature: Uint8Array
  try {
    // A bare key signs once, without the table a kept signer builds for its later signatures.
    const ringSignature =
      signer instanceof Uint8Array ? ringSign(hash, ring, signer) : signer.sign(hash, ring)
    signature = serializeRingSignature(ringSignature)
  } catch (cause) {
    throw new SessionError('RELAY_SIGNING_FAILED', 'Cannot ring-sign the relay request.', {
      cause,
    })
  }
  return withRequestSignature(request, signature)
}

/**
 * `request` with another signature: a new message and metadata, sharing the rest (session
 * header, payload) with `request` rather than copying it, since neither is changed here and a
 * deep copy of every relay was a measurable part of the relay path.
 */
function withRequestSignature(request: RelayRequest, signature: Uint8Array): RelayRequest {
  return {
    ...request,
    meta: { ...(request.meta ?? create(RelayRequestMetadataSchema)), signature },
  }
}

/** The request's wire bytes (the body of the HTTP POST to the supplier). */
export function serializeRelayRequest(request: RelayRequest): Uint8Array {
  return marshal(RelayRequestSchema, request)
}

/** Decodes a relay request; throws `RELAY_REQUEST_MALFORMED` on bytes that are not one. */
export function parseRelayRequest(bytes: Uint8Array): RelayRequest {
  try {
    return unmarshal(RelayRequestSchema, bytes)
  } catch (cause) {
    throw new SessionError('RELAY_REQUEST_MALFORMED', 'Bytes are not a relay request.', {
      cause,
    })
  }
}
