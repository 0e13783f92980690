// Backend faults with the real model: a timeout, a refused connection, a backend killed
// mid-answer (SIGKILL of a real llm-server process), and 5xx answers. Each time the client
// gets a clear error, nothing is mined, and the supplier keeps serving.
import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import type { Devnet } from '@decai/devnet'
import { type LlmServer, startLlmServer } from '@decai/llm-server'
import { isSessionError } from '@decai/session'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Supplier, startSupplier } from '../src/index.js'
import { AppClient, chatBody, startChain, supplierConfig } from './helpers.js'

let devnet: Devnet
let llm: LlmServer
let llmWithDeadline: LlmServer
const suppliers: Supplier[] = []
let child: ChildProcess | undefined
let childPort: number

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** A real llm-server in its own process (so it can be SIGKILLed mid-answer). */
async function startLlmProcess(port: number): Promise<ChildProcess> {
  const main = join(dirname(createRequire(import.meta.url).resolve('@decai/llm-server')), 'main.ts')
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', main, '--port', String(port), '--threads', '1', '--no-embeddings'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  await new Promise<void>((resolve, reject) => {
    let out = ''
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('listening on')) resolve()
    })
    proc.once('exit', (code) => reject(new Error(`llm-server exited with ${code}`)))
  })
  return proc
}

function kill(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    proc.once('exit', () => resolve())
    proc.kill('SIGKILL')
  })
}

let normal: Supplier
let slow: Supplier
let refused: Supplier
let failing: Supplier
let dying: Supplier

beforeAll(async () => {
  childPort = await freePort()
  ;[devnet, llm, llmWithDeadline, child] = await Promise.all([
    startChain(),
    startLlmServer({ port: 0, threads: 1, parallel: 2, embeddings: false }),
    // Answers 504 (or an in-band error mid-stream) past 150 ms.
    startLlmServer({ port: 0, threads: 1, parallel: 1, embeddings: false, requestTimeoutMs: 150 }),
    startLlmProcess(childPort),
  ])
  await devnet.produceBlock()
  const start = (backend: string, service: Record<string, unknown> = {}) =>
    startSupplier(supplierConfig(devnet, backend, { service })).then((s) => {
      suppliers.push(s)
      return s
    })
  normal = await start(llm.url)
  slow = await start(llm.url, { timeout: '1s' })
  refused = await start(`http://127.0.0.1:${await freePort()}`)
  failing = await start(llmWithDeadline.url)
  dying = await start(`http://127.0.0.1:${childPort}`)
})

afterAll(async () => {
  await Promise.all(suppliers.map((s) => s.stop()))
  if (child && child.exitCode === null) await kill(child)
  await Promise.all([llm?.stop(), llmWithDeadline?.stop(), devnet?.stop()])
})

const longAnswer = () => chatBody('Write a long story about a dragon.', { max_tokens: 400 })

async function expectServing(s: Supplier) {
  const client = AppClient.for(devnet, s)
  const result = await client.send(
    s.url,
    await client.signRelay({
      path: '/v1/chat/completions',
      body: chatBody('Hi', { max_tokens: 2 }),
    }),
  )
  expect(result.ok).toBe(true)
}

function expectStreamMinerError(error: unknown, pattern: RegExp) {
  expect(isSessionError(error) && error.code).toBe('RELAY_RESPONSE_MINER_ERROR')
  expect((error as Error).message).toMatch(pattern)
}

describe('backend faults', () => {
  it('a backend slower than the service timeout: relayer_proxy/10, buffered or streamed', async () => {
    const client = AppClient.for(devnet, slow)
    const started = performance.now()
    const result = await client.send(
      slow.url,
      await client.signRelay({ path: '/v1/chat/completions', body: longAnswer() }),
    )
    expect(performance.now() - started).toBeLessThan(4000)
    expect(!result.ok && result.minerError).toMatchObject({ codespace: 'relayer_proxy', code: 10 })

    const streamed = await client.stream(
      slow.url,
      await client.signRelay({
        path: '/v1/chat/completions',
        body: { ...longAnswer(), stream: true },
      }),
    )
    // Tokens came (verified), then a clear error instead of the final frame.
    expect(streamed.streamed).toBe(true)
    expect(streamed.parts.filter((p) => p.kind === 'data').length).toBeGreaterThan(0)
    expect(streamed.parts.some((p) => p.kind === 'end')).toBe(false)
    expectStreamMinerError(streamed.error, /relayer_proxy\/10.*timed out|did not answer in time/s)
    await expectServing(slow)
  })

  it('a backend that refuses connections: relayer_proxy/5 naming the cause', async () => {
    const client = AppClient.for(devnet, refused)
    const result = await client.send(
      refused.url,
      await client.signRelay({ path: '/v1/chat/completions', body: chatBody('Hi') }),
    )
    expect(!result.ok && result.minerError).toMatchObject({ codespace: 'relayer_proxy', code: 5 })
    expect(!result.ok && result.minerError.message).toMatch(/ECONNREFUSED/)
    // A stream cannot start without a backend: the base protocol's error answers.
    const streamed = await client.stream(
      refused.url,
      await client.signRelay({
        path: '/v1/chat/completions',
        body: chatBody('Hi', { stream: true }),
      }),
    )
    expect(streamed.streamed).toBe(false)
    expect(streamed.response?.relayMinerError).toMatchObject({
      codespace: 'relayer_proxy',
      code: 5,
    })
  })

  it('a 5xx is passed through signed (the real status for the client) and not mined', async () => {
    const client = AppClient.for(devnet, failing)
    const result = await client.send(
      failing.url,
      await client.signRelay({ path: '/v1/chat/completions', body: longAnswer() }),
    )
    if (!result.ok) throw new Error(result.minerError.message)
    expect(result.status).toBe(504)
    expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'timeout' } })
    // Mid-stream, the backend reports its failure in band: forwarded, the stream ends cleanly,
    // and the relay is not mined either.
    const streamed = await client.stream(
      failing.url,
      await client.signRelay({
        path: '/v1/chat/completions',
        body: { ...longAnswer(), stream: true },
      }),
    )
    expect(streamed.error).toBeUndefined()
    expect(streamed.text).toMatch(/"error"/)
    const session = await client.session()
    expect(failing.getSession(session.sessionId)).toMatchObject({ relaysServed: 2, relaysMined: 0 })
    expect(await failing.renderMetrics()).toMatch(
      /supplier_relays_not_mined_total\{service="llm",reason="backend_5xx"\} 1/,
    )
    expect(await failing.renderMetrics()).toMatch(
      /supplier_relays_not_mined_total\{service="llm",reason="backend_error_event"\} 1/,
    )
  })

  it('a backend killed mid-answer: verified tokens, then a clear error; nothing mined', async () => {
    const client = AppClient.for(devnet, dying)
    // One answer being collected whole, one being streamed: the backend dies under both.
    const buffered = client.send(
      dying.url,
      await client.signRelay({ path: '/v1/chat/completions', body: longAnswer() }),
    )
    let killed: Promise<void> | undefined
    const streamed = await client.stream(
      dying.url,
      await client.signRelay({
        path: '/v1/chat/completions',
        body: { ...longAnswer(), stream: true },
      }),
      (part) => {
        if (part.kind === 'data' && !killed) killed = kill(child!)
      },
    )
    await killed
    expect(streamed.parts.filter((p) => p.kind === 'data').length).toBeGreaterThan(0)
    expectStreamMinerError(streamed.error, /relayer_proxy\/5/)
    expect(streamed.error instanceof Error && streamed.error.message).toMatch(
      /closed the response|ECONNRESET|socket hang up|aborted/,
    )
    const result = await buffered
    expect(!result.ok && result.minerError).toMatchObject({ codespace: 'relayer_proxy', code: 5 })

    // The supplier keeps serving once the backend is back.
    child = await startLlmProcess(childPort)
    await expectServing(dying)
    const session = await client.session()
    expect(dying.getSession(session.sessionId)).toMatchObject({ relaysServed: 1, relaysMined: 1 })
  })

  it('every supplier still serves, and failures are counted by reason', async () => {
    await expectServing(normal)
    const metrics = (await Promise.all([slow, refused, dying].map((s) => s.renderMetrics()))).join(
      '\n',
    )
    expect(metrics).toMatch(
      /supplier_relays_failed_total\{service="llm",reason="backend_timeout"\} 2/,
    )
    expect(metrics).toMatch(
      /supplier_relays_failed_total\{service="llm",reason="backend_unreachable"\} 2/,
    )
    expect(metrics).toMatch(
      /supplier_relays_failed_total\{service="llm",reason="backend_failed"\} 2/,
    )
    for (const s of [slow, refused, dying]) {
      const mined = s.listSessions().reduce((n, r) => n + r.relaysMined, 0)
      const served = s.listSessions().reduce((n, r) => n + r.relaysServed, 0)
      expect(mined).toBe(served)
    }
  })
})
