import type http from 'node:http'
import type https from 'node:https'
import { createCorsMiddleware } from '@decai/app-kit/cors'
import type { Logger } from '@decai/app-kit/logger'
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
import { forwardRelay } from './relay-forward.js'
import { decodeRelay, readRequestBody, toVerifyRejection, verifyRelay } from './relay-intake.js'
import { asBody, reject } from './relay-reply.js'
import { bufferRelay } from './relay-respond.js'
import { streamRelay } from './relay-stream.js'
import type { SessionStore } from './session-store.js'
import type { VerifyPool } from './verify-pool.js'

// The relay endpoint. A relay goes through named steps, each in its own file:
//
//   relay-intake     read the body, decode and check the request, verify it against the chain
//   relay-admission  reward eligibility, the rate limit by stake, the session on record
//   relay-forward    the backend request, under the service's timeouts
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
  const maxRequestBytes = Math.max(
    ...[...ctx.services.values()].map((s) => s.config.maxRequestBytes),
  )

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
  app.onError((error) => {
    ctx.metrics.errors.inc({ component: 'relay' })
    ctx.logger.error('relay handler failed', { error })
    return reject(ctx, { kind: 'internal', reason: 'INTERNAL_ERROR', details: String(error) })
  })
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

/** One relay, step by step; each step answers the client itself when the relay stops there. */
async function serveRelay(
  ctx: RelayServerContext,
  raw: Request,
  maxRequestBytes: number,
): Promise<Response> {
  const started = performance.now()
  const body = await readRequestBody(raw, maxRequestBytes)
  if (body === undefined)
    return reject(ctx, { kind: 'maxBodyExceeded', reason: 'REQUEST_TOO_LARGE' })
  const decoded = decodeRelay(body, ctx)
  if (!decoded.ok) return reject(ctx, decoded.rejection)
  const { request, serviceId, service } = decoded

  const height = ctx.chain.height
  const verified = await verifyRelay(ctx, body, request, serviceId, height)
  if (!verified.ok) return reject(ctx, toVerifyRejection(verified, request, serviceId))
  const numSuppliers = verified.session.supplierOperatorAddresses.length
  const admitted = await admitRelay(ctx, {
    request,
    serviceId,
    service,
    numSuppliers,
    height,
    started,
  })
  if (admitted instanceof Response) return admitted

  const relay = await forwardRelay(admitted)
  if (relay instanceof Response) return relay
  const isSse = relay.backend.contentType.toLowerCase().startsWith('text/event-stream')
  const wantsStream =
    raw.headers.get(RELAY_STREAM_HEADER)?.trim().toLowerCase() === RELAY_STREAM_VERSION
  if (!(wantsStream && isSse)) return bufferRelay(relay, isSse)
  return new Response(streamRelay(relay), {
    status: 200,
    headers: { 'content-type': RELAY_STREAM_CONTENT_TYPE, 'cache-control': 'no-cache' },
  })
}
