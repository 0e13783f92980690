import { equalBytes } from '@decai/core'
import { marshal, type RelayRequest, RelayRequestSchema, type RelayResponse } from '@decai/protocol'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { SessionError, type SessionErrorCode } from './errors.js'
import type { SessionHeaderFields } from './hydrate-session.js'
import { toSessionHeader } from './relay-request.js'
import {
  buildRelayResponse,
  checkResponse,
  parseRelayResponse,
  serializeRelay,
  signRelayResponse,
  type VerifyRelayResponseParameters,
} from './relay-response.js'
import { encodeRelayStreamFrame } from './relay-stream.js'

// Token metering ("decai-quantum/v1", docs/tokenomics.md). The chain pays per relay, a fixed
// `compute_units_per_relay` each, and checks only one leaf of a claim. So a supplier that meters
// tokens mines one relay per token quantum: quantum k of an answer is the relay
// `{ req: the request as received, res: a supplier-signed RelayResponse whose payload is the
// quantum record k }`. Every quantum shares the request and differs by its record, so every
// quantum has its own relay hash and is its own SMST leaf.

const QUANTUM_TAG = utf8ToBytes('decai-quantum/v1')
const RECORD_LENGTH = QUANTUM_TAG.length + 32 + 32 + 4 + 4

/**
 * A service's token pricing: one relay per `quantum` weighted tokens, where a prompt token
 * weighs `inputWeight` and a completion token `outputWeight`. Integers, so that every party
 * computes the same count.
 */
export type TokenMetering = {
  /** Weighted tokens per relay (Q), at least 1. */
  quantum: number
  /** Weight of a prompt token (w_in), 0 or more. */
  inputWeight: number
  /** Weight of a completion token (w_out), 0 or more. */
  outputWeight: number
}

/** Token counts of one answer, as OpenAI's `usage` reports them. */
export type TokenCounts = { promptTokens: number; completionTokens: number }

/** What quantum record k says: which request, which answer, its index, and the total count. */
export type QuantumRecord = {
  /** SHA-256 of the relay request's canonical bytes (ring signature included). */
  requestHash: Uint8Array
  /** The signed answer's `payload_hash` (SHA-256 of its payload, or a stream's final link). */
  answerHash: Uint8Array
  /** 0-based index of this quantum. */
  index: number
  /** How many quanta the answer is worth. */
  count: number
}

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0

/** Throws `INVALID_PARAMS` unless Q is an integer ≥ 1 and the weights integers ≥ 0. */
export function checkMetering(metering: TokenMetering): void {
  const { quantum, inputWeight, outputWeight } = metering
  if (
    !Number.isSafeInteger(quantum) ||
    quantum < 1 ||
    !isCount(inputWeight) ||
    !isCount(outputWeight)
  )
    throw new SessionError('INVALID_PARAMS', 'Invalid token metering.', {
      details: `quantum ${quantum} must be an integer >= 1, weights ${inputWeight} and ${outputWeight} integers >= 0`,
    })
}

/**
 * The relays an answer is worth: `ceil((prompt × w_in + completion × w_out) / Q)`, and at
 * least 1 (an answer is never free: per-request pricing is the floor).
 */
export function countQuanta(tokens: TokenCounts, metering: TokenMetering): number {
  checkMetering(metering)
  const { promptTokens, completionTokens } = tokens
  if (!isCount(promptTokens) || !isCount(completionTokens))
    throw new SessionError('INVALID_ARGUMENT', 'Token counts must be integers >= 0.', {
      details: `prompt ${promptTokens}, completion ${completionTokens}`,
    })
  const weighted =
    BigInt(promptTokens) * BigInt(metering.inputWeight) +
    BigInt(completionTokens) * BigInt(metering.outputWeight)
  const q = BigInt(metering.quantum)
  const count = (weighted + q - 1n) / q
  return Number(count > 0n ? count : 1n)
}

/**
 * The most quanta a request may cost: its prompt plus `max_tokens` of completion. A rate limiter
 * reserves this up front; a verifier refuses quanta beyond it.
 */
export function getWorstCaseQuanta(
  request: { promptTokens: number; maxTokens: number },
  metering: TokenMetering,
): number {
  return countQuanta(
    { promptTokens: request.promptTokens, completionTokens: request.maxTokens },
    metering,
  )
}

/** SHA-256 of the request's canonical bytes: what every quantum record names. */
export function getRelayRequestHash(request: RelayRequest): Uint8Array {
  return sha256(marshal(RelayRequestSchema, request))
}

/** `"decai-quantum/v1" ‖ requestHash ‖ answerHash ‖ uint32be(index) ‖ uint32be(count)`. */
export function encodeQuantumRecord(record: QuantumRecord): Uint8Array {
  const { requestHash, answerHash, index, count } = record
  if (requestHash.length !== 32 || answerHash.length !== 32)
    throw new SessionError('INVALID_ARGUMENT', 'Quantum record hashes must be 32 bytes.')
  if (!isCount(index) || !isCount(count) || index >= count || count > 0xffffffff)
    throw new SessionError('INVALID_ARGUMENT', 'A quantum index must be below its count.', {
      details: `index ${index}, count ${count}`,
    })
  const tail = new Uint8Array(8)
  const view = new DataView(tail.buffer)
  view.setUint32(0, index)
  view.setUint32(4, count)
  return concatBytes(QUANTUM_TAG, requestHash, answerHash, tail)
}

/** Decodes a quantum record; throws `QUANTUM_RECORD_MALFORMED` on anything else. */
export function decodeQuantumRecord(bytes: Uint8Array): QuantumRecord {
  if (
    bytes.length !== RECORD_LENGTH ||
    !equalBytes(bytes.subarray(0, QUANTUM_TAG.length), QUANTUM_TAG)
  )
    throw new SessionError('QUANTUM_RECORD_MALFORMED', 'The payload is not a quantum record.', {
      details: `${bytes.length} bytes`,
    })
  const at = QUANTUM_TAG.length
  const requestHash = bytes.slice(at, at + 32)
  const answerHash = bytes.slice(at + 32, at + 64)
  const view = new DataView(bytes.buffer, bytes.byteOffset + at + 64, 8)
  const index = view.getUint32(0)
  const count = view.getUint32(4)
  if (count === 0 || index >= count)
    throw new SessionError('QUANTUM_RECORD_MALFORMED', 'A quantum index must be below its count.', {
      details: `index ${index}, count ${count}`,
    })
  return { requestHash, answerHash, index, count }
}

export interface SignRelayQuantaParameters {
  /** The verified, signed relay request that was answered. */
  request: RelayRequest
  /** The answer's payload hash (the signed response's or the stream's final frame's). */
  answerHash: Uint8Array
  /** How many quanta the answer is worth ({@link countQuanta}). */
  count: number
  /** The supplier operator's private key. */
  privateKey: Uint8Array
}

/** A signed quantum: the response to send, and the relay bytes to mine. */
export type SignedQuantum = { response: RelayResponse; relay: Uint8Array }

/** Signs quanta 0 … count−1 of an answer (one signature each). */
export function signRelayQuanta({
  request,
  answerHash,
  count,
  privateKey,
}: SignRelayQuantaParameters): SignedQuantum[] {
  const header = request.meta?.sessionHeader
  if (header === undefined)
    throw new SessionError('RELAY_SIGNING_FAILED', 'The request has no session header.')
  return signQuantumResponses({
    sessionHeader: toSessionHeader(header),
    requestHash: getRelayRequestHash(request),
    answerHash,
    count,
    privateKey,
  }).map((response) => ({ response, relay: serializeRelay(request, response) }))
}

export interface SignQuantumResponsesParameters {
  /** The session header of the request. */
  sessionHeader: SessionHeaderFields
  /** {@link getRelayRequestHash} of the request. */
  requestHash: Uint8Array
  answerHash: Uint8Array
  count: number
  privateKey: Uint8Array
}

/**
 * The signed quantum responses alone, from what identifies the answer: a supplier can sign them
 * again later (signatures are deterministic) without keeping the request.
 */
export function signQuantumResponses({
  sessionHeader,
  requestHash,
  answerHash,
  count,
  privateKey,
}: SignQuantumResponsesParameters): RelayResponse[] {
  const responses: RelayResponse[] = []
  for (let index = 0; index < count; index++) {
    const payload = encodeQuantumRecord({ requestHash, answerHash, index, count })
    responses.push(signRelayResponse(buildRelayResponse({ sessionHeader, payload }), privateKey))
  }
  return responses
}

/** Quanta on the wire: each response size-delimited (uvarint length, then its bytes). */
export function encodeRelayQuanta(responses: RelayResponse[]): Uint8Array {
  return concatBytes(...responses.map((r) => encodeRelayStreamFrame(r)))
}

/** Splits {@link encodeRelayQuanta}'s bytes; throws `QUANTUM_RECORD_MALFORMED` on bad framing. */
export function decodeRelayQuanta(bytes: Uint8Array): RelayResponse[] {
  const out: RelayResponse[] = []
  let at = 0
  while (at < bytes.length) {
    let size = 0
    let shift = 0
    for (;;) {
      const byte = bytes[at++]
      if (byte === undefined || shift > 28)
        throw new SessionError('QUANTUM_RECORD_MALFORMED', 'Broken quanta framing.')
      size += (byte & 0x7f) * 2 ** shift
      shift += 7
      if (byte < 0x80) break
    }
    if (size === 0 || at + size > bytes.length)
      throw new SessionError('QUANTUM_RECORD_MALFORMED', 'Broken quanta framing.', {
        details: `frame of ${size} bytes at ${at}`,
      })
    out.push(parseRelayResponse(bytes.subarray(at, at + size)))
    at += size
  }
  return out
}

export interface VerifyRelayQuantaParameters extends VerifyRelayResponseParameters {
  /** The request the quanta answer. */
  request: RelayRequest
  /** The payload hash of the answer the client received and verified. */
  answerHash: Uint8Array
  /** The request's worst case ({@link getWorstCaseQuanta}): more quanta are refused. */
  worstCase: number
}

export type RelayQuantaVerification =
  | { ok: true; count: number; records: QuantumRecord[] }
  | { ok: false; error: SessionError; index: number }

/**
 * Verifies the quanta a supplier signed for one answer, in order: each is a signed response
 * of this session and supplier whose payload is a record naming this request and answer; the
 * indices run 0, 1, … without gap or repeat; every record states the same count, which is
 * within the worst case; all of them are present. Never throws on bad input.
 */
export function verifyRelayQuanta(
  quanta: (RelayResponse | Uint8Array)[],
  parameters: VerifyRelayQuantaParameters,
): RelayQuantaVerification {
  const { request, answerHash, worstCase } = parameters
  const requestHash = getRelayRequestHash(request)
  const records: QuantumRecord[] = []
  const fail = (code: SessionErrorCode, message: string, index: number, details?: string) => ({
    ok: false as const,
    index,
    error: new SessionError(code, message, details === undefined ? {} : { details }),
  })
  for (const [position, quantum] of quanta.entries()) {
    let res: RelayResponse
    try {
      res = quantum instanceof Uint8Array ? parseRelayResponse(quantum) : quantum
    } catch (e) {
      return { ok: false, error: e as SessionError, index: position }
    }
    const checked = checkResponse(res, parameters, (r) =>
      equalBytes(sha256(r.payload), r.payloadHash)
        ? undefined
        : {
            ok: false as const,
            error: new SessionError(
              'RELAY_RESPONSE_PAYLOAD_HASH_MISMATCH',
              'The payload hash is not SHA-256 of the quantum record.',
            ),
          },
    )
    if (!checked.ok) return { ok: false, error: checked.error, index: position }
    let record: QuantumRecord
    try {
      record = decodeQuantumRecord(res.payload)
    } catch (e) {
      return { ok: false, error: e as SessionError, index: position }
    }
    if (!equalBytes(record.requestHash, requestHash) || !equalBytes(record.answerHash, answerHash))
      return fail('QUANTUM_RECORD_MISMATCH', 'The quantum is for another answer.', position)
    if (record.count > worstCase || record.index >= worstCase)
      return fail(
        'QUANTUM_BEYOND_WORST_CASE',
        'More quanta than the request can cost.',
        position,
        `quantum ${record.index} of ${record.count}, worst case ${worstCase}`,
      )
    if (record.index < position)
      return fail(
        'QUANTUM_INDEX_DUPLICATE',
        'A quantum index repeats.',
        position,
        `index ${record.index}`,
      )
    if (record.index > position)
      return fail(
        'QUANTUM_INDEX_OUT_OF_ORDER',
        'A quantum index is out of order.',
        position,
        `expected ${position}, got ${record.index}`,
      )
    if (position > 0 && record.count !== records[0]?.count)
      return fail(
        'QUANTUM_RECORD_MISMATCH',
        'The quanta of one answer state different counts.',
        position,
        `${record.count} after ${records[0]?.count}`,
      )
    records.push(record)
  }
  const count = records[0]?.count ?? 0
  if (records.length !== count || count === 0)
    return fail(
      'QUANTA_INCOMPLETE',
      'Quanta are missing.',
      records.length,
      `${records.length} of ${count}`,
    )
  return { ok: true, count, records }
}

/** Largest encoded quantum accepted from a supplier (a signed record is about 200 bytes). */
const MAX_QUANTUM_BYTES = 1024

/** Where a supplier serves an answer's quanta: `<relay URL>/quanta/<hex request hash>`. */
export function getRelayQuantaUrl(relayUrl: string, request: RelayRequest): string {
  return `${relayUrl.replace(/\/+$/, '')}/quanta/${bytesToHex(getRelayRequestHash(request))}`
}

export interface FetchRelayQuantaParameters extends VerifyRelayQuantaParameters {
  /** The supplier's relay URL, the one the request was sent to. */
  url: string
  /** The fetch to use (default: the global one). */
  fetch?: (input: string, init?: { signal?: AbortSignal }) => Promise<Response>
  signal?: AbortSignal | undefined
}

/** Fetched quanta: verified, or refused with why; `quanta` holds what the supplier signed. */
export type FetchedRelayQuanta =
  | { ok: true; count: number; records: QuantumRecord[]; quanta: RelayResponse[] }
  | { ok: false; error: SessionError; quanta: RelayResponse[] }

/**
 * Fetches the signed quanta of an answer from its supplier (`GET /quanta/<request hash>`,
 * docs/tokenomics.md) and verifies them ({@link verifyRelayQuanta}). Never throws: a supplier
 * without quanta for the answer gives `QUANTA_NOT_FOUND`, an unreadable one
 * `QUANTA_UNAVAILABLE`, bad quanta their verification code (with the quanta, as evidence).
 */
export async function fetchRelayQuanta(
  parameters: FetchRelayQuantaParameters,
): Promise<FetchedRelayQuanta> {
  const { url, request, worstCase, signal } = parameters
  const doFetch = parameters.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const refuse = (code: SessionErrorCode, message: string, details?: string) => ({
    ok: false as const,
    error: new SessionError(code, message, details === undefined ? {} : { details }),
    quanta: [],
  })
  let bytes: Uint8Array
  try {
    const response = await doFetch(
      getRelayQuantaUrl(url, request),
      signal === undefined ? {} : { signal },
    )
    if (response.status === 404) {
      await response.body?.cancel()
      return refuse('QUANTA_NOT_FOUND', 'The supplier has no quanta for this answer.')
    }
    if (response.status !== 200) {
      await response.body?.cancel()
      return refuse(
        'QUANTA_UNAVAILABLE',
        'The supplier did not serve the quanta.',
        `HTTP ${response.status}`,
      )
    }
    bytes = new Uint8Array(await response.arrayBuffer())
  } catch (error) {
    return refuse('QUANTA_UNAVAILABLE', "The supplier's quanta could not be read.", String(error))
  }
  // Far more bytes than the worst case's quanta take: refused unread. Below that, padded quanta
  // are decoded, refused by verification and kept as evidence.
  if (bytes.length > (2 * Math.max(worstCase, 0) + 16) * MAX_QUANTUM_BYTES)
    return refuse(
      'QUANTUM_BEYOND_WORST_CASE',
      'More quanta than the request can cost.',
      `${bytes.length} bytes, worst case ${worstCase}`,
    )
  let quanta: RelayResponse[]
  try {
    quanta = decodeRelayQuanta(bytes)
  } catch (error) {
    return error instanceof SessionError
      ? { ok: false, error, quanta: [] }
      : refuse('QUANTUM_RECORD_MALFORMED', 'Broken quanta framing.', String(error))
  }
  const verified = verifyRelayQuanta(quanta, parameters)
  return verified.ok
    ? { ok: true, count: verified.count, records: verified.records, quanta }
    : { ok: false, error: verified.error, quanta }
}
