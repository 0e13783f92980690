import {
  create,
  marshal,
  type POKTHTTPRequest,
  POKTHTTPRequestSchema,
  type POKTHTTPResponse,
  POKTHTTPResponseSchema,
} from '@decai/protocol'
import { utf8ToBytes } from '@noble/hashes/utils.js'

/** Header input: pairs (repeats allowed, as from a fetch `Headers`) or a name → value(s) record. */
export type HttpHeadersInit =
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string | readonly string[]>>

/** The parts of an HTTP request a relay carries. */
export interface HttpRequestParts {
  method: string
  /** The URL as the service should see it (an absolute URL or a path with query). */
  url: string
  headers?: HttpHeadersInit
  body?: Uint8Array | string
}

/** The parts of an HTTP response a relay carries. */
export interface HttpResponseParts {
  status: number
  headers?: HttpHeadersInit
  body?: Uint8Array | string
}

// RFC 7230 token characters: the bytes Go's textproto accepts in a header name.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * Go's `textproto.CanonicalMIMEHeaderKey`, which `http.Header` applies to every name:
 * `content-type` becomes `Content-Type`; names with non-token bytes are left as they are.
 */
export function canonicalHeaderKey(name: string): string {
  if (!TOKEN.test(name)) return name
  return name
    .toLowerCase()
    .replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())
}

/** Merges headers under their canonical names, keeping value order, as `http.Header.Add` does. */
export function toHeaderMap(headers: HttpHeadersInit | undefined): {
  [key: string]: { key: string; values: string[] }
} {
  const map: { [key: string]: { key: string; values: string[] } } = {}
  if (headers === undefined) return map
  const add = (name: string, value: string) => {
    const key = canonicalHeaderKey(name)
    const entry = map[key] ?? { key, values: [] }
    entry.values.push(value)
    map[key] = entry
  }
  if (Symbol.iterator in headers) {
    for (const [name, value] of headers as Iterable<readonly [string, string]>) add(name, value)
  } else {
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value === 'string') add(name, value)
      else for (const v of value) add(name, v)
    }
  }
  return map
}

const toBytes = (body: Uint8Array | string | undefined): Uint8Array =>
  body === undefined ? new Uint8Array() : typeof body === 'string' ? utf8ToBytes(body) : body

/**
 * The `POKTHTTPRequest` a gateway puts in a relay (shannon-sdk `SerializeHTTPRequest`):
 * method, canonical headers with all their values, URL, body.
 */
export function createPoktHttpRequest(request: HttpRequestParts): POKTHTTPRequest {
  const header = toHeaderMap(request.headers)
  return create(POKTHTTPRequestSchema, {
    method: request.method,
    header,
    url: request.url,
    bodyBz: toBytes(request.body),
  })
}

/** The `POKTHTTPResponse` a supplier returns in a relay response payload. */
export function createPoktHttpResponse(response: HttpResponseParts): POKTHTTPResponse {
  return create(POKTHTTPResponseSchema, {
    statusCode: response.status,
    header: toHeaderMap(response.headers),
    bodyBz: toBytes(response.body),
  })
}

/** Deterministic bytes of a `POKTHTTPRequest` (map entries sorted by key). */
export function serializePoktHttpRequest(request: POKTHTTPRequest): Uint8Array {
  return marshal(POKTHTTPRequestSchema, request)
}

/** Deterministic bytes of a `POKTHTTPResponse`. */
export function serializePoktHttpResponse(response: POKTHTTPResponse): Uint8Array {
  return marshal(POKTHTTPResponseSchema, response)
}
