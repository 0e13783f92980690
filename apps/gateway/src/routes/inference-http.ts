import type { IncomingMessage, ServerResponse } from 'node:http'
import { createCorsHeaders } from '@decai/app-kit/cors'
import { type DirectRoute, drainAfter, readIncomingBody } from '@decai/app-kit/node-http'
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

/** Serves the inference routes (a step ahead of the hono app, see `serveAhead`). */
export function createInferenceListener(deps: GatewayAppDependencies): DirectRoute {
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
    readBody: async (max) => {
      const body = await readIncomingBody(req, max, () => left.abort())
      if (body === undefined) throw bodyTooLarge(max)
      return body
    },
    signal: left.signal,
  }
}
