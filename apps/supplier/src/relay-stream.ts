import { describeError } from '@decai/core'
import {
  create,
  type RelayRequest,
  RelayResponseSchema,
  RelaySchema,
  unmarshal,
} from '@decai/protocol'
import { createRelayStreamSigner, encodeRelayStreamFrame } from '@decai/session'
import { SupplierError } from './errors.js'
import { createSseMeter, type SseMeter } from './metering.js'
import { createRelayMinerError } from './relay-errors.js'
import type { RelayInFlight } from './relay-forward.js'
import { type MineOutcome, mineAnswer, record } from './relay-mine.js'
import { asSupplierError, failureOf, logRelayFailure, tooLarge } from './relay-reply.js'
import { toPoktHttpResponse } from './relay-respond.js'

// The streaming variant (`pokt-relay-stream/v1`, packages/session/docs/streaming.md): a signed
// head frame as soon as the backend's headers arrive, one signed frame per batch of whole SSE
// events as they come, and the final frame only once the relay is mined.

type StreamSigner = ReturnType<typeof createRelayStreamSigner>

/** Where frames go: the client's body, until the client cancels it. */
export type FrameSink = {
  readonly cancelled: boolean
  /** Sends a frame (dropped once cancelled). */
  send(frame: Uint8Array): void
  /** Sends the last frame and closes (nothing once cancelled). */
  end(frame: Uint8Array): void
}

/** The answer as a signed stream of frames (the body of the client's response). */
export function streamRelay(relay: RelayInFlight): ReadableStream<Uint8Array> {
  const { ctx, backend, request, serviceId } = relay
  const signer = createRelayStreamSigner({ request, privateKey: ctx.privateKey })
  const sse = createSseMeter({ dropUsageOnlyEvents: relay.dropUsageOnlyEvents })
  const headers = backend.headers.filter(([n]) => n.toLowerCase() !== 'content-length')
  const head = signer.head(toPoktHttpResponse(backend.status, headers))
  let cancelled = false
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(head)
      ctx.metrics.timeToFirstByte.observe(
        { service: serviceId },
        (performance.now() - relay.started) / 1000,
      )
      const sink: FrameSink = {
        get cancelled() {
          return cancelled
        },
        send: (frame) => {
          if (!cancelled) controller.enqueue(frame)
        },
        end: (frame) => {
          if (cancelled) return
          controller.enqueue(frame)
          controller.close()
        },
      }
      void pumpStream(relay, signer, sse, sink)
    },
    cancel() {
      cancelled = true
      relay.abort.abort(new SupplierError('CLIENT_GONE', 'The client closed the stream.'))
    },
  })
}

/** Relays the backend's events as signed frames, then mines and sends the final frame. */
export async function pumpStream(
  relay: RelayInFlight,
  signer: StreamSigner,
  sse: SseMeter,
  sink: FrameSink,
): Promise<void> {
  const { ctx, serviceId } = relay
  const failure = await relayEvents(relay, signer, sse, sink)
  clearTimeout(relay.deadline)
  if (failure) return failStream(relay, failure, sink)
  const backendEnded = performance.now()
  if (sink.cancelled) {
    relay.release()
    ctx.metrics.relaysFailed.inc({ service: serviceId, reason: 'client_gone' })
    return
  }
  const final = signer.end()
  let outcome: MineOutcome
  try {
    // Durable before the final frame: a client holding it has an acknowledged relay.
    outcome = await mineAnswer(relay, sse.sawError, {
      relay: () => signer.relay(),
      // The final frame's chain link, which commits to the whole answer.
      answerHash: () => unmarshal(RelaySchema, signer.relay()).res?.payloadHash ?? new Uint8Array(),
      usage: sse.usage,
    })
  } catch (cause) {
    relay.release()
    ctx.metrics.errors.inc({ component: 'store' })
    const error = new SupplierError('STORE_FAILED', 'Cannot record the relay.', { cause })
    ctx.metrics.relaysFailed.inc({ service: serviceId, reason: 'store_failed' })
    ctx.logger.error('cannot record a streamed relay', { error })
    sink.end(errorFrame(relay.request, error))
    return
  }
  record(ctx, relay, outcome, sse.usage, 'streamed', backendEnded)
  sink.end(final)
}

/** Reads the backend body into signed data frames; the failure, if it breaks off. */
async function relayEvents(
  relay: RelayInFlight,
  signer: StreamSigner,
  sse: SseMeter,
  sink: FrameSink,
): Promise<SupplierError | undefined> {
  const { maxResponseBytes } = relay.service.config
  let received = 0
  try {
    for await (const chunk of relay.backend.body) {
      received += chunk.length
      if (received > maxResponseBytes) {
        const error = tooLarge(maxResponseBytes)
        relay.abort.abort(error)
        throw error
      }
      const events = sse.push(chunk)
      if (events.length > 0 && !sink.cancelled) sink.send(signer.data(events))
    }
    const rest = sse.flush()
    if (rest.length > 0 && !sink.cancelled) sink.send(signer.data(rest))
    return undefined
  } catch (error) {
    return asSupplierError(error)
  }
}

function failStream(relay: RelayInFlight, failure: SupplierError, sink: FrameSink): void {
  const { ctx, serviceId } = relay
  relay.release()
  const [, reason] = failureOf(failure)
  ctx.metrics.relaysFailed.inc({ service: serviceId, reason })
  logRelayFailure(ctx, 'streamed relay failed', { reason, service: serviceId, error: failure })
  sink.end(errorFrame(relay.request, failure))
}

/** The unsigned frame that ends a broken stream: poktroll's relay-miner error. */
export function errorFrame(request: RelayRequest, error: SupplierError): Uint8Array {
  const [kind] = failureOf(error)
  return encodeRelayStreamFrame(
    create(RelayResponseSchema, {
      meta: { sessionHeader: request.meta!.sessionHeader },
      payload: new TextEncoder().encode(describeError(error)),
      relayMinerError: createRelayMinerError(kind, describeError(error)),
    }),
  )
}
