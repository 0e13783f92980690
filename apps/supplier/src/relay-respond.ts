import {
  buildRelayResponse,
  createPoktHttpResponse,
  serializeRelay,
  serializeRelayResponse,
  signRelayResponse,
} from '@decai/session'
import { SupplierError } from './errors.js'
import { createSseMeter, readJsonUsage, type TokenUsage } from './metering.js'
import type { RelayInFlight } from './relay-forward.js'
import { concatAll } from './relay-intake.js'
import { type MineOutcome, mineAnswer, record } from './relay-mine.js'
import { asSupplierError, fail, RelayBytes, tooLarge } from './relay-reply.js'

// The base protocol: read the whole backend answer, sign it into one `RelayResponse`, mine the
// relay, and only then answer the client.

const hopByHopResponse = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer'])

/** The response head and body as the relay carries them (`POKTHTTPResponse`). */
export function toPoktHttpResponse(status: number, headers: [string, string][], body?: Uint8Array) {
  return createPoktHttpResponse({
    status,
    headers: headers.filter(([name]) => !hopByHopResponse.has(name.toLowerCase())),
    ...(body === undefined ? {} : { body }),
  })
}

/** A backend answer read in full, SSE usage-only events dropped when the supplier added them. */
export type BufferedAnswer = {
  body: Uint8Array
  headers: [string, string][]
  usage: TokenUsage | undefined
  sawErrorEvent: boolean
  backendEnded: number
}

/** Answers with one signed `RelayResponse` once the relay is mined. */
export async function bufferRelay(relay: RelayInFlight, isSse: boolean): Promise<RelayBytes> {
  const { ctx, request, serviceId } = relay
  const answer = await readAnswer(relay, isSse)
  if (answer instanceof RelayBytes) return answer
  let response: ReturnType<typeof signRelayResponse>
  try {
    response = signAnswer(relay, answer)
  } catch (error) {
    relay.release()
    return fail(ctx, asSupplierError(error), request, serviceId)
  }
  let outcome: MineOutcome
  try {
    // Durable before the client gets a byte: every answered relay is acknowledged.
    outcome = await mineAnswer(relay, answer.sawErrorEvent, {
      relay: () => serializeRelay(request, response),
      answerHash: () => response.payloadHash,
      usage: answer.usage,
    })
  } catch (cause) {
    relay.release()
    ctx.metrics.errors.inc({ component: 'store' })
    const error = new SupplierError('STORE_FAILED', 'Cannot record the relay.', { cause })
    return fail(ctx, error, request, serviceId)
  }
  record(ctx, relay, outcome, answer.usage, 'buffered', answer.backendEnded)
  ctx.metrics.timeToFirstByte.observe(
    { service: serviceId },
    (performance.now() - relay.started) / 1000,
  )
  return new RelayBytes(serializeRelayResponse(response))
}

/** Reads the backend body up to the service's limit; answers the failure if it cannot. */
export async function readAnswer(
  relay: RelayInFlight,
  isSse: boolean,
): Promise<BufferedAnswer | RelayBytes> {
  const { backend, service } = relay
  const { maxResponseBytes } = service.config
  const sse = isSse ? createSseMeter({ dropUsageOnlyEvents: relay.dropUsageOnlyEvents }) : undefined
  const chunks: Uint8Array[] = []
  let received = 0
  try {
    for await (const chunk of backend.body) {
      received += chunk.length
      if (received > maxResponseBytes) {
        const error = tooLarge(maxResponseBytes)
        relay.abort.abort(error)
        throw error
      }
      chunks.push(sse ? sse.push(chunk) : chunk)
    }
    if (sse) chunks.push(sse.flush())
  } catch (error) {
    relay.release()
    return fail(relay.ctx, asSupplierError(error), relay.request, relay.serviceId)
  } finally {
    clearTimeout(relay.deadline)
  }
  const backendEnded = performance.now()
  const body = concatAll(chunks)
  // Events were dropped: the backend's length no longer holds.
  const modified = sse !== undefined && body.length !== received
  const headers = modified
    ? backend.headers.filter(([n]) => n.toLowerCase() !== 'content-length')
    : backend.headers
  const usage = sse ? sse.usage : readJsonUsage(body)
  return { body, headers, usage, sawErrorEvent: sse?.sawError ?? false, backendEnded }
}

/** The signed `RelayResponse` carrying the answer. */
export function signAnswer(
  relay: Pick<RelayInFlight, 'ctx' | 'header' | 'backend'>,
  answer: Pick<BufferedAnswer, 'headers' | 'body'>,
) {
  return signRelayResponse(
    buildRelayResponse({
      sessionHeader: relay.header,
      payload: toPoktHttpResponse(relay.backend.status, answer.headers, answer.body),
    }),
    relay.ctx.privateKey,
  )
}
