// An HTTP proxy in front of the chain's RPC, for faults the tests cause on purpose: a node that
// goes away (`up = false` drops every connection) and a slow node (`delayMs` before each answer).
// It passes no websocket upgrades, so a dashboard behind it follows blocks by polling.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RpcProxy {
  url: string
  /** false: every request's connection is dropped, as by a node that is down. */
  up: boolean
  /** Added before each answer, as by a slow or distant node. */
  delayMs: number
  /** Drops the connections open now (kept-alive ones included); the proxy keeps listening. */
  dropConnections(): void
  close(): void
}

export async function startRpcProxy(rpcUrl: string, options: { delayMs?: number } = {}) {
  const server = createServer(async (req, res) => {
    if (!proxy.up) {
      req.socket.destroy()
      return
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    try {
      const upstream = await fetch(new URL(req.url ?? '/', rpcUrl), {
        method: req.method ?? 'GET',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
      })
      const body = Buffer.from(await upstream.arrayBuffer())
      if (proxy.delayMs > 0) await new Promise((r) => setTimeout(r, proxy.delayMs))
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? '' })
      res.end(body)
    } catch {
      req.socket.destroy()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const proxy: RpcProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    up: true,
    delayMs: options.delayMs ?? 0,
    dropConnections() {
      server.closeAllConnections()
    },
    close() {
      server.closeAllConnections()
      server.close()
    },
  }
  return proxy
}
