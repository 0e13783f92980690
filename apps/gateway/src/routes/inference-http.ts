import type { IncomingMessage, ServerResponse } from 'node:http'
import { createCorsHeaders } from '@decai/app-kit/cors'
import { CORS_EXPOSE_HEADERS } from '../app.js'
import { sendAnswer, toErrorAnswer } from '../client-answer.js'
import type { EndpointName } from '../config.js'
import { toOpenAiError } from '../errors.js'
import type { GatewayAppDependencies } from './context.js'
import { bodyTooLarge, type InferenceInput, inferenceRoutes, runInference } from './inference.js'

// The inference routes straight on Node's HTTP server, ahead of the hono app: the same handler
// (`runInference`), the same CORS headers and error answers, without a web `Request` and
// `Response` per request (an undici `Request` with a stream body to read the JSON, an undici
// `Response` rebuilt by the CORS middleware, a web stream to carry a whole answer). A whole answer
// goes out in one socket write with its head, and a stream's head with its first events.
// Everything else (preflights, other methods, other routes) goes on to the hono app.

/** Most bytes read past the end of a refused upload before its connection is dropped. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024
const DRAIN_TIMEOUT_MS = 500

/** A request listener step: serves the inference routes and returns true, else returns false. */
export function createInferenceListener(
  deps: GatewayAppDependencies,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const routes = new Map<string, EndpointName>(inferenceRoutes.map((r) => [r.path, r.endpoint]))
  const corsHeaders = createCorsHeaders({
    allowedOrigins: deps.config.cors.allowedOrigins,
    exposeHeaders: CORS_EXPOSE_HEADERS,
  })
  return (req, res) => {
    if (req.method !== 'POST') return false
    const url = req.url ?? ''
    const query = url.indexOf('?')
    const path = query < 0 ? url : url.slice(0, query)
    const endpoint = routes.get(path)
    if (endpoint === undefined) return false
    const cors = corsHeaders(req.headers.origin)
    void runInference(deps, toInput(req, res), endpoint, path)
      .then((answer) => {
        sendAnswer(answer, res, cors)
        drainAfter(req, res)
      })
      .catch((error: unknown) => {
        // runInference answers every failure itself: this is a bug, answered 500 as the hono
        // app's `onError` does, or the connection dropped if the answer had begun.
        deps.logger.error('unhandled error', { error, path })
        if (res.headersSent) res.destroy()
        else sendAnswer(toErrorAnswer(toOpenAiError(error)), res, cors)
      })
    return true
  }
}

function toInput(req: IncomingMessage, res: ServerResponse): InferenceInput {
  const left = new AbortController()
  // The client left before the whole answer was written (what the hono adapter signals too).
  res.once('close', () => {
    if (!res.writableFinished) left.abort()
  })
  return {
    header: (name) => {
      const value = req.headers[name]
      return Array.isArray(value) ? value.join(', ') : value
    },
    readBody: (max) => readIncoming(req, max, () => left.abort()),
    signal: left.signal,
  }
}

/** The body's bytes; `BODY_TOO_LARGE` past `max` (declared or read), without reading the rest. */
function readIncoming(
  req: IncomingMessage,
  max: number,
  onClientLeft: () => void,
): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN)
  if (Number.isFinite(declared) && declared > max) return Promise.reject(bodyTooLarge(max))
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > max) {
        done()
        req.pause()
        reject(bodyTooLarge(max))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      done()
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    }
    // The upload cut short: the client left (`client left` in the log, not a failure).
    const onError = (error: Error) => {
      done()
      onClientLeft()
      reject(error)
    }
    const onClose = () => {
      done()
      if (req.readableEnded) return onEnd()
      onClientLeft()
      reject(new Error('Client connection prematurely closed.'))
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onClose)
  })
}

/**
 * After answering a request whose body was not read to its end (refused as too large), reads
 * and drops the rest, so the connection can serve the next request; past a bound, drops it.
 */
function drainAfter(req: IncomingMessage, res: ServerResponse): void {
  if (req.readableEnded || req.destroyed || !req.readableDidRead) return
  res.once('finish', () => {
    if (req.readableEnded) return
    let read = 0
    const drop = () => {
      clearTimeout(timer)
      req.socket?.destroy()
    }
    const timer = setTimeout(drop, DRAIN_TIMEOUT_MS)
    timer.unref()
    req.on('data', (chunk: Buffer) => {
      read += chunk.length
      if (read > MAX_DRAIN_BYTES) drop()
    })
    req.once('end', () => clearTimeout(timer))
    req.resume()
  })
}
