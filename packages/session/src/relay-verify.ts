import {
  deserializeRingSignature,
  isAddress,
  ringVerify,
  verifyRingMembership,
} from '@decai/crypto'
import type { RelayRequest, SessionHeader } from '@decai/protocol'
import { SessionError, type SessionErrorCode } from './errors.js'
import type { SessionHeaderFields } from './hydrate-session.js'
import type { SessionWindowParams } from './params.js'
import { getRelayRequestSignableBytesHash, parseRelayRequest } from './relay-request.js'
import { isSameSessionHeader } from './relay-response.js'
import { isValidServiceId } from './service-id.js'
import { getClaimWindowOpenHeight, isGracePeriodElapsed } from './session-grid.js'

type MaybePromise<T> = T | Promise<T>

/** The on-chain session a supplier checks a request against. */
export interface SessionForVerification {
  header: SessionHeaderFields
  /** Operator addresses of the session's suppliers. */
  supplierOperatorAddresses: readonly string[]
}

/** What a supplier knows when it receives a relay request (usually backed by caches). */
export interface VerifyRelayRequestContext {
  /** The latest block height. */
  currentHeight: bigint
  /** The service this endpoint serves. */
  serviceId: string
  /** Operator addresses this relay miner holds keys for. */
  supplierOperatorAddresses: readonly string[]
  /** Shared params in force at a height (the request's session end height is asked for). */
  getSharedParams(height: bigint): MaybePromise<SessionWindowParams>
  /** The application's ring at the session end height, as compressed public keys. */
  getRingPublicKeys(parameters: {
    applicationAddress: string
    sessionEndHeight: bigint
  }): MaybePromise<readonly Uint8Array[]>
  /** The chain's session for the application and service at a height (`GetSession`). */
  getSession(parameters: {
    applicationAddress: string
    serviceId: string
    height: bigint
  }): MaybePromise<SessionForVerification>
}

export type RelayRequestVerification =
  | {
      ok: true
      request: RelayRequest
      /** The height the session was resolved at (the session end during the grace period). */
      sessionHeight: bigint
      session: SessionForVerification
    }
  | { ok: false; error: SessionError }

const fail = (code: SessionErrorCode, shortMessage: string, details?: string, cause?: unknown) => ({
  ok: false as const,
  error: new SessionError(code, shortMessage, {
    ...(details === undefined ? {} : { details }),
    ...(cause === undefined ? {} : { cause }),
  }),
})

/**
 * `SessionHeader.ValidateBasic` and the rest of `RelayRequest.ValidateBasic`, each failure
 * with its own code; `undefined` when the request is well formed.
 */
export function checkRelayRequestWellFormed(
  request: RelayRequest,
): { ok: false; error: SessionError } | undefined {
  const header = request.meta?.sessionHeader
  if (header === undefined)
    return fail('RELAY_REQUEST_MISSING_SESSION_HEADER', 'The request has no session header.')
  if (!isAddress(header.applicationAddress, 'pokt'))
    return fail(
      'RELAY_REQUEST_INVALID_APPLICATION_ADDRESS',
      'The application address is not a pokt address.',
      header.applicationAddress,
    )
  if (header.sessionId.length === 0)
    return fail('RELAY_REQUEST_INVALID_SESSION_ID', 'The session ID is empty.')
  if (!isValidServiceId(header.serviceId))
    return fail('RELAY_REQUEST_INVALID_SERVICE_ID', 'Invalid service ID.', header.serviceId)
  if (
    header.sessionStartBlockHeight <= 0n ||
    header.sessionEndBlockHeight <= header.sessionStartBlockHeight
  )
    return fail(
      'RELAY_REQUEST_INVALID_SESSION_HEIGHTS',
      'Invalid session heights.',
      `start ${header.sessionStartBlockHeight}, end ${header.sessionEndBlockHeight}`,
    )
  if ((request.meta?.signature.length ?? 0) === 0)
    return fail('RELAY_REQUEST_MISSING_SIGNATURE', 'The request is not signed.')
  if ((request.meta?.supplierOperatorAddress ?? '') === '')
    return fail('RELAY_REQUEST_MISSING_SUPPLIER', 'The request names no supplier.')
  return undefined
}

/**
 * Verifies a relay request as a supplier must before serving it, in the relay miner's order:
 * well formed; its session not past the grace period; the ring signature by the application's
 * ring at the session end; the session header equal to the chain's session at the resolved
 * height; the named supplier one of ours and in that session. Never throws on bad input.
 */
export async function verifyRelayRequest(
  request: RelayRequest | Uint8Array,
  context: VerifyRelayRequestContext,
): Promise<RelayRequestVerification> {
  let req: RelayRequest
  try {
    req = request instanceof Uint8Array ? parseRelayRequest(request) : request
  } catch (e) {
    return { ok: false, error: e as SessionError }
  }
  const malformed = checkRelayRequestWellFormed(req)
  if (malformed) return malformed
  const meta = req.meta!
  const header = meta.sessionHeader as SessionHeader

  // A session that has ended is served until its grace period is over, at its end height.
  let params: SessionWindowParams
  try {
    params = await context.getSharedParams(header.sessionEndBlockHeight)
  } catch (cause) {
    return fail('RELAY_SESSION_UNAVAILABLE', 'Shared params are unavailable.', undefined, cause)
  }
  let sessionHeight = context.currentHeight
  if (header.sessionEndBlockHeight < context.currentHeight) {
    if (isGracePeriodElapsed(params, header.sessionEndBlockHeight, context.currentHeight))
      return fail(
        'RELAY_SESSION_EXPIRED',
        'The session is over.',
        `session end ${header.sessionEndBlockHeight}, current height ${context.currentHeight}`,
      )
    sessionHeight = header.sessionEndBlockHeight
  }

  const signatureFailure = await checkRingSignature(req, header, context)
  if (signatureFailure) return signatureFailure

  let session: SessionForVerification
  try {
    session = await context.getSession({
      applicationAddress: header.applicationAddress,
      serviceId: context.serviceId,
      height: sessionHeight,
    })
  } catch (cause) {
    return fail('RELAY_SESSION_UNAVAILABLE', 'The session is unavailable.', undefined, cause)
  }
  if (session.header.sessionId !== header.sessionId)
    return fail(
      'RELAY_SESSION_ID_MISMATCH',
      'The request is not for the current session.',
      `expected ${session.header.sessionId}, got ${header.sessionId}`,
    )
  // A matching ID does not vouch for the other fields; the chain compares them all at proof
  // time and slashes the supplier for a relay whose header differs.
  if (!isSameSessionHeader(session.header, header))
    return fail('RELAY_SESSION_HEADER_MISMATCH', 'The session header differs from the chain.')
  if (!context.supplierOperatorAddresses.includes(meta.supplierOperatorAddress))
    return fail(
      'RELAY_UNKNOWN_SUPPLIER',
      'The request is for a supplier this relay miner does not serve.',
      meta.supplierOperatorAddress,
    )
  if (!session.supplierOperatorAddresses.includes(meta.supplierOperatorAddress))
    return fail(
      'RELAY_SUPPLIER_NOT_IN_SESSION',
      'The supplier is not in the session.',
      meta.supplierOperatorAddress,
    )
  return { ok: true, request: req, sessionHeight, session }
}

async function checkRingSignature(
  req: RelayRequest,
  header: SessionHeader,
  context: VerifyRelayRequestContext,
): Promise<{ ok: false; error: SessionError } | undefined> {
  const signature = req.meta!.signature
  try {
    deserializeRingSignature(signature)
  } catch (cause) {
    return fail(
      'RELAY_SIGNATURE_MALFORMED',
      'The signature is not a ring signature.',
      undefined,
      cause,
    )
  }
  let ring: readonly Uint8Array[]
  try {
    ring = await context.getRingPublicKeys({
      applicationAddress: header.applicationAddress,
      sessionEndHeight: header.sessionEndBlockHeight,
    })
  } catch (cause) {
    return fail('RELAY_RING_UNAVAILABLE', 'The application ring is unavailable.', undefined, cause)
  }
  if (!verifyRingMembership(signature, ring))
    return fail(
      'RELAY_RING_MISMATCH',
      "The signature's ring is not the application's ring.",
      header.applicationAddress,
    )
  if (!ringVerify(signature, getRelayRequestSignableBytesHash(req)))
    return fail('RELAY_SIGNATURE_INVALID', 'The ring signature does not verify.')
  return undefined
}

/**
 * Whether serving the relay can still earn rewards (`CheckRelayRewardEligibility`): the
 * claim window of its session must not have opened. `params` are the shared params at the
 * session end height. Returns the failure, or `undefined` when eligible.
 */
export function checkRelayRewardEligibility(
  request: RelayRequest,
  currentHeight: bigint,
  params: SessionWindowParams,
): SessionError | undefined {
  const end = request.meta?.sessionHeader?.sessionEndBlockHeight ?? 0n
  const claimOpen = getClaimWindowOpenHeight(params, end)
  if (currentHeight >= claimOpen)
    return new SessionError('RELAY_NOT_REWARD_ELIGIBLE', 'The claim window has opened.', {
      details: `claim window opens at ${claimOpen}, current height ${currentHeight}`,
    })
  return undefined
}
