import { describeError } from '@decai/core'
import type { RelayRequest } from '@decai/protocol'
import { checkRelayRequestWellFormed, parseRelayRequest, verifyRelayRequest } from '@decai/session'
import { getRelayMinerErrorKind } from './relay-errors.js'
import type { Rejection } from './relay-reply.js'
import type { RelayServerContext, ServedService } from './relay-server.js'
import type { VerifyResult } from './verify-pool.js'

// The first steps of a relay, before anything is spent on it: read the body, decode the
// request and check it is for this supplier and a service it serves, then verify it against
// the chain (session, ring signature).

/** The POST body, or `undefined` past `limit` bytes (read no further than that). */
export async function readRequestBody(
  request: Request,
  limit: number,
): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  if (declared > limit) return undefined
  // With a declared length the server's fast path reads the body directly.
  if (Number.isSafeInteger(declared)) {
    const body = new Uint8Array(await request.arrayBuffer())
    return body.length > limit ? undefined : body
  }
  if (!request.body) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = request.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > limit) {
      await reader.cancel().catch(() => {})
      return undefined
    }
    chunks.push(value)
  }
  return concatAll(chunks, size)
}

export function concatAll(chunks: Uint8Array[], size?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(size ?? chunks.reduce((n, c) => n + c.length, 0))
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

/** A request this supplier may serve, or why not (no chain needed to tell). */
export type DecodedRelay =
  | { ok: true; request: RelayRequest; serviceId: string; service: ServedService }
  | { ok: false; rejection: Rejection }

/** Decodes a relay and checks its shape, its supplier, its service and its size. */
export function decodeRelay(
  body: Uint8Array,
  served: Pick<RelayServerContext, 'operatorAddress' | 'services'>,
): DecodedRelay {
  let request: RelayRequest
  try {
    request = parseRelayRequest(body)
  } catch (error) {
    const details = describeError(error)
    return refuse({ kind: 'unmarshalingRelayRequest', reason: 'RELAY_REQUEST_MALFORMED', details })
  }
  const malformed = checkRelayRequestWellFormed(request)
  if (malformed) {
    const { code, message } = malformed.error
    return refuse({ kind: getRelayMinerErrorKind(code), reason: code, details: message, request })
  }
  const meta = request.meta!
  const serviceId = meta.sessionHeader!.serviceId
  // poktroll checks the supplier before anything that needs the chain.
  if (meta.supplierOperatorAddress !== served.operatorAddress)
    return refuse({
      kind: 'supplierNotReachable',
      reason: 'RELAY_UNKNOWN_SUPPLIER',
      details: `supplier ${meta.supplierOperatorAddress} is not served here`,
      request,
      serviceId,
    })
  const service = served.services.get(serviceId)
  if (!service)
    return refuse({
      kind: 'serviceEndpointNotHandled',
      reason: 'UNKNOWN_SERVICE',
      details: `service "${serviceId}" not configured`,
      request,
      serviceId,
    })
  if (body.length > service.config.maxRequestBytes)
    return refuse({ kind: 'maxBodyExceeded', reason: 'REQUEST_TOO_LARGE', request, serviceId })
  return { ok: true, request, serviceId, service }
}

const refuse = (rejection: Rejection): DecodedRelay => ({ ok: false, rejection })

/** How long inline verification waits for the overlapped backend request to be written. */
const SEND_WAIT_MS = 2

function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

/** `verifyRelayRequest` on a worker thread when there are some, else here. */
export async function verifyRelay(
  ctx: Pick<
    RelayServerContext,
    'operatorAddress' | 'chain' | 'metrics' | 'verifyPool' | 'inFlight'
  >,
  bytes: Uint8Array,
  request: RelayRequest,
  serviceId: string,
  height: bigint,
  options: { sent?: Promise<void> | undefined } = {},
): Promise<VerifyResult> {
  // Alone, a relay verifies fastest here (no thread hop); under load, the workers take it.
  const onWorker =
    ctx.inFlight.count > 1 ? ctx.verifyPool?.verify(bytes, serviceId, height) : undefined
  ctx.metrics.verifications.inc({ where: onWorker ? 'worker' : 'inline' })
  if (onWorker) return onWorker
  // A backend request started just before reaches its socket on a later tick (or once a new
  // connection is up): let it go out before this thread spends its time on the signature, so
  // the backend works meanwhile. A connection slower than that is left to finish in parallel.
  if (options.sent) await waitAtMost(options.sent, SEND_WAIT_MS)
  const result = await verifyRelayRequest(request, {
    currentHeight: height,
    serviceId,
    supplierOperatorAddresses: [ctx.operatorAddress],
    getSharedParams: ctx.chain.getSharedParams,
    getRingPublicKeys: ctx.chain.getRingPublicKeys,
    getSession: ctx.chain.getSession,
  })
  return result.ok
    ? { ok: true, sessionHeight: result.sessionHeight, session: result.session }
    : { ok: false, code: result.error.code, message: describeError(result.error) }
}

/** The rejection for a request that did not verify. */
export function toVerifyRejection(
  failed: Extract<VerifyResult, { ok: false }>,
  request: RelayRequest,
  serviceId: string,
): Rejection {
  return {
    kind: getRelayMinerErrorKind(failed.code),
    reason: failed.code,
    details: failed.message,
    request,
    serviceId,
  }
}
