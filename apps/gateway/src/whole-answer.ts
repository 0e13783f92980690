// A whole (non-streamed) answer as the client gets it: the supplier's body as is, with the
// gateway's headers, or, for a backend error, the backend's own OpenAI error.

const decoder = new TextDecoder()

export function safeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes))
  } catch {
    return undefined
  }
}

/** The backend's own OpenAI error, or one describing its status. */
export function upstreamError(
  status: number,
  body: Uint8Array,
): { message: string; type: string; code: string | null } {
  const parsed = safeJson(body) as
    | { error?: { message?: unknown; type?: unknown; code?: unknown } }
    | undefined
  const e = parsed?.error
  if (e && typeof e.message === 'string')
    return {
      message: e.message,
      type: typeof e.type === 'string' ? e.type : 'invalid_request_error',
      code: typeof e.code === 'string' ? e.code : null,
    }
  return { message: `The backend answered HTTP ${status}.`, type: 'server_error', code: null }
}

/** The gateway's own share of the answer: total latency minus the wait on the supplier. */
export function getOverheadMs(
  latencyMs: number,
  a: { responseAt: number; fetchStartedAt: number },
): number | null {
  return a.responseAt > 0 ? latencyMs - (a.responseAt - a.fetchStartedAt) : null
}

/**
 * The gateway's own share of a stream's first token: from the request to the relay's departure,
 * plus from the arrival of the token's bytes to now (verification, parsing, the client's head).
 */
export function getStreamOverheadMs(
  receivedAt: number,
  a: { fetchStartedAt: number; lastDataAt: number },
): number | null {
  if (a.fetchStartedAt === 0 || a.lastDataAt === 0) return null
  return a.fetchStartedAt - receivedAt + (performance.now() - a.lastDataAt)
}

/** Headers of a whole answer. */
export function wholeAnswerHeaders(
  contentType: string,
  supplier: string,
  overheadMs: number | null,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': contentType,
    'x-decai-supplier': supplier,
  }
  if (overheadMs !== null) headers['x-decai-overhead-duration-ms'] = overheadMs.toFixed(2)
  return headers
}
