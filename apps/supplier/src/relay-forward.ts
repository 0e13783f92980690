import { MAX_JSON_DEPTH } from '@decai/app-kit/json'
import { describeError } from '@decai/core'
import type { RelayRequest } from '@decai/protocol'
import {
  type BackendResponse,
  buildBackendRequest,
  getPocketHeaders,
  parsePoktHttpRequest,
  sendBackendRequest,
} from './backend.js'
import type { ServiceConfig } from './config.js'
import { SupplierError } from './errors.js'
import { prepareMeteredRequest } from './metering.js'
import type { AdmittedRelay } from './relay-admission.js'
import { asSupplierError, fail, type Rejection, type RelayBytes, reject } from './relay-reply.js'
import type { ServedService } from './relay-server.js'

// Forwarding a relay to the service's backend, under the service's timeouts, up to the
// backend's response headers. The request goes out while the relay is still being verified
// (`startBackendCall`, before `verifyRelay` in relay-server.ts): nothing of the answer is read
// until the relay is verified and admitted (`completeForward`), and a relay that is not gets its
// backend call aborted (`cancelBackendCall`). Its body is read by whoever answers the client.

/** A relay whose backend has answered (headers in, body streaming). */
export type RelayInFlight = AdmittedRelay & {
  backendStarted: number
  backend: BackendResponse
  /** Aborts the backend request (deadline, size limit, client gone). */
  abort: AbortController
  /** The whole-answer deadline: cleared once the body is read. */
  deadline: ReturnType<typeof setTimeout>
  /** The supplier asked for usage itself: the client must not see the usage-only event. */
  dropUsageOnlyEvents: boolean
}

/** A backend request on its way, for a relay not yet verified. */
export type BackendCall = {
  abort: AbortController
  deadline: ReturnType<typeof setTimeout>
  backendStarted: number
  dropUsageOnlyEvents: boolean
  /** The backend's response head, or why there is none; never rejects. */
  response: Promise<BackendResponse | SupplierError>
  /** Resolves once the request is on its socket (or has failed): the backend can start. */
  sent: Promise<void>
}

/**
 * Builds the relay's backend request and sends it; a refusal when the payload cannot be
 * forwarded (answered only once the relay is verified, so that a forged request learns nothing
 * about its payload's fate before its signature does).
 */
export function startBackendCall(
  request: RelayRequest,
  serviceId: string,
  service: ServedService,
): BackendCall | Rejection {
  let backendRequest: ReturnType<typeof buildBackendRequest>
  try {
    backendRequest = buildBackendRequest(
      parsePoktHttpRequest(request.payload),
      service.config,
      service.config.forwardPocketHeaders ? getPocketHeaders(request.meta!) : undefined,
    )
  } catch (error) {
    return {
      kind: 'internal',
      reason: 'INVALID_HTTP_PAYLOAD',
      details: `failed to build the service backend request: ${describeError(error)}`,
      request,
      serviceId,
    }
  }
  const metered = prepareMeteredRequest(backendRequest.clientPath, backendRequest.body)
  if (metered.tooDeep)
    // Refused as the request's own fault (a gateway does not try another supplier with it).
    return {
      kind: 'serviceInvalidRelayRequest',
      reason: 'JSON_TOO_DEEP',
      details: `the request's JSON nests deeper than ${MAX_JSON_DEPTH} levels`,
      request,
      serviceId,
    }
  backendRequest.body = metered.body

  const abort = new AbortController()
  const { deadline, headersDeadline } = armDeadlines(abort, serviceId, service.config)
  let onSent = () => {}
  const sent = new Promise<void>((resolve) => {
    onSent = resolve
  })
  const response = sendBackendRequest(backendRequest, {
    agent: service.agent,
    signal: abort.signal,
    onSent,
  }).then(
    (backend) => backend,
    (error: unknown) => {
      clearTimeout(deadline)
      return asSupplierError(error)
    },
  )
  void response.finally(() => {
    clearTimeout(headersDeadline)
    onSent()
  })
  return {
    abort,
    deadline,
    backendStarted: performance.now(),
    dropUsageOnlyEvents: metered.injectedUsage,
    response,
    sent,
  }
}

/** Abandons the backend call of a relay that will not be served: nothing of it is read. */
export function cancelBackendCall(call: BackendCall | Rejection): void {
  if (!('abort' in call)) return
  clearTimeout(call.deadline)
  // Destroys the request and its socket: a response head that had arrived goes with it, unread.
  call.abort.abort(
    new SupplierError('RELAY_REFUSED', 'The relay was refused before its answer was read.'),
  )
}

/** Waits for the backend's response head of a verified, admitted relay; answers a failure. */
export async function completeForward(
  relay: AdmittedRelay,
  call: BackendCall,
): Promise<RelayInFlight | RelayBytes> {
  const { ctx, request, serviceId } = relay
  const backend = await call.response
  if (backend instanceof SupplierError) {
    relay.release()
    return fail(ctx, backend, request, serviceId)
  }
  ctx.metrics.backendHeaders.observe({ service: serviceId }, backend.headersMs / 1000)
  return {
    ...relay,
    backendStarted: call.backendStarted,
    backend,
    abort: call.abort,
    deadline: call.deadline,
    dropUsageOnlyEvents: call.dropUsageOnlyEvents,
  }
}

/** Sends the relay's HTTP request to the backend once admitted (no overlap with verification). */
export async function forwardRelay(relay: AdmittedRelay): Promise<RelayInFlight | RelayBytes> {
  const call = startBackendCall(relay.request, relay.serviceId, relay.service)
  if (!('abort' in call)) {
    relay.release()
    return reject(relay.ctx, call)
  }
  return completeForward(relay, call)
}

/** The service's timeouts as aborts: the whole answer, and (if set) its response headers. */
export function armDeadlines(
  abort: AbortController,
  serviceId: string,
  config: Pick<ServiceConfig, 'timeout' | 'headersTimeout'>,
) {
  const deadline = setTimeout(
    () =>
      abort.abort(
        new SupplierError('BACKEND_TIMEOUT', 'The backend did not answer in time.', {
          details: `service ${serviceId}, timeout ${config.timeout} ms`,
        }),
      ),
    config.timeout,
  )
  const headersDeadline =
    config.headersTimeout === undefined
      ? undefined
      : setTimeout(
          () =>
            abort.abort(
              new SupplierError(
                'BACKEND_TIMEOUT',
                'The backend sent no response headers in time.',
                { details: `service ${serviceId}, headers timeout ${config.headersTimeout} ms` },
              ),
            ),
          config.headersTimeout,
        )
  return { deadline, headersDeadline }
}
