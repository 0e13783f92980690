import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http'

// Serving a route on Node's HTTP server directly, ahead of the hono app that `startServer`
// runs: for a hot route, without an undici `Request`, hono's routing and a web `Response` per
// request. The apps use it for what they serve most (the gateway's inference routes, the
// supplier's relays); everything else still goes to the hono app.

/** A request listener step: serves the request and returns true, else returns false. */
export type DirectRoute = (req: IncomingMessage, res: ServerResponse) => boolean

/** Puts `route` ahead of the server's own `request` listeners (the hono adapter). */
export function serveAhead(server: Server, route: DirectRoute): void {
  const listeners = server.listeners('request') as RequestListener[]
  server.removeAllListeners('request')
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (route(req, res)) return
    for (const listener of listeners) listener.call(server, req, res)
  })
}

/**
 * The body's bytes, or `undefined` past `max` bytes (declared or read) without reading the
 * rest. Rejects when the upload is cut short, after calling `onClientLeft`.
 */
export function readIncomingBody(
  req: IncomingMessage,
  max: number,
  onClientLeft: () => void = () => {},
): Promise<Uint8Array | undefined> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN)
  if (Number.isFinite(declared) && declared > max) return Promise.resolve(undefined)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > max) {
        done()
        req.pause()
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      done()
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    }
    const onError = (error: Error) => {
      done()
      onClientLeft()
      reject(error)
    }
    const onClose = () => {
      done()
      if (req.readableEnded) return onEnd()
      onClientLeft()
      reject(new Error('Client connection prematurely closed.'))
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onClose)
  })
}

/** Most bytes read past the end of a refused upload before its connection is dropped. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024
const DRAIN_TIMEOUT_MS = 500

/**
 * After answering a request whose body was not read to its end (refused as too large), reads
 * and drops the rest, so the connection can serve the next request; past a bound, drops it.
 */
export function drainAfter(req: IncomingMessage, res: ServerResponse): void {
  if (req.readableEnded || req.destroyed || !req.readableDidRead) return
  res.once('finish', () => {
    if (req.readableEnded) return
    let read = 0
    const drop = () => {
      clearTimeout(timer)
      req.socket?.destroy()
    }
    const timer = setTimeout(drop, DRAIN_TIMEOUT_MS)
    timer.unref()
    req.on('data', (chunk: Buffer) => {
      read += chunk.length
      if (read > MAX_DRAIN_BYTES) drop()
    })
    req.once('end', () => clearTimeout(timer))
    req.resume()
  })
}

/**
 * Records what every connection of `server` hands its socket, one string (latin1) per flush:
 * each `write` or `writev` system call the socket makes. For tests of how many writes an answer
 * takes; not for production use (it wraps each socket's internal write methods).
 */
export function recordSocketWrites(server: Server): string[] {
  const flushes: string[] = []
  server.on('connection', (socket) => {
    const s = socket as unknown as Record<string, (...args: unknown[]) => unknown>
    for (const name of ['_write', '_writev'] as const) {
      const original = s[name]!
      s[name] = function (this: unknown, ...args: unknown[]) {
        const chunks =
          name === '_writev' ? (args[0] as { chunk: unknown }[]).map((c) => c.chunk) : [args[0]]
        flushes.push(chunks.map((c) => Buffer.from(c as Uint8Array).toString('latin1')).join(''))
        return original.apply(this, args)
      }
    }
  })
  return flushes
}
