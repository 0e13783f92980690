import { describeError } from '@decai/core'
import {
  type POKTHTTPResponse,
  POKTHTTPResponseSchema,
  type RelayRequest,
  unmarshal,
} from '@decai/protocol'
import {
  createRelayStreamVerifier,
  isRelayStreamContentType,
  isSessionError,
  RELAY_STREAM_HEADER,
  RELAY_STREAM_VERSION,
  type RelayStreamPart,
  type SessionSupplier,
  serializeRelayRequest,
  verifyRelayResponse,
} from '@decai/session'
import { SdkError, type SdkErrorCode } from './errors.js'

/** The service's answer, verified: the head at once, the body as it arrives (each part verified). */
export type VerifiedAnswer = {
  status: number
  headers: Headers
  body: ReadableStream<Uint8Array> | null
  /** Whether the supplier streamed signed frames (else one signed response). */
  streamed: boolean
}

/**
 * The most bytes of a supplier's answer read by default (64 MiB): the relay response, or every
 * frame of a stream together. Enough for a large embeddings batch, far from filling memory.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024

export type SendRelayParameters = {
  fetch: typeof fetch
  request: RelayRequest
  supplier: SessionSupplier
  supplierPublicKey: Uint8Array
  signal: AbortSignal
  /** The most bytes of the answer read (default `DEFAULT_MAX_RESPONSE_BYTES`). */
  maxResponseBytes?: number | undefined
}

/** Ends the connection of an answer that went over the limit, and says why. */
type ResponseLimit = { max: number; exceeded(): SdkError }

const fail = (code: SdkErrorCode, shortMessage: string, details?: string, cause?: unknown) =>
  new SdkError(code, shortMessage, { details, cause })

/**
 * Sends one signed relay to one supplier and verifies its answer: a single signed
 * `RelayResponse`, or signed stream frames when the supplier streams. Resolves once the head is
 * verified; throws an `SdkError` for anything that should make the caller try another supplier.
 */
export async function sendRelay(parameters: SendRelayParameters): Promise<VerifiedAnswer> {
  const { request, supplier, supplierPublicKey } = parameters
  const max = parameters.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  // An answer over the limit is not read on: the request is aborted, which closes the connection.
  // (Linked by hand rather than with AbortSignal.any, which browsers before 2024 lack.)
  const connection = new AbortController()
  const forward = () => connection.abort(parameters.signal.reason)
  if (parameters.signal.aborted) forward()
  else parameters.signal.addEventListener('abort', forward, { once: true })
  const limit: ResponseLimit = {
    max,
    exceeded: () => {
      const error = fail(
        'RESPONSE_TOO_LARGE',
        `The supplier's answer exceeds ${max} bytes.`,
        `from ${supplier.url}`,
      )
      connection.abort(error)
      return error
    },
  }
  const response = await parameters.fetch(supplier.url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/octet-stream',
      [RELAY_STREAM_HEADER]: RELAY_STREAM_VERSION,
    },
    body: serializeRelayRequest(request) as Uint8Array<ArrayBuffer>,
    signal: connection.signal,
  })
  if (Number(response.headers.get('content-length') ?? 0) > max) {
    response.body?.cancel().catch(() => {})
    throw limit.exceeded()
  }
  if (isRelayStreamContentType(response.headers.get('content-type')) && response.body !== null) {
    return readStream(response.body, parameters, limit)
  }
  const bytes = await readLimited(response.body, limit)
  const verified = verifyRelayResponse(bytes, {
    sessionHeader: request.meta!.sessionHeader!,
    supplierOperatorAddress: supplier.operatorAddress,
    supplierPublicKey,
  })
  if (!verified.ok) {
    const { error } = verified
    if (error.code === 'RELAY_RESPONSE_MINER_ERROR')
      throw fail('RELAY_MINER_ERROR', 'The relay miner refused the relay.', error.details, error)
    if (error.code === 'RELAY_RESPONSE_MALFORMED')
      throw fail(
        'SUPPLIER_UNREACHABLE',
        'The supplier did not answer with a relay response.',
        `HTTP ${response.status} from ${supplier.url}`,
        error,
      )
    throw fail(
      'RESPONSE_INVALID',
      'The relay response does not verify.',
      describeError(error),
      error,
    )
  }
  const head = parseHead(verified.response.payload)
  return {
    status: head.statusCode,
    headers: toHeaders(head),
    body: toBodyStream(head.bodyBz),
    streamed: false,
  }
}

/** The whole body, refused (and the connection ended) once it passes the limit. */
async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  limit: ResponseLimit,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.length
    if (total > limit.max) {
      reader.cancel().catch(() => {})
      throw limit.exceeded()
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0]!
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.length
  }
  return bytes
}

function parseHead(payload: Uint8Array): POKTHTTPResponse {
  let head: POKTHTTPResponse
  try {
    head = unmarshal(POKTHTTPResponseSchema, payload)
  } catch (cause) {
    throw fail('RESPONSE_INVALID', 'The relay payload is not an HTTP response.', undefined, cause)
  }
  if (head.statusCode < 200 || head.statusCode > 599)
    throw fail('RESPONSE_INVALID', 'The relayed HTTP status is out of range.', `${head.statusCode}`)
  return head
}

function toHeaders(head: POKTHTTPResponse): Headers {
  const headers = new Headers()
  for (const { key, values } of Object.values(head.header)) {
    for (const value of values) {
      try {
        headers.append(key, value)
      } catch {
        // A header a browser or Node refuses to carry (invalid bytes) is dropped, not fatal.
      }
    }
  }
  return headers
}

function toBodyStream(bytes: Uint8Array): ReadableStream<Uint8Array> | null {
  if (bytes.length === 0) return null
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes)
      controller.close()
    },
  })
}

const streamFailure = (error: unknown): SdkError => {
  if (error instanceof SdkError) return error
  if (isSessionError(error)) {
    if (error.code === 'RELAY_STREAM_TRUNCATED')
      return fail('STREAM_ERROR', 'The stream ended before its final frame.', error.details, error)
    if (error.code === 'RELAY_RESPONSE_MINER_ERROR')
      return fail('RELAY_MINER_ERROR', 'The relay miner refused the relay.', error.details, error)
    return fail('RESPONSE_INVALID', 'A stream frame does not verify.', describeError(error), error)
  }
  const message = describeError(error)
  if (error instanceof Error && error.name === 'AbortError')
    return fail('ABORTED', 'The request was aborted.', undefined, error)
  return fail('STREAM_ERROR', 'The stream broke off.', message, error)
}

/**
 * Verifies a signed stream frame by frame. The head is awaited here (a bad head means another
 * supplier may be tried); the returned body releases each data frame only once verified and
 * errors with an `SdkError` if a later frame is bad or the stream is cut short.
 */
async function readStream(
  source: ReadableStream<Uint8Array>,
  { request, supplier, supplierPublicKey }: SendRelayParameters,
  limit: ResponseLimit,
): Promise<VerifiedAnswer> {
  const reader = source.getReader()
  const verifier = createRelayStreamVerifier({
    request,
    supplierOperatorAddress: supplier.operatorAddress,
    supplierPublicKey,
  })
  const queued: Uint8Array[] = []
  let head: POKTHTTPResponse | undefined
  let ended = false
  let received = 0

  // Reads transport chunks until at least one verified part is available.
  const readParts = async (): Promise<RelayStreamPart[]> => {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) {
        verifier.finish()
        return []
      }
      received += value.length
      if (received > limit.max) throw limit.exceeded()
      const parts = verifier.push(value)
      if (parts.length > 0) return parts
    }
  }
  const take = (parts: RelayStreamPart[]) => {
    for (const part of parts) {
      if (part.kind === 'head') head = part.response
      else if (part.kind === 'data') queued.push(part.bytes)
      else ended = true
    }
  }

  try {
    while (head === undefined) take(await readParts())
  } catch (error) {
    reader.cancel().catch(() => {})
    throw streamFailure(error)
  }
  const first = head
  if (first.statusCode < 200 || first.statusCode > 599) {
    reader.cancel().catch(() => {})
    throw fail(
      'RESPONSE_INVALID',
      'The relayed HTTP status is out of range.',
      `${first.statusCode}`,
    )
  }
  if (first.bodyBz.length > 0) queued.unshift(first.bodyBz)

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        while (queued.length === 0 && !ended) take(await readParts())
      } catch (error) {
        reader.cancel().catch(() => {})
        controller.error(streamFailure(error))
        return
      }
      const next = queued.shift()
      if (next !== undefined) controller.enqueue(next)
      else {
        controller.close()
        reader.cancel().catch(() => {})
      }
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
  return { status: first.statusCode, headers: toHeaders(first), body, streamed: true }
}
