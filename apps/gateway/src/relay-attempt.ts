import type { IncomingMessage } from 'node:http'
import { classifyRelayMinerError } from '@decai/app-kit/relay-miner-errors'
import { postRelay } from '@decai/app-kit/relay-transport'
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
  type SessionErrorCode,
  serializeRelayRequest,
  verifyRelayResponse,
} from '@decai/session'
import type { FailureReason } from './supplier-router.js'

// One relay to one supplier: POST the signed RelayRequest, then read the answer — a stream of
// signed frames (`pokt-relay-stream/v1`, packages/session/docs/streaming.md) or one signed
// RelayResponse — and yield its parts only once each has verified against the supplier's
// on-chain key. Nothing unverified ever leaves this function.

/** Largest single (non-streamed) relay response read. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024

export type AttemptEvent =
  | { type: 'head'; status: number; headers: Record<string, string> }
  /** `receivedAt`: when the bytes of a streamed part arrived (`performance.now()`). */
  | { type: 'data'; bytes: Uint8Array; receivedAt?: number }
  /** The verified end; `answerHash` is the signed answer's payload hash (quanta name it). */
  | { type: 'end'; answerHash: Uint8Array }

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

/** Maps a verification failure to a router reason. */
export function classifyVerificationError(error: unknown): AttemptFailure {
  if (!isSessionError(error)) return new AttemptFailure('malformed', describeError(error))
  const code = error.code
  // poktroll's relay miner reports refusals as an unsigned RelayResponse with
  // `relay_miner_error`, a registered {codespace, code}.
  if (code === 'RELAY_RESPONSE_MINER_ERROR')
    return new AttemptFailure(classifyRelayMinerError(error.relayMinerError), error.message, code)
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
  let response: IncomingMessage
  try {
    // The app kit's transport: the same request on the wire as the watcher's probes.
    response = await postRelay({ url, body: serializeRelayRequest(request), stream, signal })
  } catch (error) {
    if (signal.aborted) throw error
    throw new AttemptFailure('connect', `Cannot reach the supplier: ${describe(error)}`)
  }
  parameters.onResponse?.()
  const status = response.statusCode ?? 0
  const ok = status >= 200 && status < 300
  if (ok && isRelayStreamContentType(response.headers['content-type'])) {
    yield* readStream(response, signal, { request, supplierOperatorAddress, supplierPublicKey })
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
    if (!ok && result.error.code === 'RELAY_RESPONSE_MALFORMED')
      throw new AttemptFailure('http_status', `The supplier answered HTTP ${status}.`)
    throw failure
  }
  let httpResponse: POKTHTTPResponse
  try {
    httpResponse = unmarshal(POKTHTTPResponseSchema, result.response.payload)
  } catch {
    throw new AttemptFailure('malformed', 'The relay payload is not an HTTP response.')
  }
  yield { type: 'head', status: httpResponse.statusCode, headers: readHeaders(httpResponse) }
  if (httpResponse.bodyBz.length > 0) yield { type: 'data', bytes: httpResponse.bodyBz }
  yield { type: 'end', answerHash: result.response.payloadHash }
}

async function* readStream(
  response: IncomingMessage,
  signal: AbortSignal,
  parameters: Pick<
    RelayAttemptParameters,
    'request' | 'supplierOperatorAddress' | 'supplierPublicKey'
  >,
): AsyncGenerator<AttemptEvent, void, undefined> {
  const verifier = createRelayStreamVerifier(parameters)
  try {
    for await (const chunk of response) {
      const receivedAt = performance.now()
      let parts: ReturnType<typeof verifier.push>
      try {
        parts = verifier.push(chunk as Uint8Array)
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
        else if (part.kind === 'data') yield { type: 'data', bytes: part.bytes, receivedAt }
        else yield { type: 'end', answerHash: part.frame.payloadHash }
      }
    }
    // A connection cut mid-body may end the iteration without an error.
    if (!response.complete) throw new Error('the connection closed mid-response')
    try {
      verifier.finish()
    } catch (error) {
      throw classifyVerificationError(error)
    }
  } catch (error) {
    if (error instanceof AttemptFailure || signal.aborted) throw error
    throw new AttemptFailure('truncated', `The stream broke: ${describe(error)}`)
  } finally {
    // Leaving early (a lost hedge, a client gone): drop the connection, not the pool.
    if (!response.complete) response.destroy()
  }
}

async function readAll(response: IncomingMessage, signal: AbortSignal): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of response) {
      size += (chunk as Buffer).length
      if (size > MAX_RESPONSE_BYTES) {
        response.destroy()
        throw new AttemptFailure('malformed', 'The relay response is too large.')
      }
      chunks.push(chunk as Buffer)
    }
    if (!response.complete) throw new Error('the connection closed mid-response')
  } catch (error) {
    if (error instanceof AttemptFailure || signal.aborted) throw error
    throw new AttemptFailure('truncated', `The response broke: ${describe(error)}`)
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause
    const code = (cause as { code?: unknown } | undefined)?.code
    return typeof code === 'string' ? `${error.message} (${code})` : error.message
  }
  return String(error)
}
