import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'
import { describeError } from '@decai/core'
import { type POKTHTTPRequest, POKTHTTPRequestSchema, unmarshal } from '@decai/protocol'
import type { ServiceConfig } from './config.js'
import { SupplierError } from './errors.js'

// Forwarding a relay's embedded HTTP request to the service backend, the way poktroll's
// `BuildServiceBackendRequest` does (backend origin, backend path joined with the request path,
// both queries merged, the request's headers then the configured ones), over keep-alive
// sockets. Bytes pass through untouched in both directions (no decompression).

/** Go's `path.Clean`. */
function cleanPath(path: string): string {
  if (path === '') return '.'
  const rooted = path.startsWith('/')
  const out: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop()
      else if (!rooted) out.push('..')
      continue
    }
    out.push(part)
  }
  const joined = (rooted ? '/' : '') + out.join('/')
  return joined === '' ? '.' : joined
}

/** Go's `path.Join`: non-empty elements joined with `/` and cleaned; `''` when all are empty. */
export function joinPath(...elements: string[]): string {
  const parts = elements.filter((e) => e !== '')
  return parts.length === 0 ? '' : cleanPath(parts.join('/'))
}

/** Go's `url.Values.Encode` order: keys sorted, values in order. */
function encodeQuery(pairs: [string, string][]): string {
  const byKey = new Map<string, string[]>()
  for (const [k, v] of pairs) byKey.set(k, [...(byKey.get(k) ?? []), v])
  const params = new URLSearchParams()
  for (const key of [...byKey.keys()].sort()) for (const v of byKey.get(key)!) params.append(key, v)
  return params.toString()
}

// Managed by the HTTP client per connection, never forwarded.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
  'content-length',
])

export type BackendRequest = {
  url: URL
  method: string
  /** Header name → values, as the relay carried them (canonical names). */
  headers: Map<string, string[]>
  body: Uint8Array
  /** The request's path as the client wrote it (for metering decisions). */
  clientPath: string
}

/** Decodes the relay payload (`POKTHTTPRequest`); throws when it is not one. */
export function parsePoktHttpRequest(payload: Uint8Array): POKTHTTPRequest {
  return unmarshal(POKTHTTPRequestSchema, payload)
}

/** The backend request for a relay's HTTP request and a service's config. */
export function buildBackendRequest(
  request: POKTHTTPRequest,
  service: ServiceConfig,
  pocketHeaders?: Record<string, string>,
): BackendRequest {
  const backend = new URL(service.backendUrl)
  // A path-only URL ("/v1/chat/completions?x=1") resolves against any origin.
  const requested = new URL(request.url, 'http://relay.invalid')
  const url = new URL(backend.origin)
  url.pathname = joinPath(backend.pathname === '/' ? '' : backend.pathname, requested.pathname)
  const pairs: [string, string][] = [...requested.searchParams, ...backend.searchParams]
  url.search = pairs.length === 0 ? '' : encodeQuery(pairs)
  if (backend.username !== '' || backend.password !== '') {
    url.username = backend.username
    url.password = backend.password
  }

  const headers = new Map<string, string[]>()
  const set = (name: string, values: string[]) => headers.set(name.toLowerCase(), values)
  if (pocketHeaders) for (const [k, v] of Object.entries(pocketHeaders)) set(k, [v])
  for (const { key, values } of Object.values(request.header)) {
    if (hopByHop.has(key.toLowerCase())) continue
    const existing = headers.get(key.toLowerCase())
    set(key, existing ? [...existing, ...values] : [...values])
  }
  for (const [k, v] of Object.entries(service.headers)) set(k, [v])
  return {
    url,
    method: request.method || 'GET',
    headers,
    body: request.bodyBz,
    clientPath: requested.pathname,
  }
}

/** poktroll's `Pocket-*` identity headers. */
export function getPocketHeaders(meta: {
  supplierOperatorAddress: string
  sessionHeader?:
    | {
        applicationAddress: string
        serviceId: string
        sessionId: string
        sessionStartBlockHeight: bigint
        sessionEndBlockHeight: bigint
      }
    | undefined
}): Record<string, string> {
  const out: Record<string, string> = { 'Pocket-Supplier': meta.supplierOperatorAddress }
  const h = meta.sessionHeader
  if (h) {
    out['Pocket-Service'] = h.serviceId
    out['Pocket-Session-Id'] = h.sessionId
    out['Pocket-Application'] = h.applicationAddress
    out['Pocket-Session-Start-Height'] = String(h.sessionStartBlockHeight)
    out['Pocket-Session-End-Height'] = String(h.sessionEndBlockHeight)
  }
  return out
}

/** A backend's answer while its body streams in. */
export type BackendResponse = {
  status: number
  /** Header pairs as received (repeats kept). */
  headers: [string, string][]
  contentType: string
  /** The body as it arrives; throws `BACKEND_FAILED` if the backend dies before the end. */
  body: AsyncIterable<Uint8Array>
  /** Ms from sending to the response headers. */
  headersMs: number
}

export type SendBackendRequestParameters = {
  agent: http.Agent | https.Agent
  /** Aborts the request (deadline, client gone); its reason decides the error. */
  signal: AbortSignal
  /** Called once the request has been handed to the socket in full. */
  onSent?: () => void
}

/** Keep-alive agents for a backend, at most `maxSockets` requests at once (more wait). */
export function createBackendAgent(url: string, maxSockets: number): http.Agent | https.Agent {
  const options = { keepAlive: true, maxSockets, maxFreeSockets: Math.min(maxSockets, 256) }
  return url.startsWith('https:') ? new https.Agent(options) : new http.Agent(options)
}

function toBackendError(error: unknown, signal: AbortSignal): SupplierError {
  const reason = signal.reason as unknown
  if (signal.aborted && reason instanceof SupplierError) return reason
  const code = (error as { code?: unknown } | undefined)?.code
  const message = describeError(error)
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH')
    return new SupplierError('BACKEND_UNREACHABLE', 'The backend is unreachable.', {
      details: `${code}: ${message}`,
      cause: error,
    })
  return new SupplierError('BACKEND_FAILED', 'The backend request failed.', {
    details: typeof code === 'string' ? `${code}: ${message}` : message,
    cause: error,
  })
}

/**
 * Sends the request and resolves once the backend's headers arrive. Aborting `signal` (with a
 * `SupplierError` as reason) cancels it at any point, body included.
 */
export async function sendBackendRequest(
  request: BackendRequest,
  parameters: SendBackendRequestParameters,
): Promise<BackendResponse> {
  try {
    return await sendOnce(request, parameters)
  } catch (error) {
    // A pooled keep-alive socket that the backend closed as idle (its keep-alive timeout) at
    // the moment we reused it fails with ECONNRESET before any answer: the backend never saw
    // the request, so it goes again, once, on a fresh socket (Node's documented remedy).
    if (!(error instanceof StaleSocketError)) throw error
    return sendOnce(request, parameters)
  }
}

/** ECONNRESET on a reused socket before the response: the request never reached the backend. */
class StaleSocketError extends SupplierError {
  constructor(cause: unknown) {
    super('BACKEND_FAILED', 'The backend closed an idle connection as it was reused.', { cause })
  }
}

function sendOnce(
  request: BackendRequest,
  { agent, signal, onSent }: SendBackendRequestParameters,
): Promise<BackendResponse> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(toBackendError(signal.reason, signal))
      return
    }
    const headers: Record<string, string | string[]> = {}
    for (const [name, values] of request.headers)
      headers[name] = values.length === 1 ? values[0]! : values
    headers['content-length'] = String(request.body.length)
    const started = performance.now()
    const transport = request.url.protocol === 'https:' ? https : http
    const req = transport.request(request.url, { method: request.method, headers, agent })
    if (onSent) req.once('finish', onSent)
    const onAbort = () => req.destroy(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    req.once('error', (error) => {
      signal.removeEventListener('abort', onAbort)
      const stale =
        req.reusedSocket && !signal.aborted && (error as { code?: unknown }).code === 'ECONNRESET'
      reject(stale ? new StaleSocketError(error) : toBackendError(error, signal))
    })
    req.once('response', (res: IncomingMessage) => {
      const headersMs = performance.now() - started
      const pairs: [string, string][] = []
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
        pairs.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!])
      resolve({
        status: res.statusCode ?? 502,
        headers: pairs,
        contentType: String(res.headers['content-type'] ?? ''),
        headersMs,
        body: readBody(res, signal, () => signal.removeEventListener('abort', onAbort)),
      })
    })
    req.end(request.body)
  })
}

async function* readBody(
  res: IncomingMessage,
  signal: AbortSignal,
  done: () => void,
): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of res) yield chunk as Uint8Array
    // `for await` ends quietly on some truncations; a response cut short is incomplete.
    if (!res.complete)
      throw new SupplierError('BACKEND_FAILED', 'The backend closed the response before its end.')
  } catch (error) {
    if (error instanceof SupplierError) throw error
    throw toBackendError(error, signal)
  } finally {
    done()
    if (!res.complete) res.destroy()
  }
}
