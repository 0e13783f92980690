import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'

// Cross-origin access for browser clients, on hono's `cors` middleware. The origins come from the
// app's config: none by default (a browser page may then only call the app from its own origin),
// a list of exact origins, or `*` for any (only for a local network). A preflight always answers
// 204; for an origin not on the list it carries no `Access-Control-Allow-Origin`, which is how
// the browser learns it is refused. The headers go on every answer, streamed bodies included:
// they are set on the response head before the handler runs.

/** Chromium caps `Access-Control-Max-Age` at two hours; longer values are cut to it. */
export const DEFAULT_CORS_MAX_AGE_SECONDS = 7200

export type CreateCorsMiddlewareParameters = {
  /** Exact origins (`https://app.example`), or `*` for any; empty: no cross-origin access. */
  allowedOrigins: readonly string[]
  /** Request headers a page may send (the preflight's `Access-Control-Allow-Headers`). */
  allowHeaders: readonly string[]
  /** Response headers a page may read beyond the CORS-safelisted ones. */
  exposeHeaders?: readonly string[]
  /** Methods a page may use; default GET, HEAD and POST. */
  allowMethods?: readonly string[]
  /** How long a browser may reuse a preflight answer; default {@link DEFAULT_CORS_MAX_AGE_SECONDS}. */
  maxAgeSeconds?: number
}

/**
 * Whether `text` is an allowed-origin entry: `*`, or an http(s) origin written as browsers send
 * it in the `Origin` header (scheme, host and port only; no path, no trailing slash).
 */
export function isCorsOrigin(text: string): boolean {
  if (text === '*') return true
  // No pattern matching: `https://*.example` would parse, and then never match.
  if (text.includes('*')) return false
  try {
    const url = new URL(text)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text
  } catch {
    return false
  }
}

/** The CORS middleware of an app, for `app.use(path, …)`. */
export function createCorsMiddleware(
  parameters: CreateCorsMiddlewareParameters,
): MiddlewareHandler {
  const allowed = new Set(parameters.allowedOrigins)
  const middleware = cors({
    origin: allowed.has('*') ? '*' : (origin) => (allowed.has(origin) ? origin : null),
    allowHeaders: [...parameters.allowHeaders],
    exposeHeaders: [...(parameters.exposeHeaders ?? [])],
    allowMethods: [...(parameters.allowMethods ?? ['GET', 'HEAD', 'POST'])],
    maxAge: parameters.maxAgeSeconds ?? DEFAULT_CORS_MAX_AGE_SECONDS,
  })
  if (allowed.size > 0) return middleware
  // Nothing allowed: an answer never depends on the origin, so it needs no `Vary: Origin`, and
  // only a preflight has anything to say. Adding that header to every answer made the server
  // rebuild each handler's response as a full Fetch `Response` (a relay's hot path).
  return (c, next) => (c.req.method === 'OPTIONS' ? middleware(c, next) : next())
}

// The same rule as plain headers, for a route served on Node's server without hono (the
// gateway's inference routes): the headers of an answer to an actual (not preflight) request,
// exactly as the middleware above sets them (the tests hold the two to the same output): none
// when no origin is allowed; else `Access-Control-Allow-Origin` for an allowed origin (`*` when
// any is), the exposed headers always, and `Vary: Origin` unless any origin is allowed.

export type CorsHeadersParameters = {
  allowedOrigins: readonly string[]
  exposeHeaders: readonly string[]
}

/** The CORS headers for a request's `Origin` header. */
export function createCorsHeaders({
  allowedOrigins,
  exposeHeaders,
}: CorsHeadersParameters): (origin: string | undefined) => Record<string, string> {
  // Nothing allowed: answers carry no CORS headers (only a preflight has anything to say).
  if (allowedOrigins.length === 0) {
    const none = {}
    return () => none
  }
  const expose = exposeHeaders.join(',')
  const base: Record<string, string> = expose ? { 'access-control-expose-headers': expose } : {}
  if (allowedOrigins.includes('*')) {
    const any = { 'access-control-allow-origin': '*', ...base }
    return () => any
  }
  const allowed = new Set(allowedOrigins)
  const refused = { ...base, vary: 'Origin' }
  return (origin) =>
    origin !== undefined && allowed.has(origin)
      ? { 'access-control-allow-origin': origin, ...refused }
      : refused
}
