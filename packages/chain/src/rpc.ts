import type { RpcClient } from '@cosmjs/tendermint-rpc'
import { ChainError, isChainError } from './errors.js'

type JsonRpcRequest = Parameters<RpcClient['execute']>[0]
type JsonRpcSuccessResponse = Awaited<ReturnType<RpcClient['execute']>>

export type HttpRpcClientOptions = {
  /** Milliseconds before a request counts as failed (`TIMEOUT`); 30 s by default. */
  timeout?: number | undefined
  /** Extra HTTP headers, e.g. an API key for a hosted RPC endpoint. */
  headers?: Record<string, string> | undefined
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch | undefined
}

/**
 * A CometBFT JSON-RPC client over HTTP POST, for cosmjs's `Comet38Client`, that fails with typed
 * errors: `NETWORK_ERROR` when the node cannot be reached, `TIMEOUT`, and `RPC_ERROR` carrying
 * the JSON-RPC error's code and data (cosmjs's own client throws them as JSON text).
 */
export function createHttpRpcClient(url: string, options: HttpRpcClientOptions = {}): RpcClient {
  const { timeout = 30_000, headers = {} } = options
  const doFetch = options.fetch ?? globalThis.fetch
  const post = (request: JsonRpcRequest) =>
    doFetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(timeout),
    })
  return {
    disconnect: () => {},
    execute: async (request: JsonRpcRequest): Promise<JsonRpcSuccessResponse> => {
      let response: Response
      try {
        response = await post(request)
      } catch (cause) {
        const error = toTransportError(cause, request.method, url)
        // A pooled keep-alive connection the node has closed (after a restart, say) fails once;
        // reads are safe to send again at once. Broadcasts are retried by the sending pipeline.
        if (error.code !== 'NETWORK_ERROR' || request.method.startsWith('broadcast_')) throw error
        try {
          response = await post(request)
        } catch (again) {
          throw toTransportError(again, request.method, url)
        }
      }
      let body: unknown
      try {
        body = await response.json()
      } catch (cause) {
        if (isTimeout(cause)) throw toTransportError(cause, request.method, url)
        throw new ChainError('RPC_ERROR', `Invalid JSON-RPC response to ${request.method}.`, {
          details: `HTTP ${response.status} from ${url}`,
          cause,
        })
      }
      return readJsonRpcResponse(body, request, response.status)
    },
  }
}

function readJsonRpcResponse(
  body: unknown,
  request: JsonRpcRequest,
  status: number,
): JsonRpcSuccessResponse {
  const object = (body ?? {}) as {
    result?: unknown
    error?: { code?: number; message?: string; data?: unknown }
  }
  if (object.error) {
    const { code, message = '', data } = object.error
    const text = typeof data === 'string' ? data : data === undefined ? '' : JSON.stringify(data)
    throw new ChainError(
      /mempool is full/i.test(text) ? 'MEMPOOL_FULL' : 'RPC_ERROR',
      `${request.method} failed: ${message}`,
      { details: text || message, rpcCode: code },
    )
  }
  if (!('result' in object)) {
    throw new ChainError('RPC_ERROR', `Invalid JSON-RPC response to ${request.method}.`, {
      details: `HTTP ${status}: ${JSON.stringify(body).slice(0, 200)}`,
    })
  }
  return { jsonrpc: '2.0', id: request.id, result: object.result }
}

function isTimeout(cause: unknown): boolean {
  return cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError')
}

function toTransportError(cause: unknown, method: string, url: string): ChainError {
  if (isChainError(cause)) return cause
  if (isTimeout(cause)) {
    return new ChainError('TIMEOUT', `${method} timed out.`, { details: url, cause })
  }
  const reason =
    cause instanceof Error ? `${cause.message}${describeCause(cause.cause)}` : String(cause)
  return new ChainError('NETWORK_ERROR', `Cannot reach the node at ${url}.`, {
    details: reason,
    cause,
  })
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `: ${cause.message}`
  return ''
}

/** The websocket endpoint of a CometBFT RPC URL (`http://host:26657` → `ws://host:26657/websocket`). */
export function getWebsocketUrl(rpcUrl: string): string {
  const url = new URL(rpcUrl)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/websocket`
  return url.toString()
}
