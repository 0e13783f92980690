import {
  type POKTHTTPResponse,
  POKTHTTPResponseSchema,
  type RelayRequest,
  unmarshal,
} from '@decai/protocol'
import {
  createRelayStreamVerifier,
  isSessionError,
  type SessionErrorCode,
  serializeRelayRequest,
  verifyRelayResponse,
} from '@decai/session'
import type { FailureReason } from './supplier-router.js'

// One relay to one supplier: POST the signed RelayRequest, then read the answer — a stream of
// signed frames (`pokt-relay-stream/v1`, packages/session/docs/streaming.md) or one signed
// RelayResponse — and yield its parts only once each has verified against the supplier's
// on-chain key. Nothing unverified ever leaves this function.

/** The header that asks a supplier for a signed stream. */
export const RELAY_STREAM_HEADER = 'Pokt-Relay-Stream'
export const RELAY_STREAM_CONTENT_TYPE = 'application/x-pokt-relay-stream'

/** Largest single (non-streamed) relay response read. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024

export type AttemptEvent =
  | { type: 'head'; status: number; headers: Record<string, string> }
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'end' }

/** Why an attempt failed, in router terms. */
export class AttemptFailure extends Error {
  override readonly name = 'AttemptFailure'
  constructor(
    readonly reason: FailureReason,
    message: string,
    readonly code?: string,
  ) {
    super(message)
  }
}

const badSignatureCodes: ReadonlySet<SessionErrorCode> = new Set<SessionErrorCode>([
  'RELAY_RESPONSE_SIGNATURE_INVALID',
  'RELAY_RESPONSE_SUPPLIER_KEY_MISMATCH',
  'RELAY_RESPONSE_MISSING_SIGNATURE',
  'RELAY_RESPONSE_PAYLOAD_HASH_MISMATCH',
  'RELAY_RESPONSE_SESSION_HEADER_MISMATCH',
  'RELAY_STREAM_CHAIN_MISMATCH',
])

// poktroll's relay miner reports request-validation failures as an unsigned RelayResponse with
// `relay_miner_error`; the session-related ones mean "use the other session", not "bad supplier".
const SESSION_ERROR_TEXT = /session|grace period|block height/i

/** Maps a verification failure to a router reason. */
export function classifyVerificationError(error: unknown): AttemptFailure {
  if (!isSessionError(error))
    return new AttemptFailure('malformed', error instanceof Error ? error.message : String(error))
  const code = error.code
  if (code === 'RELAY_RESPONSE_MINER_ERROR')
    return new AttemptFailure(
      SESSION_ERROR_TEXT.test(error.details ?? '') ? 'session' : 'miner_error',
      error.message,
      code,
    )
  if (badSignatureCodes.has(code)) return new AttemptFailure('bad_signature', error.message, code)
  if (code === 'RELAY_STREAM_TRUNCATED') return new AttemptFailure('truncated', error.message, code)
  return new AttemptFailure('malformed', error.message, code)
}

/** Flattens a `POKTHTTPResponse` header map to lower-case names (values joined by `, `). */
export function readHeaders(response: POKTHTTPResponse): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, header] of Object.entries(response.header))
    out[name.toLowerCase()] = header.values.join(', ')
  return out
}

export type RelayAttemptParameters = {
  url: string
  /** The signed request. */
  request: RelayRequest
  supplierOperatorAddress: string
  supplierPublicKey: Uint8Array
  /** Ask for a signed stream. */
  stream: boolean
  signal: AbortSignal
  /** Called when the supplier's HTTP response starts (for the overhead measure). */
  onResponse?: () => void
}

/** Sends one relay and yields its verified parts: `head`, `data`…, `end`. */
export async function* runRelayAttempt(
  parameters: RelayAttemptParameters,
): AsyncGenerator<AttemptEvent, void, undefined> {
  const { url, request, supplierOperatorAddress, supplierPublicKey, stream, signal } = parameters
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' }
  if (stream) headers[RELAY_STREAM_HEADER] = 'v1'
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      body: serializeRelayRequest(request) as Uint8Array<ArrayBuffer>,
      headers,
      signal,
      redirect: 'error',
    })
  } catch (error) {
    if (signal.aborted) throw error
    throw new AttemptFailure('connect', `Cannot reach the supplier: ${describe(error)}`)
  }
  parameters.onResponse?.()
  const contentType = response.headers.get('content-type') ?? ''
  if (response.ok && contentType.startsWith(RELAY_STREAM_CONTENT_TYPE)) {
    yield* readStream(response, { request, supplierOperatorAddress, supplierPublicKey })
    return
  }
  const bytes = await readAll(response, signal)
  const result = verifyRelayResponse(bytes, {
    sessionHeader: request.meta!.sessionHeader!,
    supplierOperatorAddress,
    supplierPublicKey,
  })
  if (!result.ok) {
    const failure = classifyVerificationError(result.error)
    // A body that is not a relay response at all, with an error status: an HTTP-level failure.
    if (!response.ok && result.error.code === 'RELAY_RESPONSE_MALFORMED')
      throw new AttemptFailure('http_status', `The supplier answered HTTP ${response.status}.`)
    throw failure
  }
  let http: POKTHTTPResponse
  try {
    http = unmarshal(POKTHTTPResponseSchema, result.response.payload)
  } catch {
    throw new AttemptFailure('malformed', 'The relay payload is not an HTTP response.')
  }
  yield { type: 'head', status: http.statusCode, headers: readHeaders(http) }
  if (http.bodyBz.length > 0) yield { type: 'data', bytes: http.bodyBz }
  yield { type: 'end' }
}

async function* readStream(
  response: Response,
  parameters: Pick<
    RelayAttemptParameters,
    'request' | 'supplierOperatorAddress' | 'supplierPublicKey'
  >,
): AsyncGenerator<AttemptEvent, void, undefined> {
  const verifier = createRelayStreamVerifier(parameters)
  const reader = response.body?.getReader()
  if (!reader) throw new AttemptFailure('truncated', 'The stream has no body.')
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      let parts: ReturnType<typeof verifier.push>
      try {
        parts = verifier.push(value)
      } catch (error) {
        throw classifyVerificationError(error)
      }
      for (const part of parts) {
        if (part.kind === 'head')
          yield {
            type: 'head',
            status: part.response.statusCode,
            headers: readHeaders(part.response),
          }
        else if (part.kind === 'data') yield { type: 'data', bytes: part.bytes }
        else yield { type: 'end' }
      }
    }
    try {
      verifier.finish()
    } catch (error) {
      throw classifyVerificationError(error)
    }
  } catch (error) {
    if (error instanceof AttemptFailure) throw error
    if (error instanceof Error && error.name === 'AbortError') throw error
    throw new AttemptFailure('truncated', `The stream broke: ${describe(error)}`)
  } finally {
    reader.releaseLock()
  }
}

async function readAll(response: Response, signal: AbortSignal): Promise<Uint8Array> {
  const reader = response.body?.getReader()
  if (!reader) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.length
      if (size > MAX_RESPONSE_BYTES) {
        await reader.cancel()
        throw new AttemptFailure('malformed', 'The relay response is too large.')
      }
      chunks.push(value)
    }
  } catch (error) {
    if (error instanceof AttemptFailure || signal.aborted) throw error
    throw new AttemptFailure('truncated', `The response broke: ${describe(error)}`)
  }
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(size)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause
    const code = (cause as { code?: unknown } | undefined)?.code
    return typeof code === 'string' ? `${error.message} (${code})` : error.message
  }
  return String(error)
}
