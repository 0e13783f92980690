// Browser access on the wire (the real-browser test is browser.test.ts): the preflight of the
// gateway's OpenAI routes and of a supplier, the CORS headers on JSON, streamed and error
// answers, the default that allows no origin; the context length in `/v1/models`; and a client
// that leaves mid-stream, which is routine and must not be logged as a warning.
import { createLogger } from '@decai/app-kit/logger'
import { RELAY_STREAM_HEADER } from '@decai/session'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CORS_ALLOW_HEADERS } from '../src/app.js'
import { startGateway } from '../src/index.js'
import {
  ADMIN_TOKEN,
  MODEL,
  type Network,
  startNetwork,
  startStubBackend,
  waitUntil,
} from './helpers.js'

const PAGE = 'http://127.0.0.1:5173'
const OTHER = 'http://127.0.0.1:6006'

let stub: Awaited<ReturnType<typeof startStubBackend>>
let net: Network
let key: string
type LogLine = { level: string; msg: string; reason?: string }
const gatewayLines: LogLine[] = []
const supplierLines: LogLine[] = []
const capture = (into: LogLine[]) =>
  createLogger({ level: 'debug', write: (line) => into.push(JSON.parse(line)) })

beforeAll(async () => {
  stub = await startStubBackend({ tokens: 6 })
  net = await startNetwork({
    suppliers: ['good'],
    backendUrl: stub.url,
    gateway: {
      cors: { allowedOrigins: [PAGE], maxAgeSeconds: 600 },
      models: [{ name: MODEL, serviceId: 'llm', contextLength: 2048 }],
    },
    supplier: { cors: { allowedOrigins: [PAGE] } },
    loggers: { gateway: capture(gatewayLines), supplier: capture(supplierLines) },
  })
  ;({ key } = await net.gateway.createApiKey({ name: 'cors' }))
})

afterAll(async () => {
  await net?.stop()
  await stub?.stop()
})

const preflight = (url: string, origin: string, headers: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': headers,
    },
  })

const chat = (origin: string, extra: Record<string, unknown> = {}, signal?: AbortSignal) =>
  fetch(`${net.gateway.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...extra }),
    ...(signal ? { signal } : {}),
  })

describe('gateway CORS', () => {
  it('answers the preflight of an allowed origin: 204, the headers, the max age', async () => {
    const res = await preflight(
      `${net.gateway.baseUrl}/chat/completions`,
      PAGE,
      'authorization,content-type,x-stainless-os,x-stainless-retry-count',
    )
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe(PAGE)
    expect(res.headers.get('access-control-allow-methods')).toContain('POST')
    const allowed = res.headers.get('access-control-allow-headers')!.split(',')
    expect(allowed).toEqual([...CORS_ALLOW_HEADERS])
    expect(allowed).toContain('Authorization')
    expect(res.headers.get('access-control-max-age')).toBe('600')
  })

  it('refuses other origins: no Access-Control-Allow-Origin on the preflight or the answer', async () => {
    const res = await preflight(`${net.gateway.baseUrl}/chat/completions`, OTHER, 'authorization')
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    const answer = await chat(OTHER, { max_tokens: 2 })
    expect(answer.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('puts the CORS headers on a streamed answer, with the headers a page reads exposed', async () => {
    const res = await chat(PAGE, { stream: true, stream_options: { include_usage: true } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    expect(res.headers.get('access-control-allow-origin')).toBe(PAGE)
    const exposed = res.headers.get('access-control-expose-headers')!.split(',')
    expect(exposed).toContain('X-Decai-Supplier')
    expect(res.headers.get('x-decai-supplier')).toBe(net.suppliers[0]!.address)
    // The head leaves with the first token: it states the gateway's own share of that token.
    expect(Number(res.headers.get('x-decai-overhead-duration-ms'))).toBeGreaterThan(0)
    expect(await res.text()).toContain('[DONE]')
  })

  it('puts them on JSON answers and on errors, so a page can read the error', async () => {
    const ok = await chat(PAGE, { max_tokens: 2 })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBe(PAGE)
    const unauthorized = await fetch(`${net.gateway.baseUrl}/models`, {
      headers: { origin: PAGE, authorization: 'Bearer wrong' },
    })
    expect(unauthorized.status).toBe(401)
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe(PAGE)
  })

  it('keeps /admin same-origin', async () => {
    const res = await fetch(`${net.gateway.url}/admin/keys`, {
      headers: { origin: PAGE, authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('allows no origin by default', async () => {
    const gateway = await startGateway({
      listen: { port: 0 },
      chain: { rpcUrl: net.devnet.rpcUrl, blockTransport: 'polling' },
      gateway: { privateKey: net.devnet.accounts.find((a) => a.name === 'gateway')!.privateKey! },
      store: { path: ':memory:' },
      log: { level: 'silent' },
    })
    try {
      // Answered (not 405), but without the header the browser needs.
      const res = await preflight(`${gateway.baseUrl}/chat/completions`, PAGE, 'authorization')
      expect(res.status).toBe(204)
      expect(res.headers.get('access-control-allow-origin')).toBeNull()
    } finally {
      await gateway.stop()
    }
  })
})

describe('supplier CORS', () => {
  it('answers the preflight of a browser relay (protobuf body, signed-stream header)', async () => {
    const url = net.suppliers[0]!.url
    const res = await preflight(url, PAGE, `content-type,${RELAY_STREAM_HEADER.toLowerCase()}`)
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe(PAGE)
    expect(res.headers.get('access-control-allow-headers')).toBe(
      `Content-Type,${RELAY_STREAM_HEADER}`,
    )
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0)
    const other = await preflight(url, OTHER, 'content-type')
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('/v1/models', () => {
  it('shows the configured context length under both names clients read', async () => {
    const res = await fetch(`${net.gateway.baseUrl}/models/${MODEL}`, {
      headers: { authorization: `Bearer ${key}` },
    })
    expect(await res.json()).toMatchObject({
      id: MODEL,
      context_length: 2048,
      max_model_len: 2048,
    })
  })
})

describe('a client that leaves mid-stream', () => {
  it('is logged at info or debug, never warn, by the gateway and the supplier', async () => {
    gatewayLines.length = 0
    supplierLines.length = 0
    const abort = new AbortController()
    const res = await chat(PAGE, { stream: true, stub_chunk_delay_ms: 200 }, abort.signal)
    const reader = res.body!.getReader()
    await reader.read()
    abort.abort()
    await waitUntil(
      () => gatewayLines.some((l) => l.msg === 'request' && 'clientDisconnected' in l),
      10_000,
    )
    // The supplier learns of it when the gateway drops the relay.
    await waitUntil(() => supplierLines.some((l) => l.reason === 'client_gone'), 10_000)
    const warned = [...gatewayLines, ...supplierLines].filter(
      (l) => l.level === 'warn' || l.level === 'error',
    )
    expect(warned).toEqual([])
  })

  it('is not a warning either when it leaves before a whole answer', async () => {
    gatewayLines.length = 0
    supplierLines.length = 0
    const abort = new AbortController()
    const pending = chat(PAGE, { stream: true, stub_chunk_delay_ms: 300 }, abort.signal)
    const aborted = pending.then(
      (res) => res.text(),
      (e: unknown) => e,
    )
    setTimeout(() => abort.abort(), 100)
    await aborted
    const whole = new AbortController()
    const answer = chat(PAGE, { stub_chunk_delay_ms: 300 }, whole.signal).catch((e: unknown) => e)
    setTimeout(() => whole.abort(), 100)
    await answer
    await waitUntil(
      () =>
        gatewayLines.filter((l) => l.msg === 'request' && 'clientDisconnected' in l).length === 2,
      10_000,
    )
    await new Promise((r) => setTimeout(r, 2500))
    const warned = [...gatewayLines, ...supplierLines].filter(
      (l) => l.level === 'warn' || l.level === 'error',
    )
    expect(warned).toEqual([])
  })
})
