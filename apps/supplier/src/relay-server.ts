import type http from 'node:http'
import type https from 'node:https'
import { createCorsMiddleware } from '@decai/app-kit/cors'
import type { Logger } from '@decai/app-kit/logger'
import type { RelayRequest } from '@decai/protocol'
import {
  RELAY_STREAM_CONTENT_TYPE,
  RELAY_STREAM_HEADER,
  RELAY_STREAM_VERSION,
} from '@decai/session'
import { Hono } from 'hono'
import type { ChainView } from './chain-view.js'
import type { ServiceConfig } from './config.js'
import type { SupplierMetrics } from './metrics.js'
import type { QuantaLedger } from './quanta-ledger.js'
import type { RelayMeter } from './rate-limit.js'
import { admitRelay } from './relay-admission.js'
import {
  type BackendCall,
  cancelBackendCall,
  completeForward,
  type RelayInFlight,
  startBackendCall,
} from './relay-forward.js'
import { decodeRelay, readRequestBody, toVerifyRejection, verifyRelay } from './relay-intake.js'
import { asBody, type Rejection, RelayBytes, reject } from './relay-reply.js'
import { bufferRelay } from './relay-respond.js'
import { streamRelay } from './relay-stream.js'
import type { SessionStore } from './session-store.js'
import type { VerifyPool } from './verify-pool.js'

// The relay endpoint. A relay goes through named steps, each in its own file:
//
//   relay-intake     read the body, decode and check the request, verify it against the chain
//   relay-admission  reward eligibility, the rate limit by stake, the session on record
//   relay-forward    the backend request, under the service's timeouts; sent while the
//                    relay is verified, read only once it is verified and admitted
//   relay-respond    the whole answer signed into one RelayResponse (base protocol), or
//   relay-stream     signed frames as the answer streams (pokt-relay-stream/v1)
//   relay-mine       the relay into the session's durable trie, then metrics and metering
//
// Every refusal or failure is poktroll's unsigned RelayResponse (relay-reply).

export type ServedService = {
  config: ServiceConfig
  agent: http.Agent | https.Agent
}

export type RelayServerContext = {
  operatorAddress: string
  privateKey: Uint8Array
  services: Map<string, ServedService>
  chain: ChainView
  store: SessionStore
  meter: RelayMeter
  rateLimit: boolean
  metrics: SupplierMetrics
  logger: Logger
  /** Whether a session's trie is sealed for its claim (no more relays go in). */
  isSealed(sessionId: string): boolean
  /** Worker threads verifying requests; verification runs inline without. */
  verifyPool?: VerifyPool | undefined
  /** Relays in flight, for the gauge and for a graceful stop. */
  inFlight: { count: number }
  /** Recent token-metered answers, whose quanta clients may fetch; none when omitted. */
  quanta?: QuantaLedger | undefined
  /** Browser access (`@decai/sdk` in direct mode); none when omitted. */
  cors?: { allowedOrigins: readonly string[]; maxAgeSeconds: number } | undefined
}

/** The content type of `GET /quanta/<request hash>`: size-delimited quantum responses. */
export const QUANTA_CONTENT_TYPE = 'application/x-decai-quanta; version=1'

/** The relay endpoint: poktroll's wire (POST a `RelayRequest`, get a `RelayResponse`) and streams. */
export function createRelayApp(ctx: RelayServerContext): Hono {
  const app = new Hono()
  const maxRequestBytes = getMaxRequestBytes(ctx)

  // A browser relay is a POST of protobuf bytes that asks for a signed stream: both headers need
  // a preflight. The SDK reads only the content type of the answer, which is always readable.
  app.use(
    '*',
    createCorsMiddleware({
      allowedOrigins: ctx.cors?.allowedOrigins ?? [],
      allowHeaders: ['Content-Type', RELAY_STREAM_HEADER],
      ...(ctx.cors ? { maxAgeSeconds: ctx.cors.maxAgeSeconds } : {}),
    }),
  )
  app.get('/healthz', (c) => c.json({ status: 'ok', height: ctx.chain.height.toString() }))
  // The signed quanta of a token-metered answer (docs/tokenomics.md), by the SHA-256 of the
  // relay request's bytes: only who sent the request knows it.
  app.get('/quanta/:requestHash{[0-9a-fA-F]{64}}', (c) => {
    const bytes = ctx.quanta?.sign(c.req.param('requestHash'), ctx.privateKey)
    if (!bytes) return c.json({ error: 'unknown request' }, 404)
    return new Response(asBody(bytes), {
      status: 200,
      headers: { 'content-type': QUANTA_CONTENT_TYPE },
    })
  })
  // Whatever escapes (a chain read failing mid-relay, a bug) still gets poktroll's error shape.
  app.onError((error) => rejectInternal(ctx, error).toResponse())
  app.post('*', async (c) => {
    ctx.inFlight.count++
    try {
      return await serveRelay(ctx, c.req.raw, maxRequestBytes)
    } finally {
      ctx.inFlight.count--
    }
  })
  return app
}

/** The largest request any served service takes: the most of a body read before it is refused. */
export const getMaxRequestBytes = (ctx: Pick<RelayServerContext, 'services'>): number =>
  Math.max(...[...ctx.services.values()].map((s) => s.config.maxRequestBytes))

/** Whatever escaped a relay's steps (a chain read failing mid-relay, a bug), answered. */
export function rejectInternal(ctx: RelayServerContext, error: unknown): RelayBytes {
  ctx.metrics.errors.inc({ component: 'relay' })
  ctx.logger.error('relay handler failed', { error })
  return reject(ctx, { kind: 'internal', reason: 'INTERNAL_ERROR', details: String(error) })
}

/**
 * Verifies and admits a relay whose backend call is under way, then waits for the backend's
 * head; a relay refused at any step has its backend call aborted, unread.
 */
async function admitVerified(
  ctx: RelayServerContext,
  p: {
    body: Uint8Array
    request: RelayRequest
    serviceId: string
    service: ServedService
    started: number
  },
  call: BackendCall | Rejection,
): Promise<RelayInFlight | RelayBytes> {
  const { request, serviceId } = p
  const height = ctx.chain.height
  const verified = await verifyRelay(ctx, p.body, request, serviceId, height, {
    sent: 'abort' in call ? call.sent : undefined,
  })
  if (!verified.ok) {
    cancelBackendCall(call)
    return reject(ctx, toVerifyRejection(verified, request, serviceId))
  }
  // A payload that cannot be forwarded is told only to a verified sender.
  if (!('abort' in call)) return reject(ctx, call)
  const admitted = await admitRelay(ctx, {
    request,
    serviceId,
    service: p.service,
    numSuppliers: verified.session.supplierOperatorAddresses.length,
    height,
    started: p.started,
  })
  if (admitted instanceof RelayBytes) {
    cancelBackendCall(call)
    return admitted
  }
  return completeForward(admitted, call)
}

/** One relay read from a web `Request` (the hono app); the core is {@link serveRelayBody}. */
async function serveRelay(
  ctx: RelayServerContext,
  raw: Request,
  maxRequestBytes: number,
): Promise<Response> {
  const started = performance.now()
  const body = await readRequestBody(raw, maxRequestBytes)
  const answer =
    body === undefined
      ? rejectTooLarge(ctx)
      : await serveRelayBody(ctx, body, {
          wantsStream: wantsStream(raw.headers.get(RELAY_STREAM_HEADER) ?? undefined),
          started,
        })
  return answer instanceof RelayBytes ? answer.toResponse() : answer
}

/** Whether the stream header asks for signed frames (pokt-relay-stream/v1). */
export function wantsStream(header: string | undefined): boolean {
  return header?.trim().toLowerCase() === RELAY_STREAM_VERSION
}

/** The refusal of a body past the services' largest request. */
export const rejectTooLarge = (ctx: RelayServerContext): RelayBytes =>
  reject(ctx, { kind: 'maxBodyExceeded', reason: 'REQUEST_TOO_LARGE' })

/**
 * One relay from its body's bytes, step by step; each step answers the client itself when the
 * relay stops there. A whole answer is bytes; only a stream the client asked for is a `Response`.
 */
export async function serveRelayBody(
  ctx: RelayServerContext,
  body: Uint8Array,
  { wantsStream, started }: { wantsStream: boolean; started: number },
): Promise<RelayBytes | Response> {
  const decoded = decodeRelay(body, ctx)
  if (!decoded.ok) return reject(ctx, decoded.rejection)
  const { request, serviceId, service } = decoded

  // The backend starts on the request while its signature is checked (docs/supplier.md,
  // "Verification overlapped with the backend"): no byte of its answer is read, and so none
  // reaches the client or the trie, until the relay is verified and admitted.
  const call = startBackendCall(request, serviceId, service)
  let relay: RelayInFlight | RelayBytes
  try {
    relay = await admitVerified(ctx, { body, request, serviceId, service, started }, call)
  } catch (error) {
    // A chain read that failed mid-relay (answered by onError): the backend call goes too.
    cancelBackendCall(call)
    throw error
  }
  if (relay instanceof RelayBytes) return relay
  const isSse = relay.backend.contentType.toLowerCase().startsWith('text/event-stream')
  if (!(wantsStream && isSse)) return bufferRelay(relay, isSse)
  return new Response(streamRelay(relay), {
    status: 200,
    headers: {
      'content-type': RELAY_STREAM_CONTENT_TYPE,
      'cache-control': 'no-cache',
      // Without it @hono/node-server reads ahead to size the body, and holds the head frame for
      // a timer turn when the next frame is not there yet (SSE_HEADERS in @decai/app-kit/sse).
      'transfer-encoding': 'chunked',
    },
  })
}
