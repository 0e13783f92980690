import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createCorsHeaders } from '@decai/app-kit/cors'
import { type DirectRoute, drainAfter, readIncomingBody } from '@decai/app-kit/node-http'
import { RELAY_STREAM_HEADER } from '@decai/session'
import { RelayBytes } from './relay-reply.js'
import {
  getMaxRequestBytes,
  type RelayServerContext,
  rejectInternal,
  rejectTooLarge,
  serveRelayBody,
} from './relay-server.js'

// The relay endpoint's whole answers straight on Node's HTTP server, ahead of the hono app: the
// same steps (`serveRelayBody`), the same CORS headers and error answers, without an undici
// `Request` to read the body, hono's routing and a web `Response` per relay. On poktroll's wire
// a whole answer is always HTTP 200, `application/octet-stream` and the bytes of a
// `RelayResponse`: it goes out in one socket write with its head and its length. A relay that
// asks for a signed stream (the stream header), preflights and the GET routes go on to the hono
// app, which answers every POST as a relay too.

const streamHeader = RELAY_STREAM_HEADER.toLowerCase()

/** Serves the relays that want a whole answer (a step ahead of the hono app, see `serveAhead`). */
export function createRelayListener(ctx: RelayServerContext): DirectRoute {
  const maxRequestBytes = getMaxRequestBytes(ctx)
  // The same rule as the hono app's CORS middleware; a relay's answer exposes no header.
  const corsHeaders = createCorsHeaders({
    allowedOrigins: ctx.cors?.allowedOrigins ?? [],
    exposeHeaders: [],
  })
  return (req, res) => {
    if (req.method !== 'POST' || req.headers[streamHeader] !== undefined) return false
    const cors = corsHeaders(req.headers.origin)
    ctx.inFlight.count++
    void serveIncoming(ctx, req, maxRequestBytes)
      .then(
        (answer) => {
          if (answer === undefined) return
          if (answer instanceof RelayBytes) {
            writeBytes(res, answer.bytes, cors)
            drainAfter(req, res)
          } else void writeResponse(res, answer, cors)
        },
        (error: unknown) => {
          // Answered as the hono app's `onError` does, or the connection dropped if the answer
          // had begun.
          const answer = rejectInternal(ctx, error)
          if (res.headersSent) res.destroy()
          else writeBytes(res, answer.bytes, cors)
        },
      )
      .finally(() => {
        ctx.inFlight.count--
      })
    return true
  }
}

/** The relay's answer; `undefined` when the client left mid-upload (nobody to answer). */
async function serveIncoming(
  ctx: RelayServerContext,
  req: IncomingMessage,
  maxRequestBytes: number,
): Promise<RelayBytes | Response | undefined> {
  const started = performance.now()
  let body: Uint8Array | undefined
  try {
    body = await readIncomingBody(req, maxRequestBytes)
  } catch (error) {
    // Routine (a gateway drops the losing hedge): no relay, nothing to count as failed.
    ctx.logger.debug('relay client left mid-upload', { error })
    return undefined
  }
  if (body === undefined) return rejectTooLarge(ctx)
  return serveRelayBody(ctx, body, { wantsStream: false, started })
}

/** A whole answer: its head, length and bytes in one write. */
function writeBytes(res: ServerResponse, bytes: Uint8Array, cors: Record<string, string>): void {
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': String(bytes.byteLength),
    ...cors,
  })
  res.end(bytes)
}

/** Any other answer (none today: a stream is only served through the hono app). */
async function writeResponse(
  res: ServerResponse,
  response: Response,
  cors: Record<string, string>,
): Promise<void> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  res.writeHead(response.status, { ...headers, ...cors })
  if (!response.body) {
    res.end()
    return
  }
  await pipeline(Readable.fromWeb(response.body as never), res).catch(() => res.destroy())
}
