// The CORS headers of an answer to an actual (not preflight) request, exactly as the app kit's
// CORS middleware sets them, for the routes the gateway serves without hono: none when no
// origin is allowed; else `Access-Control-Allow-Origin` for an allowed origin (`*` when any
// is), the exposed headers always, and `Vary: Origin` unless any origin is allowed.
// `cors-headers.test.ts` holds the two to the same output.

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
