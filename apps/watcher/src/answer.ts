import { inspectChunk, readUsage, type Usage } from '@decai/app-kit/openai'
import { SseParser } from '@decai/app-kit/sse'
import { POKTHTTPResponseSchema, type RelayRequest, unmarshal } from '@decai/protocol'
import { createRelayStreamVerifier, verifyRelayResponse } from '@decai/session'

// A supplier's signed answer to one probe, verified and read: the same code runs when the probe
// comes back and when `decai-watcher verify` re-checks a report offline, so a report can only
// claim what its evidence bytes say.

export type VerifyAnswerParameters = {
  request: RelayRequest
  /** Every byte the supplier sent back. */
  response: Uint8Array
  /** The supplier answered with signed stream frames (else one signed RelayResponse). */
  streamed: boolean
  supplierOperatorAddress: string
  supplierPublicKey: Uint8Array
}

export type VerifiedAnswer = {
  /** The backend's HTTP status inside the relay. */
  status: number
  /** The generated text (message content or text), joined over chunks. */
  text: string
  /** Content chunks (about one token each for a llama.cpp backend). */
  chunks: number
  usage: Usage | undefined
  /** The signed answer's payload hash (a stream's final link): what its quanta name. */
  answerHash: Uint8Array
}

/**
 * Verifies the supplier's signature over every frame (and the stream's hash chain) or over the
 * whole response, then reads the OpenAI answer. Throws the session package's typed error on a
 * verification failure.
 */
export function verifyAnswer(parameters: VerifyAnswerParameters): VerifiedAnswer {
  const { request, supplierOperatorAddress, supplierPublicKey } = parameters
  if (parameters.streamed) {
    const verifier = createRelayStreamVerifier({
      request,
      supplierOperatorAddress,
      supplierPublicKey,
    })
    const parts = [...verifier.push(parameters.response)]
    verifier.finish()
    let status = 0
    let answerHash: Uint8Array = new Uint8Array()
    const body: Uint8Array[] = []
    for (const part of parts) {
      if (part.kind === 'end') answerHash = part.frame.payloadHash
      else if (part.kind === 'head') {
        status = part.response.statusCode
        if (part.response.bodyBz.length > 0) body.push(part.response.bodyBz)
      } else if (part.kind === 'data') body.push(part.bytes)
    }
    return { status, answerHash, ...readOpenAiBody(Buffer.concat(body), true) }
  }
  const result = verifyRelayResponse(parameters.response, {
    sessionHeader: request.meta!.sessionHeader!,
    supplierOperatorAddress,
    supplierPublicKey,
  })
  if (!result.ok) throw result.error
  const http = unmarshal(POKTHTTPResponseSchema, result.response.payload)
  const sse = /text\/event-stream/i.test(
    Object.values(http.header).find((h) => h.key.toLowerCase() === 'content-type')?.values[0] ?? '',
  )
  return {
    status: http.statusCode,
    answerHash: result.response.payloadHash,
    ...readOpenAiBody(http.bodyBz, sse),
  }
}

/** The text, chunk count and usage of an OpenAI chat or text completion (JSON or SSE). */
export function readOpenAiBody(
  bytes: Uint8Array,
  sse: boolean,
): Omit<VerifiedAnswer, 'status' | 'answerHash'> {
  const text = new TextDecoder().decode(bytes)
  if (!sse) {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return { text: '', chunks: 0, usage: undefined }
    }
    const choice = (value as { choices?: { message?: { content?: unknown }; text?: unknown }[] })
      .choices?.[0]
    const content = choice?.message?.content ?? choice?.text
    return {
      text: typeof content === 'string' ? content : '',
      chunks: 1,
      usage: readUsage(value),
    }
  }
  const parser = new SseParser()
  let out = ''
  let chunks = 0
  let usage: Usage | undefined
  for (const event of [...parser.push(text), ...parser.flush()]) {
    if (event.data === undefined) continue
    const info = inspectChunk(event.data)
    if (info.usage) usage = info.usage
    const piece = readDelta(event.data)
    if (piece) {
      out += piece
      chunks++
    }
  }
  return { text: out, chunks, usage }
}

function readDelta(data: string): string | undefined {
  try {
    const chunk = JSON.parse(data) as {
      choices?: { delta?: { content?: unknown }; text?: unknown }[]
    }
    const choice = chunk.choices?.[0]
    const piece = choice?.delta?.content ?? choice?.text
    return typeof piece === 'string' && piece.length > 0 ? piece : undefined
  } catch {
    return undefined
  }
}
