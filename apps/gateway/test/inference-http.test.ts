// The inference routes on Node's server (routes/inference-http.ts): how an answer reaches the
// socket, and the edges of reading a body there, with real parts around an executor whose
// answer the test chooses.
import { createLogger } from '@decai/app-kit/logger'
import { recordSocketWrites } from '@decai/app-kit/node-http'
import { SSE_HEADERS } from '@decai/app-kit/sse'
import { afterEach, describe, expect, it } from 'vitest'
import type { ClientAnswer } from '../src/client-answer.js'
import { ClientStream } from '../src/client-stream.js'
import { parseGatewayConfig } from '../src/config.js'
import { startGatewayServer } from '../src/gateway-server.js'
import { createGatewayMetrics } from '../src/metrics.js'
import { ModelCatalog } from '../src/models.js'
import { MemoryKeyLimits } from '../src/rate-limiter.js'
import type { Execution, RelayExecutor } from '../src/relay-executor.js'
import type { GatewayAppDependencies } from '../src/routes/context.js'
import { SqliteKeyStore } from '../src/sqlite-key-store.js'
import { leaveMidUpload } from './helpers.js'

const config = parseGatewayConfig({
  gateway: { privateKey: 'ab'.repeat(32) },
  models: [{ name: 'small', serviceId: 'llm', endpoints: ['chat'] }],
  auth: { required: false },
  limits: { maxBodyBytes: 1024 },
})
const chat = JSON.stringify({ model: 'small', messages: [{ role: 'user', content: 'hi' }] })

type Running = Awaited<ReturnType<typeof startGatewayServer>>
const running: Running[] = []
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop()
})

/**
 * The gateway's server with `answer` from its executor; counts the socket flushes (one
 * `write`/`writev` system call each) of every connection it accepts.
 */
async function serve(answer: () => ClientAnswer, lines: Record<string, unknown>[] = []) {
  const store = new SqliteKeyStore(':memory:')
  const server = await startGatewayServer(
    {
      config,
      store,
      limiter: new MemoryKeyLimits(),
      catalog: new ModelCatalog(config.models),
      metrics: createGatewayMetrics(),
      logger: createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) }),
      isStopping: () => false,
      executor: {
        execute: async (): Promise<Execution> => ({
          answer: answer(),
          outcome: new Promise(() => {}),
        }),
      } as unknown as RelayExecutor,
    } as unknown as GatewayAppDependencies,
    { port: 0, host: '127.0.0.1' },
  )
  running.push(server)
  const flushes = recordSocketWrites(server.server)
  return { url: server.url, port: server.port, flushes }
}

const post = (url: string, body = chat) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })

describe('answers on the socket', () => {
  it('a whole answer: its head and body in one write, with its length', async () => {
    const body = JSON.stringify({ id: 'x', choices: [] })
    const g = await serve(() => ({
      status: 200,
      headers: { 'content-type': 'application/json', 'x-decai-supplier': 'pokt1s' },
      body,
    }))
    const response = await post(g.url)
    expect(await response.text()).toBe(body)
    expect(response.headers.get('content-length')).toBe(String(body.length))
    expect(response.headers.get('x-decai-supplier')).toBe('pokt1s')
    expect(g.flushes).toHaveLength(1)
    expect(g.flushes[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{"id":"x"/)
  })

  it('a stream: its head and the events already verified in one write, then each event', async () => {
    let stream!: ClientStream
    const g = await serve(() => {
      stream = new ClientStream(() => {})
      // What the executor has written when it hands the answer over: the held first events.
      stream.write('data: {"role":"assistant"}\n\n')
      stream.write('data: {"content":"Paris"}\n\n')
      return { status: 200, headers: { ...SSE_HEADERS }, stream }
    })
    const response = await post(g.url)
    const reader = response.body!.getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    expect(first).toContain('"Paris"')
    expect(g.flushes).toHaveLength(1)
    expect(g.flushes[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n[\s\S]*"role"[\s\S]*"Paris"/)
    stream.write('data: [DONE]\n\n')
    stream.close()
    let rest = ''
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      rest += new TextDecoder().decode(value)
    }
    expect(rest).toBe('data: [DONE]\n\n')
    expect(g.flushes.length).toBeLessThanOrEqual(3)
  })

  it('a stream with nothing to send yet: the head goes out at once', async () => {
    let stream!: ClientStream
    const g = await serve(() => {
      stream = new ClientStream(() => {})
      return { status: 200, headers: { ...SSE_HEADERS }, stream }
    })
    const response = await post(g.url)
    expect(response.status).toBe(200)
    stream.write(': keep-alive\n\n')
    stream.close()
    expect(await response.text()).toBe(': keep-alive\n\n')
  })
})

describe('reading the body on Node’s server', () => {
  it('refuses a body over the limit, with or without its length, and serves the connection on', async () => {
    const g = await serve(() => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }))
    const huge = JSON.stringify({ model: 'small', padding: 'x'.repeat(100 * 1024) })
    const declared = await post(g.url, huge)
    expect(declared.status).toBe(413)
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe(
      'request_too_large',
    )
    const chunked = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(huge))
          controller.close()
        },
      }),
      duplex: 'half',
    } as RequestInit)
    expect(chunked.status).toBe(413)
    await chunked.arrayBuffer()
    expect((await post(g.url)).status).toBe(200)
  })

  it('logs a client that leaves mid-upload at debug, not as a failure', async () => {
    const lines: Record<string, unknown>[] = []
    const g = await serve(() => ({ status: 200, headers: {}, body: '{}' }), lines)
    // Headers and half of the declared body, then the socket closes.
    await leaveMidUpload(g.port)
    expect(lines.filter((l) => l['level'] === 'error' || l['level'] === 'warn')).toEqual([])
    expect(lines.find((l) => l['msg'] === 'client left')).toMatchObject({ level: 'debug' })
  })
})
