// The inference routes answer on Node's server without hono; their CORS headers must be the app
// kit's middleware's, for every kind of configuration and origin.
import { createCorsHeaders, createCorsMiddleware } from '@decai/app-kit/cors'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS } from '../src/app.js'

/** The CORS headers hono's app, with the app kit's middleware, puts on a JSON answer. */
async function viaMiddleware(allowedOrigins: string[], origin: string | undefined) {
  const app = new Hono()
  app.use(
    '/v1/*',
    createCorsMiddleware({
      allowedOrigins,
      allowHeaders: CORS_ALLOW_HEADERS,
      exposeHeaders: CORS_EXPOSE_HEADERS,
    }),
  )
  app.post('/v1/chat/completions', () =>
    Response.json({ ok: true }, { headers: { 'x-decai-supplier': 'pokt1x' } }),
  )
  const response = await app.request('/v1/chat/completions', {
    method: 'POST',
    headers: origin === undefined ? {} : { origin },
  })
  const out: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (name.startsWith('access-control-') || name === 'vary') out[name] = value
  })
  return out
}

describe('CORS headers without hono', () => {
  const configs = [[], ['*'], ['https://app.example'], ['https://a.example', 'https://b.example']]
  const origins = [undefined, 'https://app.example', 'https://b.example', 'https://evil.example']

  it('are the middleware’s, for every configuration and origin', async () => {
    for (const allowedOrigins of configs) {
      const headers = createCorsHeaders({ allowedOrigins, exposeHeaders: CORS_EXPOSE_HEADERS })
      for (const origin of origins)
        expect([allowedOrigins, origin, headers(origin)]).toEqual([
          allowedOrigins,
          origin,
          await viaMiddleware(allowedOrigins, origin),
        ])
    }
  })
})
