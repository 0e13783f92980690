import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'
import { RELAY_STREAM_HEADER, RELAY_STREAM_VERSION } from '@decai/session'

// How a relayer's HTTP request to a supplier looks: one home, so that a gateway and a watcher
// holding a key of the same ring are indistinguishable on the wire (method, headers and their
// order, keep-alive connections), not only in the signed bytes.

// Keep-alive pools to suppliers: one TCP (or TLS) connection serves many relays.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }),
}

export type PostRelayParameters = {
  /** The supplier's staked endpoint. */
  url: string
  /** The serialized, signed `RelayRequest`. */
  body: Uint8Array
  /** Ask for a signed stream (`pokt-relay-stream/v1`). */
  stream: boolean
  signal: AbortSignal
}

/**
 * POSTs a signed relay with node:http (lighter than fetch per request) and resolves with the
 * supplier's response, unread. Rejects when the supplier cannot be reached.
 */
export function postRelay(parameters: PostRelayParameters): Promise<IncomingMessage> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' }
  if (parameters.stream) headers[RELAY_STREAM_HEADER] = RELAY_STREAM_VERSION
  return post(parameters.url, parameters.body, headers, parameters.signal)
}

function post(
  url: string,
  body: Uint8Array,
  headers: Record<string, string>,
  signal: AbortSignal,
  retried = false,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const target = new URL(url)
    const client = target.protocol === 'https:' ? https : http
    const agent = agents[target.protocol as keyof typeof agents]
    if (!agent) {
      reject(new Error(`unsupported protocol ${target.protocol}`))
      return
    }
    const request = client.request(target, {
      method: 'POST',
      agent,
      signal,
      headers: { ...headers, 'content-length': String(body.length) },
    })
    request.once('response', resolve)
    request.once('error', (error: NodeJS.ErrnoException) => {
      // A pooled connection the supplier closed while idle: the relay never reached it, so
      // send it once more on a fresh connection (Node's documented keep-alive race).
      if (
        !retried &&
        request.reusedSocket &&
        (error.code === 'ECONNRESET' || error.code === 'EPIPE') &&
        !signal.aborted
      )
        post(url, body, headers, signal, true).then(resolve, reject)
      else reject(error)
    })
    request.end(body)
  })
}
