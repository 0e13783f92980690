import { createPoktHttpRequest, serializePoktHttpRequest } from '@decai/session'
import { requestStreamUsage } from './openai.js'

// What a supplier's backend receives for an OpenAI request relayed by a gateway: one home for
// the exact shape, so that every relay a gateway key signs (user traffic through the gateway,
// probes from a watcher holding another gateway key of the same ring) looks the same on the
// wire: the same HTTP headers, the client's JSON field order with only `model` replaced in place,
// and `stream_options.include_usage` appended to streams that did not ask for it.

/**
 * The JSON request for the suppliers: the service's model name in place of the client's, and
 * usage always asked for on streams; `stripUsage` when the client did not ask for it (the extra
 * usage chunk is then the relayer's to drop).
 */
export function prepareUpstreamRequest(
  request: Readonly<Record<string, unknown>>,
  upstreamModel: string,
  stream: boolean,
): { request: Record<string, unknown>; stripUsage: boolean } {
  const upstream = { ...request, model: upstreamModel }
  if (!stream) return { request: upstream, stripUsage: false }
  const { request: withUsage, injected } = requestStreamUsage(upstream)
  return { request: withUsage, stripUsage: injected }
}

export type BuildRelayPayloadParameters = {
  /** Path the backend sees, e.g. `/v1/chat/completions`. */
  path: string
  stream: boolean
  /** The JSON body, as bytes. */
  body: Uint8Array
}

/** The relay payload: a serialized `POKTHTTPRequest` with the headers every relayer sends. */
export function buildRelayPayload(parameters: BuildRelayPayloadParameters): Uint8Array {
  return serializePoktHttpRequest(
    createPoktHttpRequest({
      method: 'POST',
      url: parameters.path,
      headers: {
        'Content-Type': 'application/json',
        Accept: parameters.stream ? 'text/event-stream' : 'application/json',
      },
      body: parameters.body,
    }),
  )
}
