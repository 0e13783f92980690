import { describeError } from '@decai/core'
import type { RelayRequest } from '@decai/protocol'
import { isSupplierError, SupplierError } from './errors.js'
import {
  createRelayMinerError,
  type RelayMinerErrorKind,
  serializeRelayErrorResponse,
} from './relay-errors.js'
import type { RelayServerContext } from './relay-server.js'

// The two unsigned answers a relay can end in, both poktroll's `RelayResponse` with
// `relay_miner_error`: a rejection (the request is refused before the backend sees it) and a
// failure (the supplier could not serve a request it accepted). They differ in metric and log.

export const octetStream = { 'content-type': 'application/octet-stream' }

// Response bodies are plain ArrayBuffer-backed bytes; the DOM typings want it said.
export const asBody = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>

/**
 * A whole answer to a relay: on poktroll's wire always HTTP 200, `application/octet-stream`,
 * these bytes (a serialized `RelayResponse`). Kept as bytes until written, so that Node's server
 * can send them in one write without a web `Response` (relay-http.ts).
 */
export class RelayBytes {
  constructor(readonly bytes: Uint8Array) {}

  /** The answer as a web `Response`, for the hono app. */
  toResponse(): Response {
    return new Response(asBody(this.bytes), { status: 200, headers: octetStream })
  }
}

type ReplyContext = Pick<RelayServerContext, 'metrics' | 'logger'>

/** Why a relay is refused. */
export type Rejection = {
  kind: RelayMinerErrorKind
  /** The metric label and log field (a session error code, or the supplier's own). */
  reason: string
  /** Context for the error message and the log. */
  details?: string | undefined
  /** The request, once it parsed: the answer then carries its session header. */
  request?: RelayRequest | undefined
  /** `unknown` until the request names a service. */
  serviceId?: string | undefined
}

/** Refuses a relay: counted in `relaysRejected`, logged at debug. */
export function reject(ctx: ReplyContext, rejection: Rejection): RelayBytes {
  const { kind, reason, details, request, serviceId = 'unknown' } = rejection
  ctx.metrics.relaysRejected.inc({ service: serviceId, reason })
  ctx.logger.debug('relay rejected', { reason, service: serviceId, details })
  return new RelayBytes(serializeRelayErrorResponse(createRelayMinerError(kind, details), request))
}

/**
 * Logs a failed relay: at warn, except a client that left, which is routine (a gateway drops the
 * losing hedge, a user closes the page) and goes to debug; `relaysFailed` still counts it.
 */
export function logRelayFailure(
  ctx: Pick<ReplyContext, 'logger'>,
  message: string,
  fields: { reason: string; service: string; error: SupplierError },
): void {
  if (fields.error.code === 'CLIENT_GONE') ctx.logger.debug(`${message}: the client left`, fields)
  else ctx.logger.warn(message, fields)
}

/** Fails an accepted relay: counted in `relaysFailed`, logged at warn (see logRelayFailure). */
export function fail(
  ctx: ReplyContext,
  error: SupplierError,
  request: RelayRequest,
  serviceId: string,
): RelayBytes {
  const [kind, reason] = failureOf(error)
  ctx.metrics.relaysFailed.inc({ service: serviceId, reason })
  logRelayFailure(ctx, 'relay failed', { reason, service: serviceId, error })
  return new RelayBytes(
    serializeRelayErrorResponse(createRelayMinerError(kind, describeError(error)), request),
  )
}

/** The relay-miner error kind and the metric reason of a failure. */
export function failureOf(error: SupplierError): [RelayMinerErrorKind, string] {
  switch (error.code) {
    case 'BACKEND_TIMEOUT':
      return ['timeout', 'backend_timeout']
    case 'BACKEND_UNREACHABLE':
      return ['internal', 'backend_unreachable']
    case 'BACKEND_RESPONSE_TOO_LARGE':
      return ['responseLimitExceeded', 'response_too_large']
    case 'CLIENT_GONE':
      return ['internal', 'client_gone']
    case 'STORE_FAILED':
      return ['internal', 'store_failed']
    default:
      return ['internal', 'backend_failed']
  }
}

export function asSupplierError(error: unknown): SupplierError {
  if (isSupplierError(error)) return error
  return new SupplierError('BACKEND_FAILED', 'The relay failed.', {
    cause: error,
  })
}

/** The error for an answer past the service's `maxResponseBytes`. */
export function tooLarge(maxResponseBytes: number): SupplierError {
  return new SupplierError('BACKEND_RESPONSE_TOO_LARGE', 'The backend answer is too large.', {
    details: `more than ${maxResponseBytes} bytes`,
  })
}
