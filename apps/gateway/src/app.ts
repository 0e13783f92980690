import { createCorsMiddleware } from '@decai/app-kit/cors'
import { Hono } from 'hono'
import { GatewayError, toErrorResponse } from './errors.js'
import { createAdminApp } from './routes/admin.js'
import { type GatewayAppDependencies, guarded } from './routes/context.js'
import { handleInference, inferenceRoutes } from './routes/inference.js'
import { handleGetModel, handleHealth, handleListModels } from './routes/models.js'

// The HTTP surface: OpenAI's `/v1` routes, `/healthz`, `/metrics` and the token-protected
// `/admin` API. Every failure is an OpenAI-shaped error: status, `error.type`, `error.code`,
// `error.message`. The handlers live in `routes/`, each taking the dependencies explicitly.

/** Request headers a browser page may send: the OpenAI clients' own, besides the key and body type. */
export const CORS_ALLOW_HEADERS = [
  'Authorization',
  'Content-Type',
  'OpenAI-Organization',
  'OpenAI-Project',
  'OpenAI-Beta',
  'X-Stainless-Arch',
  'X-Stainless-Lang',
  'X-Stainless-OS',
  'X-Stainless-Package-Version',
  'X-Stainless-Retry-Count',
  'X-Stainless-Runtime',
  'X-Stainless-Runtime-Version',
  'X-Stainless-Timeout',
  'X-Stainless-Helper-Method',
] as const

/** Response headers a browser page may read (content type and length are always readable). */
export const CORS_EXPOSE_HEADERS = [
  'Retry-After',
  'X-Request-Id',
  'X-Decai-Supplier',
  'X-Decai-Overhead-Duration-Ms',
] as const

/** The gateway's hono app. */
export function createGatewayApp(deps: GatewayAppDependencies): Hono {
  const app = new Hono()
  app.onError((error, c) => {
    deps.logger.error('unhandled error', { error, path: c.req.path })
    return toErrorResponse(error)
  })
  app.notFound(() => toErrorResponse(new GatewayError('NOT_FOUND', 'Unknown route.')))
  // Browsers call the OpenAI surface only; `/admin` and `/metrics` stay same-origin.
  app.use(
    '/v1/*',
    createCorsMiddleware({
      allowedOrigins: deps.config.cors.allowedOrigins,
      allowHeaders: CORS_ALLOW_HEADERS,
      exposeHeaders: CORS_EXPOSE_HEADERS,
      maxAgeSeconds: deps.config.cors.maxAgeSeconds,
    }),
  )

  app.get('/healthz', (c) => handleHealth(deps, c))
  app.get('/metrics', () => deps.metrics.respond())
  app.get(
    '/v1/models',
    guarded((c) => handleListModels(deps, c)),
  )
  app.get(
    '/v1/models/:id{.+}',
    guarded((c) => handleGetModel(deps, c)),
  )
  for (const route of inferenceRoutes) {
    app.post(route.path, (c) => handleInference(deps, c, route.endpoint, route.path))
    app.all(route.path, () =>
      toErrorResponse(new GatewayError('METHOD_NOT_ALLOWED', `Use POST on ${route.path}.`)),
    )
  }
  app.route('/admin', createAdminApp(deps))
  return app
}
