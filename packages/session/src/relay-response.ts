import { equalBytes } from '@decai/core'
import {
  bytesToHex,
  pubkeyToAddress,
  signSupplierPayload,
  verifySupplierSignature,
} from '@decai/crypto'
import {
  create,
  marshal,
  type POKTHTTPResponse,
  type Relay,
  type RelayRequest,
  type RelayResponse,
  RelayResponseMetadataSchema,
  RelayResponseSchema,
  RelaySchema,
  type SessionHeader,
  unmarshal,
} from '@decai/protocol'
import { sha256 } from '@noble/hashes/sha2.js'
import { SessionError, type SessionErrorCode } from './errors.js'
import { serializePoktHttpResponse } from './http.js'
import type { SessionHeaderFields } from './hydrate-session.js'
import { toSessionHeader } from './relay-request.js'

export interface BuildRelayResponseParameters {
  /** The request's session header, copied into the response. */
  sessionHeader: SessionHeaderFields
  /** The service's answer: a `POKTHTTPResponse` (see `createPoktHttpResponse`) or its bytes. */
  payload: POKTHTTPResponse | Uint8Array
}

/**
 * An unsigned `RelayResponse` with `payload_hash = SHA-256(payload)` set, as relay miners
 * build it since v0.1.25; sign it with {@link signRelayResponse}.
 */
export function buildRelayResponse({
  sessionHeader,
  payload,
}: BuildRelayResponseParameters): RelayResponse {
  const bytes = payload instanceof Uint8Array ? payload : serializePoktHttpResponse(payload)
  // UpdatePayloadHash refuses an empty payload; so does the relay miner.
  if (bytes.length === 0)
    throw new SessionError('RELAY_SIGNING_FAILED', 'A relay response payload cannot be empty.')
  return create(RelayResponseSchema, {
    meta: { sessionHeader: toSessionHeader(sessionHeader) },
    payload: bytes,
    payloadHash: sha256(bytes),
  })
}

/**
 * What the supplier signs: SHA-256 of the response's canonical bytes with the signature
 * emptied and, when a payload hash is present, the payload emptied too
 * (`RelayResponse.GetSignableBytesHash`).
 */
export function getRelayResponseSignableBytesHash(response: RelayResponse): Uint8Array {
  const unsigned = withResponseSignature(response, new Uint8Array())
  if (unsigned.payloadHash.length > 0) unsigned.payload = new Uint8Array()
  return sha256(marshal(RelayResponseSchema, unsigned))
}

/**
 * Returns a copy of `response` signed by the supplier operator key (64-byte low-S ECDSA); its
 * session header and payload are shared with `response`, not copied.
 */
export function signRelayResponse(response: RelayResponse, privateKey: Uint8Array): RelayResponse {
  let signature: Uint8Array
  try {
    signature = signSupplierPayload(getRelayResponseSignableBytesHash(response), privateKey)
  } catch (cause) {
    throw new SessionError('RELAY_SIGNING_FAILED', 'Cannot sign the relay response.', {
      cause,
    })
  }
  return withResponseSignature(response, signature)
}

/**
 * `response` with another signature: a new message and metadata sharing the rest (session
 * header, payload) with `response`, as `signRelayRequest` does.
 */
function withResponseSignature(response: RelayResponse, signature: Uint8Array): RelayResponse {
  const meta = response.meta ?? create(RelayResponseMetadataSchema)
  return { ...response, meta: { ...meta, supplierOperatorSignature: signature } }
}

/** The response's wire bytes (the HTTP response body). */
export function serializeRelayResponse(response: RelayResponse): Uint8Array {
  return marshal(RelayResponseSchema, response)
}

/** Decodes a relay response; throws `RELAY_RESPONSE_MALFORMED` on bytes that are not one. */
export function parseRelayResponse(bytes: Uint8Array): RelayResponse {
  try {
    return unmarshal(RelayResponseSchema, bytes)
  } catch (cause) {
    throw new SessionError('RELAY_RESPONSE_MALFORMED', 'Bytes are not a relay response.', {
      cause,
    })
  }
}

/**
 * The `Relay` a supplier mines: the signed request and the signed response with its payload
 * dropped (the payload hash and signature still commit to it). It shares its parts with
 * `request` and `response` rather than copying them.
 */
export function buildRelay(request: RelayRequest, response: RelayResponse): Relay {
  const res =
    response.payloadHash.length > 0 ? { ...response, payload: new Uint8Array() } : response
  return create(RelaySchema, { req: request, res })
}

/** Canonical bytes of {@link buildRelay}'s relay: the SMST value; SHA-256 of it is the key. */
export function serializeRelay(request: RelayRequest, response: RelayResponse): Uint8Array {
  return marshal(RelaySchema, buildRelay(request, response))
}

/** Field-by-field session header equality, as the relay miner and the chain compare them. */
export function isSameSessionHeader(
  a: SessionHeaderFields | SessionHeader | undefined,
  b: SessionHeaderFields | SessionHeader | undefined,
): boolean {
  if (a === undefined || b === undefined) return false
  return (
    a.applicationAddress === b.applicationAddress &&
    a.serviceId === b.serviceId &&
    a.sessionId === b.sessionId &&
    a.sessionStartBlockHeight === b.sessionStartBlockHeight &&
    a.sessionEndBlockHeight === b.sessionEndBlockHeight
  )
}

export interface VerifyRelayResponseParameters {
  /** The session header of the request this answers. */
  sessionHeader: SessionHeaderFields
  /** The supplier the request was sent to (`meta.supplier_operator_address`). */
  supplierOperatorAddress: string
  /** That supplier operator's on-chain public key (33-byte compressed). */
  supplierPublicKey: Uint8Array
  /** Reject responses without a payload hash (default true; false accepts pre-v0.1.25). */
  requirePayloadHash?: boolean
}

export type RelayResponseVerification =
  | { ok: true; response: RelayResponse }
  | { ok: false; error: SessionError }

const fail = (code: SessionErrorCode, shortMessage: string, details?: string) => ({
  ok: false as const,
  error: new SessionError(code, shortMessage, details === undefined ? {} : { details }),
})

/**
 * Verifies a relay response as an application or gateway must before using it: it answers
 * this session, it is signed by the request's supplier, and the signature covers the payload.
 * Never throws on bad input; each failure has its own code.
 */
export function verifyRelayResponse(
  response: RelayResponse | Uint8Array,
  parameters: VerifyRelayResponseParameters,
): RelayResponseVerification {
  let res: RelayResponse
  try {
    res = response instanceof Uint8Array ? parseRelayResponse(response) : response
  } catch (e) {
    return { ok: false, error: e as SessionError }
  }
  return checkResponse(res, parameters, (r) =>
    r.payloadHash.length > 0 && !equalBytes(sha256(r.payload), r.payloadHash)
      ? fail(
          'RELAY_RESPONSE_PAYLOAD_HASH_MISMATCH',
          'The payload hash is not SHA-256 of the payload.',
        )
      : undefined,
  )
}

/** The checks shared by whole responses and stream frames; `checkHash` is the payload rule. */
export function checkResponse(
  res: RelayResponse,
  {
    sessionHeader,
    supplierOperatorAddress,
    supplierPublicKey,
    requirePayloadHash = true,
  }: VerifyRelayResponseParameters,
  checkHash: (res: RelayResponse) => { ok: false; error: SessionError } | undefined,
): RelayResponseVerification {
  if (res.relayMinerError !== undefined) {
    const { codespace, code, description, message } = res.relayMinerError
    return {
      ok: false,
      error: new SessionError('RELAY_RESPONSE_MINER_ERROR', 'The relay miner returned an error.', {
        details: `${codespace}/${code}: ${message || description}`,
        relayMinerError: { codespace, code, description, message },
      }),
    }
  }
  const header = res.meta?.sessionHeader
  if (header === undefined)
    return fail('RELAY_RESPONSE_MISSING_SESSION_HEADER', 'The response has no session header.')
  if (!isSameSessionHeader(header, sessionHeader))
    return fail(
      'RELAY_RESPONSE_SESSION_HEADER_MISMATCH',
      'The response is for another session.',
      `session: ${header.sessionId}`,
    )
  const signature = res.meta?.supplierOperatorSignature ?? new Uint8Array()
  if (signature.length === 0)
    return fail('RELAY_RESPONSE_MISSING_SIGNATURE', 'The response is not signed.')
  if (res.payloadHash.length === 0 && requirePayloadHash)
    return fail('RELAY_RESPONSE_MISSING_PAYLOAD_HASH', 'The response has no payload hash.')
  const hashFailure = checkHash(res)
  if (hashFailure) return hashFailure
  if (!isKeyOf(supplierPublicKey, supplierOperatorAddress))
    return fail(
      'RELAY_RESPONSE_SUPPLIER_KEY_MISMATCH',
      'The public key is not the supplier operator key.',
      `supplier: ${supplierOperatorAddress}`,
    )
  let valid = false
  try {
    valid = verifySupplierSignature(
      signature,
      getRelayResponseSignableBytesHash(res),
      supplierPublicKey,
    )
  } catch {
    valid = false
  }
  if (!valid)
    return fail('RELAY_RESPONSE_SIGNATURE_INVALID', 'The supplier signature does not verify.')
  return { ok: true, response: res }
}

// Every response and every stream frame is checked against the same few supplier keys, and
// deriving an address decompresses the key (a field square root, ~0.1 ms in pure TypeScript):
// so addresses are remembered per key's bytes. Bounded: a relayer talks to a session's suppliers.
const MAX_KNOWN_ADDRESSES = 1024
const knownAddresses = new Map<string, string>()

function isKeyOf(publicKey: Uint8Array, address: string): boolean {
  const key = bytesToHex(publicKey)
  let derived = knownAddresses.get(key)
  if (derived === undefined) {
    try {
      derived = pubkeyToAddress(publicKey)
    } catch {
      return false
    }
    if (knownAddresses.size >= MAX_KNOWN_ADDRESSES) knownAddresses.clear()
    knownAddresses.set(key, derived)
  }
  return derived === address
}
