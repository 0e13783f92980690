import { equalBytes } from '@decai/core'
import {
  create,
  marshal,
  type POKTHTTPResponse,
  POKTHTTPResponseSchema,
  type RelayRequest,
  RelayRequestSchema,
  type RelayResponse,
  RelayResponseSchema,
  unmarshal,
} from '@decai/protocol'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { SessionError } from './errors.js'
import { serializePoktHttpResponse } from './http.js'
import type { SessionHeaderFields } from './hydrate-session.js'
import { toSessionHeader } from './relay-request.js'
import {
  checkResponse,
  parseRelayResponse,
  serializeRelay,
  signRelayResponse,
  type VerifyRelayResponseParameters,
} from './relay-response.js'

// Streamed relay responses, format "pokt-relay-stream/v1" (docs/streaming.md): a sequence
// of size-delimited, individually signed RelayResponse frames whose payload hashes form a
// hash chain rooted in the signed request. Frame 0 carries the POKTHTTPResponse head, the
// middle frames carry body bytes, the final frame has an empty payload.

const STREAM_TAG = utf8ToBytes('pokt-relay-stream/v1')

/** The request header a client sends to offer the signed streaming format. */
export const RELAY_STREAM_HEADER = 'Pokt-Relay-Stream'
/** The value of {@link RELAY_STREAM_HEADER}: the format version the client can verify. */
export const RELAY_STREAM_VERSION = 'v1'
/** The content type of a response streamed as signed frames. */
export const RELAY_STREAM_CONTENT_TYPE = 'application/x-pokt-relay-stream; version=1'

/** Whether a response's `Content-Type` is a signed relay stream (parameters and case ignored). */
export function isRelayStreamContentType(contentType: string | null | undefined): boolean {
  if (!contentType) return false
  const media = contentType.split(';', 1)[0]!.trim().toLowerCase()
  return media === 'application/x-pokt-relay-stream'
}

/** Largest frame a verifier accepts by default (16 MiB). */
export const DEFAULT_MAX_STREAM_FRAME_SIZE = 16 * 1024 * 1024

/** The chain's root: binds the stream to this exact signed request (its bytes, signature included). */
export function getRelayStreamRoot(request: RelayRequest): Uint8Array {
  return sha256(concatBytes(STREAM_TAG, sha256(marshal(RelayRequestSchema, request))))
}

/** The next link: `SHA-256(previous ‖ SHA-256(payload))`. */
export function nextRelayStreamLink(previous: Uint8Array, payload: Uint8Array): Uint8Array {
  return sha256(concatBytes(previous, sha256(payload)))
}

function encodeVarint(n: number): Uint8Array {
  const out: number[] = []
  let v = n
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  out.push(v)
  return Uint8Array.from(out)
}

/** A frame's wire form: uvarint length ‖ RelayResponse bytes (protobuf size-delimited). */
export function encodeRelayStreamFrame(frame: RelayResponse): Uint8Array {
  const body = marshal(RelayResponseSchema, frame)
  return concatBytes(encodeVarint(body.length), body)
}

export interface RelayStreamSigner {
  /** Signs the head (status and headers, optionally the first body bytes) as frame 0. */
  head(response: POKTHTTPResponse | Uint8Array): Uint8Array
  /**
   * Signs the next body bytes as one frame and returns its wire bytes. Sign each upstream
   * chunk as it arrives; when chunks queue up while signing, pass them joined.
   */
  data(bytes: Uint8Array): Uint8Array
  /** Signs the final (empty) frame; the stream is complete once the client has it. */
  end(): Uint8Array
  /** Frames signed so far, head and final frame included. */
  readonly frameCount: number
  /**
   * The relay to mine once the stream has ended: the request with the final frame, which
   * commits to the whole response. Feed it to relay mining like any relay's bytes.
   */
  relay(): Uint8Array
}

export interface CreateRelayStreamSignerParameters {
  /** The verified, signed relay request being answered. */
  request: RelayRequest
  /** The supplier operator's private key. */
  privateKey: Uint8Array
}

/** A supplier's signer for one streamed response. */
export function createRelayStreamSigner({
  request,
  privateKey,
}: CreateRelayStreamSignerParameters): RelayStreamSigner {
  const header = request.meta?.sessionHeader
  if (header === undefined)
    throw new SessionError('RELAY_SIGNING_FAILED', 'The request has no session header.')
  const sessionHeader = toSessionHeader(header)
  let link = getRelayStreamRoot(request)
  let count = 0
  let final: RelayResponse | undefined

  const sign = (payload: Uint8Array, kind: string): Uint8Array => {
    if (final !== undefined)
      throw new SessionError('RELAY_STREAM_AFTER_END', 'The stream has already ended.')
    if ((count === 0) !== (kind === 'head'))
      throw new SessionError('RELAY_STREAM_MALFORMED', 'The head must be the first frame, once.')
    if (payload.length === 0 && kind !== 'end')
      throw new SessionError('RELAY_STREAM_MALFORMED', 'Only the final frame may be empty.')
    link = nextRelayStreamLink(link, payload)
    const frame = signRelayResponse(
      create(RelayResponseSchema, { meta: { sessionHeader }, payload, payloadHash: link }),
      privateKey,
    )
    count++
    if (kind === 'end') final = frame
    return encodeRelayStreamFrame(frame)
  }

  return {
    head: (response) =>
      sign(response instanceof Uint8Array ? response : serializePoktHttpResponse(response), 'head'),
    data: (bytes) => sign(bytes, 'data'),
    end: () => sign(new Uint8Array(), 'end'),
    get frameCount() {
      return count
    },
    relay() {
      if (final === undefined)
        throw new SessionError('RELAY_STREAM_TRUNCATED', 'The stream has not ended.')
      return serializeRelay(request, final)
    },
  }
}

/** One verified piece of a streamed response. */
export type RelayStreamPart =
  | { kind: 'head'; response: POKTHTTPResponse; frame: RelayResponse }
  | { kind: 'data'; bytes: Uint8Array; frame: RelayResponse }
  | { kind: 'end'; frame: RelayResponse }

export interface RelayStreamVerifier {
  /**
   * Feeds received bytes (any split) and returns the parts they complete, each verified
   * before it is returned. Throws a `SessionError` at the first bad frame; the stream must
   * then be abandoned.
   */
  push(bytes: Uint8Array): RelayStreamPart[]
  /** Call when the transport ends: throws `RELAY_STREAM_TRUNCATED` unless the final frame came. */
  finish(): void
  readonly done: boolean
}

export interface CreateRelayStreamVerifierParameters
  extends Omit<VerifyRelayResponseParameters, 'sessionHeader' | 'requirePayloadHash'> {
  /** The signed request as it was sent. */
  request: RelayRequest
  /** Largest accepted frame in bytes (default {@link DEFAULT_MAX_STREAM_FRAME_SIZE}). */
  maxFrameSize?: number
}

/** An application's or gateway's verifier for one streamed response. */
export function createRelayStreamVerifier({
  request,
  supplierOperatorAddress,
  supplierPublicKey,
  maxFrameSize = DEFAULT_MAX_STREAM_FRAME_SIZE,
}: CreateRelayStreamVerifierParameters): RelayStreamVerifier {
  const sessionHeader: SessionHeaderFields | undefined = request.meta?.sessionHeader
  if (sessionHeader === undefined)
    throw new SessionError(
      'RELAY_REQUEST_MISSING_SESSION_HEADER',
      'The request has no session header.',
    )
  let link = getRelayStreamRoot(request)
  let buffer = new Uint8Array()
  let index = 0
  let done = false

  const verifyFrame = (body: Uint8Array): RelayStreamPart => {
    if (done) throw new SessionError('RELAY_STREAM_AFTER_END', 'A frame arrived after the end.')
    const frame = parseRelayResponse(body)
    const expected = nextRelayStreamLink(link, frame.payload)
    const result = checkResponse(
      frame,
      {
        sessionHeader,
        supplierOperatorAddress,
        supplierPublicKey,
      },
      (f) =>
        equalBytes(f.payloadHash, expected)
          ? undefined
          : {
              ok: false,
              error: new SessionError(
                'RELAY_STREAM_CHAIN_MISMATCH',
                'The frame does not continue the stream.',
                { details: `frame ${index}` },
              ),
            },
    )
    if (!result.ok) throw result.error
    link = expected
    const position = index++
    if (frame.payload.length === 0) {
      if (position === 0)
        throw new SessionError('RELAY_STREAM_MALFORMED', 'The stream has no head frame.')
      done = true
      return { kind: 'end', frame }
    }
    if (position === 0) {
      try {
        return { kind: 'head', response: unmarshal(POKTHTTPResponseSchema, frame.payload), frame }
      } catch (cause) {
        throw new SessionError(
          'RELAY_STREAM_MALFORMED',
          'The head frame is not an HTTP response.',
          {
            cause,
          },
        )
      }
    }
    return { kind: 'data', bytes: frame.payload, frame }
  }

  return {
    push(bytes) {
      buffer = buffer.length === 0 ? bytes.slice() : concatBytes(buffer, bytes)
      const parts: RelayStreamPart[] = []
      for (;;) {
        const prefix = readVarint(buffer)
        if (prefix === undefined) break
        const [size, offset] = prefix
        if (size === 0 || size > maxFrameSize)
          throw new SessionError('RELAY_STREAM_MALFORMED', 'Invalid frame size.', {
            details: `${size} bytes`,
          })
        if (buffer.length < offset + size) break
        parts.push(verifyFrame(buffer.subarray(offset, offset + size)))
        buffer = buffer.slice(offset + size)
      }
      return parts
    },
    finish() {
      if (!done || buffer.length > 0)
        throw new SessionError(
          'RELAY_STREAM_TRUNCATED',
          'The stream ended before its final frame.',
          {
            details: `${index} frames, ${buffer.length} bytes pending`,
          },
        )
    },
    get done() {
      return done
    },
  }
}

/** A uvarint at the front of `bytes`: [value, bytes read], or undefined while incomplete. */
function readVarint(bytes: Uint8Array): [number, number] | undefined {
  let value = 0
  let scale = 1
  for (let i = 0; i < bytes.length; i++) {
    if (i >= 5) throw new SessionError('RELAY_STREAM_MALFORMED', 'Frame length prefix is too long.')
    const b = bytes[i]!
    value += (b & 0x7f) * scale
    if (b < 0x80) return [value, i + 1]
    scale *= 0x80
  }
  return undefined
}
