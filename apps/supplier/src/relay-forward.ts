import { MAX_JSON_DEPTH } from '@decai/app-kit/json'
import { describeError } from '@decai/core'
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
import { asSupplierError, fail, reject } from './relay-reply.js'

// Forwarding an admitted relay to the service's backend, under the service's timeouts, up to
// the backend's response headers. Its body is read by whoever answers the client.

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

/** Sends the relay's HTTP request to the backend; answers the failure if it cannot. */
export async function forwardRelay(relay: AdmittedRelay): Promise<RelayInFlight | Response> {
  const { ctx, request, serviceId, service } = relay
  let backendRequest: ReturnType<typeof buildBackendRequest>
  try {
    backendRequest = buildBackendRequest(
      parsePoktHttpRequest(request.payload),
      service.config,
      service.config.forwardPocketHeaders ? getPocketHeaders(request.meta!) : undefined,
    )
  } catch (error) {
    relay.release()
    return reject(ctx, {
      kind: 'internal',
      reason: 'INVALID_HTTP_PAYLOAD',
      details: `failed to build the service backend request: ${describeError(error)}`,
      request,
      serviceId,
    })
  }
  const metered = prepareMeteredRequest(backendRequest.clientPath, backendRequest.body)
  if (metered.tooDeep) {
    relay.release()
    // Refused as the request's own fault (a gateway does not try another supplier with it).
    return reject(ctx, {
      kind: 'serviceInvalidRelayRequest',
      reason: 'JSON_TOO_DEEP',
      details: `the request's JSON nests deeper than ${MAX_JSON_DEPTH} levels`,
      request,
      serviceId,
    })
  }
  backendRequest.body = metered.body

  const abort = new AbortController()
  const { deadline, headersDeadline } = armDeadlines(abort, serviceId, service.config)
  const backendStarted = performance.now()
  let backend: BackendResponse
  try {
    backend = await sendBackendRequest(backendRequest, {
      agent: service.agent,
      signal: abort.signal,
    })
  } catch (error) {
    clearTimeout(deadline)
    clearTimeout(headersDeadline)
    relay.release()
    return fail(ctx, asSupplierError(error), request, serviceId)
  } finally {
    clearTimeout(headersDeadline)
  }
  ctx.metrics.backendHeaders.observe({ service: serviceId }, backend.headersMs / 1000)
  return {
    ...relay,
    backendStarted,
    backend,
    abort,
    deadline,
    dropUsageOnlyEvents: metered.injectedUsage,
  }
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
