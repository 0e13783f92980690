import { createServer } from 'node:net'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { isAppKitError, splitHostPort, startServer } from '../src/index.js'

describe('startServer', () => {
  it('serves a hono app on a free port and stops', async () => {
    const app = new Hono().get('/ping', (c) => c.text('pong'))
    const server = await startServer({ fetch: app.fetch, port: 0, host: '127.0.0.1' })
    expect(server.port).toBeGreaterThan(0)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
    expect(await (await fetch(`${server.url}/ping`)).text()).toBe('pong')
    await server.stop()
    await server.stop()
    await expect(fetch(`${server.url}/ping`)).rejects.toThrow()
  })

  it('ends a stream in flight once the grace period is over', async () => {
    const app = new Hono().get('/stream', () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('data: first\n\n'))
        },
      })
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
    })
    const server = await startServer({ fetch: app.fetch, port: 0, host: '127.0.0.1' })
    const response = await fetch(`${server.url}/stream`)
    const reader = response.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: first\n\n')
    const started = performance.now()
    await server.stop({ graceMs: 100 })
    expect(performance.now() - started).toBeGreaterThanOrEqual(90)
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return 'done'
      })(),
    ).rejects.toThrow()
  })

  it('rejects with LISTEN_FAILED when the port is taken', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    const app = new Hono()
    const error = await startServer({ fetch: app.fetch, port, host: '127.0.0.1' }).catch((e) => e)
    expect(isAppKitError(error)).toBe(true)
    expect(error.code).toBe('LISTEN_FAILED')
    blocker.close()
  })

  it('binds IPv6 hosts and writes them in brackets', async () => {
    const server = await startServer({ fetch: new Hono().fetch, port: 0, host: '::1' }).catch(
      () => undefined,
    )
    if (server === undefined) return // no IPv6 loopback on this machine
    expect(server.url).toBe(`http://[::1]:${server.port}`)
    await server.stop()
  })
})

describe('splitHostPort', () => {
  it('splits host:port, IPv6 in brackets', () => {
    expect(splitHostPort('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 })
    expect(splitHostPort('[::1]:0')).toEqual({ host: '::1', port: 0 })
  })
})
