import type { IncomingMessage } from 'node:http'
import type { TrackedRelay } from '@decai/app-kit/claim-auditor'
import { inspectChunk } from '@decai/app-kit/openai'
import { classifyRelayMinerError } from '@decai/app-kit/relay-miner-errors'
import { buildRelayPayload, prepareUpstreamRequest } from '@decai/app-kit/relay-payload'
import { postRelay } from '@decai/app-kit/relay-transport'
import { SseParser } from '@decai/app-kit/sse'
import { describeError } from '@decai/core'
import { bytesToHex, type RingSigner } from '@decai/crypto'
import type { RelayRequest } from '@decai/protocol'
import {
  buildRelayRequest,
  createRelayStreamVerifier,
  isRelayStreamContentType,
  isSessionError,
  serializeRelayRequest,
  signRelayRequest,
} from '@decai/session'
import { verifyAnswer } from './answer.js'
import type { ProbeSession } from './sessions.js'

// One probe: a chat completion that looks like user traffic relayed by the gateway — the body as
// the official OpenAI clients send it, turned into the relay payload by the very functions the
// gateway uses (`prepareUpstreamRequest`, `buildRelayPayload`), ring-signed for the session and
// POSTed by the gateway's transport (`postRelay`). Every byte the supplier returns is kept as
// evidence, and timings are taken as the signed parts verify.

export const CHAT_PATH = '/v1/chat/completions'

export type ProbeBodyParameters = {
  /** The model name a user sends (the gateway's catalogue name). */
  model: string
  prompt: string
  maxTokens: number
  stream: boolean
  /** Greedy and seeded (a model-identity challenge), else a user's usual sampling. */
  challenge: { seed: number } | undefined
  /** Sampling temperature of a non-challenge probe. */
  temperature?: number
}

/** The body a user's OpenAI client sends, fields in the client's order. */
export function buildProbeBody(p: ProbeBodyParameters): Record<string, unknown> {
  return {
    model: p.model,
    messages: [{ role: 'user', content: p.prompt }],
    max_tokens: p.maxTokens,
    temperature: p.challenge ? 0 : (p.temperature ?? 0.7),
    ...(p.challenge ? { seed: p.challenge.seed } : {}),
    ...(p.stream ? { stream: true } : {}),
  }
}

export type ProbeEvidence = {
  /** The signed RelayRequest, hex. */
  request: string
  /** Every byte of the supplier's answer, hex. */
  response: string
  streamed: boolean
  supplierPublicKey: string
}

export type ProbeOutcome = {
  ok: boolean
  /**
   * Why it failed: a session error code, `connect`, `timeout`, `http_<status>`, `truncated`, or
   * for a relay miner's refusal `session` (our session is a block early or late for it: not the
   * supplier's fault), `rate_limited`, `bad_request` or `RELAY_RESPONSE_MINER_ERROR`.
   */
  failure: string | null
  status: number | null
  text: string | null
  ttftMs: number | null
  latencyMs: number
  completionTokens: number | null
  promptTokens: number | null
  /** Time per output token after the first. */
  tpotMs: number | null
  tokensPerSecond: number | null
  evidence: ProbeEvidence | null
}

export type SendProbeParameters = {
  session: ProbeSession
  supplier: { operatorAddress: string; url: string }
  supplierPublicKey: Uint8Array
  signer: RingSigner
  /** What the suppliers' backends serve the service under. */
  upstreamModel: string
  body: Record<string, unknown>
  stream: boolean
  timeoutMs: number
  /** Follows the signed request for the claim audit (`ClaimAuditor.trackRequest`). */
  track?: ((request: RelayRequest) => TrackedRelay | undefined) | undefined
}

/** Sends one probe and measures it. Never throws: a failure is an outcome. */
export async function sendProbe(p: SendProbeParameters): Promise<ProbeOutcome> {
  const { request: upstream } = prepareUpstreamRequest(p.body, p.upstreamModel, p.stream)
  const payload = buildRelayPayload({
    path: CHAT_PATH,
    stream: p.stream,
    body: new TextEncoder().encode(JSON.stringify(upstream)),
  })
  const request = signRelayRequest(
    buildRelayRequest({
      sessionHeader: p.session.header,
      supplierOperatorAddress: p.supplier.operatorAddress,
      payload,
    }),
    { signer: p.signer, ring: p.session.ring },
  )
  // Counted once signed and sent: the supplier can mine this relay from now on.
  const audit = p.track?.(request)
  try {
    return await exchangeProbe(p, request, audit)
  } finally {
    // No verified answer (does nothing once `answered`): the request's worst case counts.
    audit?.abandoned()
  }
}

/** Sends the signed probe, reads and verifies the answer. */
async function exchangeProbe(
  p: SendProbeParameters,
  request: RelayRequest,
  audit: TrackedRelay | undefined,
): Promise<ProbeOutcome> {
  const requestBytes = serializeRelayRequest(request)
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), p.timeoutMs)
  const startedAt = performance.now()
  const failed = (failure: string, evidence: ProbeEvidence | null = null): ProbeOutcome => ({
    ok: false,
    failure,
    status: null,
    text: null,
    ttftMs: null,
    latencyMs: performance.now() - startedAt,
    completionTokens: null,
    promptTokens: null,
    tpotMs: null,
    tokensPerSecond: null,
    evidence,
  })
  let response: IncomingMessage
  try {
    response = await postRelay({
      url: p.supplier.url,
      body: requestBytes,
      stream: p.stream,
      signal: abort.signal,
    })
  } catch {
    clearTimeout(timer)
    return failed(abort.signal.aborted ? 'timeout' : 'connect')
  }
  const streamed = isRelayStreamContentType(response.headers['content-type'])
  const chunks: Buffer[] = []
  let firstTokenAt: number | undefined
  try {
    // Verify as it arrives, only to time the first token; the whole answer is verified below.
    const verifier = streamed
      ? createRelayStreamVerifier({
          request,
          supplierOperatorAddress: p.supplier.operatorAddress,
          supplierPublicKey: p.supplierPublicKey,
        })
      : undefined
    const sse = new SseParser()
    const decoder = new TextDecoder()
    for await (const chunk of response) {
      chunks.push(chunk as Buffer)
      if (!verifier || firstTokenAt !== undefined) continue
      for (const part of verifier.push(chunk as Uint8Array)) {
        const bytes =
          part.kind === 'data'
            ? part.bytes
            : part.kind === 'head'
              ? part.response.bodyBz
              : undefined
        if (!bytes) continue
        for (const event of sse.push(decoder.decode(bytes, { stream: true })))
          if (event.data !== undefined && inspectChunk(event.data).hasContent)
            firstTokenAt ??= performance.now()
      }
    }
    if (!response.complete) throw new Error('the connection closed mid-response')
  } catch (error) {
    clearTimeout(timer)
    if (isSessionError(error)) return failed(describeFailure(error))
    return failed(abort.signal.aborted ? 'timeout' : 'truncated')
  }
  clearTimeout(timer)
  const endedAt = performance.now()
  const responseBytes = Buffer.concat(chunks)
  const evidence: ProbeEvidence = {
    request: bytesToHex(requestBytes),
    response: bytesToHex(responseBytes),
    streamed,
    supplierPublicKey: bytesToHex(p.supplierPublicKey),
  }
  let answer: ReturnType<typeof verifyAnswer>
  try {
    answer = verifyAnswer({
      request,
      response: responseBytes,
      streamed,
      supplierOperatorAddress: p.supplier.operatorAddress,
      supplierPublicKey: p.supplierPublicKey,
    })
  } catch (error) {
    return failed(
      isSessionError(error) ? describeFailure(error) : `malformed: ${describeError(error)}`,
    )
  }
  audit?.answered(answer.answerHash, answer.usage?.promptTokens)
  if (answer.status < 200 || answer.status >= 300)
    return { ...failed(`http_${answer.status}`, evidence), status: answer.status }
  const latencyMs = endedAt - startedAt
  const ttftMs =
    firstTokenAt === undefined ? (streamed ? null : latencyMs) : firstTokenAt - startedAt
  const completionTokens = answer.usage?.completionTokens ?? answer.chunks
  const tpotMs =
    ttftMs !== null && streamed && completionTokens > 1
      ? (latencyMs - ttftMs) / (completionTokens - 1)
      : null
  return {
    ok: true,
    failure: null,
    status: answer.status,
    text: answer.text,
    ttftMs,
    latencyMs,
    completionTokens,
    promptTokens: answer.usage?.promptTokens ?? null,
    tpotMs,
    tokensPerSecond: latencyMs > 0 ? (completionTokens * 1000) / latencyMs : null,
    evidence,
  }
}

/** A session package error as a failure label; a relay miner's refusal by what it means. */
function describeFailure(error: {
  code: string
  relayMinerError?: Parameters<typeof classifyRelayMinerError>[0]
}): string {
  if (error.code !== 'RELAY_RESPONSE_MINER_ERROR') return error.code
  const reason = classifyRelayMinerError(error.relayMinerError)
  return reason === 'miner_error' ? error.code : reason
}
