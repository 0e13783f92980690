import type { ServerResponse } from 'node:http'
import type { OpenAiError } from '@decai/app-kit/openai'
import type { ClientStream } from './client-stream.js'

// What the gateway answers a client, before it is written: a whole body or a stream. The same
// answer goes out as a web `Response` (the hono app) or straight onto Node's response (the
// gateway's server: one socket write for a whole answer, and for a stream's head with its
// first events).

export type ClientAnswer = {
  status: number
  headers: Record<string, string>
} & ({ body: Uint8Array | string | null; stream?: undefined } | { stream: ClientStream })

/** The JSON answer for an error, with `Retry-After` when the error names a wait. */
export function toErrorAnswer({ status, body, retryAfter }: OpenAiError): ClientAnswer {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter)
  return { status, headers, body: JSON.stringify(body) }
}

/** The answer as a web `Response`. */
export function toWebResponse(answer: ClientAnswer): Response {
  const body = answer.stream ? answer.stream.stream : answer.body
  return new Response(body as BodyInit | null, {
    status: answer.status,
    headers: answer.headers,
  })
}

/**
 * Writes the answer on Node's response, `extraHeaders` (CORS) added. A whole body goes with its
 * `Content-Length` in the same write as the head.
 */
export function sendAnswer(
  answer: ClientAnswer,
  res: ServerResponse,
  extraHeaders: Record<string, string>,
): void {
  const headers = { ...answer.headers, ...extraHeaders }
  if (answer.stream) {
    answer.stream.attach(res, answer.status, headers)
    return
  }
  const { body } = answer
  if (body === null) {
    res.writeHead(answer.status, headers)
    res.end()
    return
  }
  headers['content-length'] = String(
    typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
  )
  res.writeHead(answer.status, headers)
  res.end(body)
}
