import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type BackendRequest, createBackendAgent, sendBackendRequest } from '../src/backend.js'
import { isSupplierError } from '../src/errors.js'

// A raw HTTP/1.1 backend, so the test decides exactly when a socket dies: it resets a connection
// at its `resetAt`-th request and answers the ones before. With `resetAt` 2 it looks, from
// outside, like a backend whose keep-alive timeout fires as the supplier reuses the socket.
function startResettingBackend(
  resetAt: number,
): Promise<{ server: Server; url: string; seen: () => number[] }> {
  const requestsPerConnection: number[] = []
  const server = createServer((socket: Socket) => {
    const index = requestsPerConnection.push(0) - 1
    let buffered = ''
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1')
      while (buffered.includes('\r\n\r\n')) {
        const end = buffered.indexOf('\r\n\r\n') + 4
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0)
        if (buffered.length < end + length) return
        buffered = buffered.slice(end + length)
        requestsPerConnection[index]! += 1
        if (requestsPerConnection[index]! >= resetAt) {
          socket.resetAndDestroy()
          return
        }
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok')
      }
    })
    socket.on('error', () => {})
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      resolve({ server, url: `http://127.0.0.1:${port}/`, seen: () => [...requestsPerConnection] })
    }),
  )
}

const request = (url: string): BackendRequest => ({
  url: new URL(url),
  method: 'POST',
  headers: new Map([['content-type', ['application/json']]]),
  body: new TextEncoder().encode('{}'),
  clientPath: '/',
})

async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
  let out = ''
  for await (const chunk of body) out += Buffer.from(chunk).toString()
  return out
}

let server: Server | undefined
afterEach(() => server?.close())

describe('sendBackendRequest', () => {
  it('sends a request again, once, when the backend reset a reused keep-alive socket', async () => {
    const backend = await startResettingBackend(2)
    server = backend.server
    const agent = createBackendAgent(backend.url, 4)
    const signal = new AbortController().signal

    const first = await sendBackendRequest(request(backend.url), { agent, signal })
    expect(await text(first.body)).toBe('ok')
    // The second goes out on the kept-alive socket, which the backend resets unanswered.
    const second = await sendBackendRequest(request(backend.url), { agent, signal })
    expect(second.status).toBe(200)
    expect(await text(second.body)).toBe('ok')
    expect(backend.seen()).toEqual([2, 1])
    agent.destroy()
  })

  it('reports a reset on a fresh socket, which it never sends again', async () => {
    const backend = await startResettingBackend(1)
    server = backend.server
    const agent = createBackendAgent(backend.url, 4)
    const failure = await sendBackendRequest(request(backend.url), {
      agent,
      signal: new AbortController().signal,
    }).catch((error: unknown) => error)
    expect(isSupplierError(failure) && failure.code).toBe('BACKEND_FAILED')
    // The backend may have acted on it, so it went out once.
    expect(backend.seen()).toEqual([1])
    agent.destroy()
  })
})
