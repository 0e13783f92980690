import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { describeError } from '@decai/core'
import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { type WebSocket, WebSocketServer } from 'ws'
import { DevnetError } from '../errors.js'
import type { StoredBlock, TxRecord } from '../node/types.js'
import {
  b64,
  blockEventValues,
  blockIdJson,
  blockJson,
  eventsObject,
  finalizeResultJson,
  headerJson,
  txEventValues,
  txResultJson,
} from './comet-json.js'
import {
  internalError,
  methods,
  type Params,
  type RpcContext,
  RpcError,
  stringParam,
} from './methods.js'
import { type Condition, matchesQuery, parseQuery } from './query-language.js'

type JsonRpcRequest = { jsonrpc?: string; id?: unknown; method?: unknown; params?: unknown }

function errorResponse(id: unknown, error: RpcError) {
  return {
    jsonrpc: '2.0',
    id: id ?? -1,
    error: { code: error.code, message: error.rpcMessage, data: error.data },
  }
}

function paramsObject(method: string, params: unknown): Params {
  if (params === undefined || params === null) return {}
  if (Array.isArray(params)) {
    // Positional params, in the order CometBFT declares them for the common methods.
    const order: Record<string, string[]> = {
      abci_query: ['path', 'data', 'height', 'prove'],
      block: ['height'],
      block_results: ['height'],
      commit: ['height'],
      header: ['height'],
      validators: ['height', 'page', 'per_page'],
      blockchain: ['minHeight', 'maxHeight'],
      broadcast_tx_sync: ['tx'],
      broadcast_tx_async: ['tx'],
      broadcast_tx_commit: ['tx'],
      tx: ['hash', 'prove'],
      tx_search: ['query', 'prove', 'page', 'per_page', 'order_by'],
      subscribe: ['query'],
      unsubscribe: ['query'],
      devnet_produce_blocks: ['count'],
    }
    const names = order[method] ?? []
    return Object.fromEntries(params.map((v, i) => [names[i] ?? String(i), v]))
  }
  if (typeof params === 'object') return params as Params
  throw new RpcError(-32602, 'Invalid params', 'params must be an object or array')
}

/** Runs one JSON-RPC call and returns its response object. */
export async function dispatch(ctx: RpcContext, request: JsonRpcRequest): Promise<object> {
  const id = request.id ?? -1
  if (typeof request.method !== 'string') {
    return errorResponse(id, new RpcError(-32600, 'Invalid Request', 'method is missing'))
  }
  const method = methods[request.method]
  if (!method) return errorResponse(id, new RpcError(-32601, 'Method not found', ''))
  try {
    const result = await method(ctx, paramsObject(request.method, request.params))
    return { jsonrpc: '2.0', id, result }
  } catch (error) {
    if (error instanceof RpcError) return errorResponse(id, error)
    return errorResponse(id, internalError(describeError(error)))
  }
}

/** URI params: strings arrive quoted ("..."), numbers and 0x-hex bare. */
function uriParams(query: Record<string, string>): Params {
  const out: Params = {}
  for (const [key, raw] of Object.entries(query)) {
    out[key] = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw
  }
  return out
}

type Subscription = { id: unknown; query: string; conditions: Condition[] }

/** One websocket client: JSON-RPC calls plus event subscriptions. */
class Client {
  private readonly subscriptions = new Map<string, Subscription>()

  constructor(
    private readonly ctx: RpcContext,
    private readonly socket: WebSocket,
  ) {}

  async onMessage(text: string): Promise<void> {
    let request: JsonRpcRequest
    try {
      request = JSON.parse(text) as JsonRpcRequest
    } catch {
      this.send(errorResponse(-1, new RpcError(-32700, 'Parse error', 'invalid JSON')))
      return
    }
    const method = request.method
    const params = (() => {
      try {
        return paramsObject(String(method), request.params)
      } catch {
        return {}
      }
    })()
    if (method === 'subscribe') {
      const query = stringParam(params, 'query')
      try {
        this.subscriptions.set(query, { id: request.id, query, conditions: parseQuery(query) })
        this.send({ jsonrpc: '2.0', id: request.id, result: {} })
      } catch (error) {
        this.send(
          errorResponse(request.id, internalError(`failed to parse query: ${String(error)}`)),
        )
      }
      return
    }
    if (method === 'unsubscribe') {
      const query = stringParam(params, 'query')
      if (!this.subscriptions.delete(query)) {
        this.send(errorResponse(request.id, internalError('subscription not found')))
        return
      }
      this.send({ jsonrpc: '2.0', id: request.id, result: {} })
      return
    }
    if (method === 'unsubscribe_all') {
      this.subscriptions.clear()
      this.send({ jsonrpc: '2.0', id: request.id, result: {} })
      return
    }
    this.send(await dispatch(this.ctx, request))
  }

  onBlock(block: StoredBlock): void {
    const values = blockEventValues(block)
    const header = new Map(values)
    header.set('tm.event', ['NewBlockHeader'])
    for (const sub of this.subscriptions.values()) {
      if (matchesQuery(sub.conditions, values)) {
        this.event(
          sub,
          {
            type: 'tendermint/event/NewBlock',
            value: {
              block: blockJson(block),
              block_id: blockIdJson(block.blockId),
              result_finalize_block: finalizeResultJson(block),
            },
          },
          values,
        )
      } else if (matchesQuery(sub.conditions, header)) {
        this.event(
          sub,
          { type: 'tendermint/event/NewBlockHeader', value: { header: headerJson(block.header) } },
          header,
        )
      }
    }
  }

  onTx(record: TxRecord): void {
    const values = txEventValues(record)
    for (const sub of this.subscriptions.values()) {
      if (!matchesQuery(sub.conditions, values)) continue
      this.event(
        sub,
        {
          type: 'tendermint/event/Tx',
          value: {
            TxResult: {
              height: record.height.toString(),
              index: record.index,
              tx: b64(record.tx),
              result: txResultJson(record.result),
            },
          },
        },
        values,
      )
    }
  }

  private event(sub: Subscription, data: object, values: Map<string, string[]>): void {
    this.send({
      jsonrpc: '2.0',
      id: sub.id,
      result: { query: sub.query, data, events: eventsObject(values) },
    })
  }

  private send(message: object): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message))
  }
}

export type RpcServer = { url: string; port: number; close(): Promise<void> }

/**
 * CometBFT's CORS handler, for browser clients: the origins of `cors_allowed_origins` (`*` for
 * any), its methods and request headers. The websocket is not subject to CORS.
 */
function rpcCors(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins)
  return cors({
    origin: allowed.has('*') ? '*' : (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ['HEAD', 'GET', 'POST'],
    allowHeaders: ['Origin', 'Accept', 'Content-Type', 'X-Requested-With', 'X-Server-Time'],
    exposeHeaders: ['X-Server-Time'],
    maxAge: 7200,
  })
}

/** Whether `text` is a `corsAllowedOrigins` entry: `*` or an origin as a browser sends it. */
export function isCorsOrigin(text: string): boolean {
  if (text === '*') return true
  if (text.includes('*')) return false
  try {
    const url = new URL(text)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text
  } catch {
    return false
  }
}

/** Serves CometBFT JSON-RPC over HTTP (POST and GET) and a websocket at `/websocket`. */
export async function startRpcServer(
  ctx: RpcContext,
  host: string,
  port: number,
  corsAllowedOrigins: readonly string[] = [],
): Promise<RpcServer> {
  const app = new Hono()
  // Without origins, CometBFT installs no CORS handler at all: a preflight is answered like any
  // other request, with no Access-Control-* header, and the browser refuses the call.
  if (corsAllowedOrigins.length > 0) app.use('*', rpcCors(corsAllowedOrigins))
  app.post('/', async (c) => {
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      return c.json(errorResponse(-1, new RpcError(-32700, 'Parse error', 'invalid JSON')))
    }
    if (Array.isArray(body)) {
      const out = []
      for (const request of body) out.push(await dispatch(ctx, request as JsonRpcRequest))
      return c.json(out)
    }
    return c.json(await dispatch(ctx, body as JsonRpcRequest))
  })
  app.get('/', (c) =>
    c.text(
      `Available endpoints:\n${Object.keys(methods)
        .map((m) => `//${c.req.header('host') ?? ''}/${m}`)
        .join('\n')}\n`,
    ),
  )
  app.get('/:method', async (c) => {
    const method = c.req.param('method')
    return c.json(
      await dispatch(ctx, { jsonrpc: '2.0', id: -1, method, params: uriParams(c.req.query()) }),
    )
  })

  const server = createAdaptorServer({ fetch: app.fetch }) as Server
  const wss = new WebSocketServer({ noServer: true })
  const clients = new Set<Client>()
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // CometBFT serves the websocket at exactly `/websocket` (Go's ServeMux): any other path,
    // `/websocket/websocket` included, is a plain 404, which clients must notice.
    if (new URL(request.url ?? '/', 'http://devnet').pathname !== '/websocket') {
      socket.end(
        'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n' +
          'Content-Length: 19\r\nConnection: close\r\n\r\n404 page not found\n',
      )
      return
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const client = new Client(ctx, ws)
      clients.add(client)
      ws.on('message', (data) => void client.onMessage(data.toString()))
      ws.on('close', () => clients.delete(client))
      ws.on('error', () => clients.delete(client))
    })
  })
  const onBlock = (block: StoredBlock) => {
    for (const c of clients) c.onBlock(block)
  }
  const onTx = (record: TxRecord) => {
    for (const c of clients) c.onTx(record)
  }
  ctx.node.on('block', onBlock)
  ctx.node.on('tx', onTx)

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new DevnetError('RPC_FAILED', `Cannot listen on ${host}:${port}.`, {
          details: String(error),
          cause: error,
        }),
      ),
    )
    server.listen(port, host, () => resolve())
  })
  const actual = (server.address() as AddressInfo).port
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        ctx.node.off('block', onBlock)
        ctx.node.off('tx', onTx)
        for (const ws of wss.clients) ws.terminate()
        wss.close()
        server.close(() => resolve())
        server.closeAllConnections?.()
      }),
  }
}
