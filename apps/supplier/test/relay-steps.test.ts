// The relay path's steps one by one (src/relay-*.ts), with real inputs: relays signed by the
// devnet's application over its real session and ring, the chain read through the supplier's
// chain view, a SQLite session store, and a local HTTP backend.
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createLogger } from '@decai/app-kit/logger'
import { getMetricValue } from '@decai/app-kit/metrics'
import { recordSocketWrites, serveAhead } from '@decai/app-kit/node-http'
import { startServer } from '@decai/app-kit/server'
import { createChainClient } from '@decai/chain'
import { getPublicKey } from '@decai/crypto'
import type { Devnet } from '@decai/devnet'
import { clone, type RelayRequest, RelayRequestSchema } from '@decai/protocol'
import {
  createRelayStreamVerifier,
  parseRelayResponse,
  serializeRelayRequest,
  verifyRelayResponse,
} from '@decai/session'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBackendAgent, parsePoktHttpRequest } from '../src/backend.js'
import { createChainView } from '../src/chain-view.js'
import { parseSupplierConfig } from '../src/config.js'
import { SupplierError } from '../src/errors.js'
import { createSupplierMetrics } from '../src/metrics.js'
import { RelayMeter } from '../src/rate-limit.js'
import { type AdmittedRelay, admitRelay } from '../src/relay-admission.js'
import { relayMinerErrors } from '../src/relay-errors.js'
import { forwardRelay, type RelayInFlight } from '../src/relay-forward.js'
import { createRelayListener } from '../src/relay-http.js'
import {
  decodeRelay,
  readRequestBody,
  toVerifyRejection,
  verifyRelay,
} from '../src/relay-intake.js'
import { mine } from '../src/relay-mine.js'
import { RelayBytes, reject } from '../src/relay-reply.js'
import { bufferRelay } from '../src/relay-respond.js'
import { createRelayApp, type RelayServerContext } from '../src/relay-server.js'
import { errorFrame, streamRelay } from '../src/relay-stream.js'
import { openSessionStore } from '../src/session-store.js'
import { AppClient, account, SERVICE_ID, startChain, supplierConfig, tempDir } from './helpers.js'

let devnet: Devnet
let backend: Server
let ctx: RelayServerContext
let app: AppClient
/** The same supplier with token metering on the service: 10 tokens a quantum, both weights 1. */
let metered: RelayServerContext
const METERING = { quantum: 10, inputWeight: 1, outputWeight: 1, maxQuanta: 10_000 }
const sealed = new Set<string>()

const completion = JSON.stringify({
  choices: [{ index: 0, message: { role: 'assistant', content: 'Paris.' } }],
  usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
})

beforeAll(async () => {
  devnet = await startChain()
  await devnet.produceBlocks(2)
  backend = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.url?.startsWith('/silent')) return // never answers: the headers deadline fires
      if (req.url?.startsWith('/slow-sse')) {
        // One event, then silence: the client leaves in between.
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('data: {"choices":[{"delta":{"content":"Pa"}}]}\n\n')
        setTimeout(() => res.end('data: [DONE]\n\n'), 5000).unref()
        return
      }
      if (req.url?.startsWith('/crash-sse')) {
        // One event, then the backend dies.
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('data: {"choices":[{"delta":{"content":"Pa"}}]}\n\n')
        setTimeout(() => res.socket?.destroy(), 20)
        return
      }
      if (req.url?.startsWith('/crash')) {
        // Part of a JSON answer, then the backend dies.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
        res.write('{"choices":')
        setTimeout(() => res.socket?.destroy(), 20)
        return
      }
      if (req.url?.startsWith('/sse')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('data: {"choices":[{"delta":{"content":"Pa"}}]}\n\n')
        res.end('data: {"choices":[{"delta":{"content":"ris"}}]}\n\ndata: [DONE]\n\n')
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(completion)
    })
  })
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`
  const config = parseSupplierConfig(
    supplierConfig(devnet, url, { service: { maxRequestBytes: '4KiB', headersTimeout: '300ms' } }),
  )
  const supplier = account(devnet, 'supplier1')
  const client = createChainClient({ rpcUrl: devnet.rpcUrl })
  ctx = {
    operatorAddress: supplier.address,
    privateKey: supplier.privateKey,
    services: new Map(
      config.services.map((s) => [s.id, { config: s, agent: createBackendAgent(s.backendUrl, 4) }]),
    ),
    chain: createChainView(client, await client.getLatestHeight()),
    store: openSessionStore(tempDir(), { synchronous: 'normal' }),
    meter: new RelayMeter(),
    rateLimit: true,
    metrics: createSupplierMetrics(),
    logger: createLogger({ level: 'silent' }),
    isSealed: (id) => sealed.has(id),
    inFlight: { count: 0 },
  }
  const base = ctx.services.get(SERVICE_ID)!
  metered = {
    ...ctx,
    meter: new RelayMeter(),
    services: new Map([
      [SERVICE_ID, { ...base, config: { ...base.config, tokenMetering: METERING } }],
    ]),
  }
  app = new AppClient(
    devnet,
    account(devnet, 'application'),
    supplier.address,
    getPublicKey(supplier.privateKey),
  )
})

afterAll(async () => {
  ctx?.store.close()
  await new Promise((r) => backend?.close(r))
  await devnet?.stop()
})

const chat = { model: 'stub', messages: [{ role: 'user', content: 'Capital of France?' }] }

/** A real relay through intake and admission, as serveRelay runs them. */
async function admit(path = '/v1/chat/completions'): Promise<AdmittedRelay> {
  const admitted = await admitTo(ctx, path, chat)
  if (admitted instanceof RelayBytes) throw new Error('not admitted')
  return admitted
}

/** Intake and admission of a relay with this body, on this supplier: admitted or refused. */
async function admitTo(
  c: RelayServerContext,
  path: string,
  body: unknown,
): Promise<AdmittedRelay | RelayBytes> {
  const request = await app.signRelay({ path, body })
  const decoded = decodeRelay(serializeRelayRequest(request), c)
  if (!decoded.ok) throw new Error(decoded.rejection.reason)
  return admitRelay(c, {
    request,
    serviceId: SERVICE_ID,
    service: decoded.service,
    numSuppliers: 1,
    height: ctx.chain.height,
    started: performance.now(),
  })
}

async function forward(path?: string): Promise<RelayInFlight> {
  const relay = await forwardRelay(await admit(path))
  if (relay instanceof RelayBytes) throw new Error('not forwarded')
  return relay
}

function minerErrorOf(answer: RelayBytes) {
  return parseRelayResponse(answer.bytes).relayMinerError
}

describe('intake', () => {
  it('reads a body up to its limit, with or without a declared length', async () => {
    const bytes = new Uint8Array(100).fill(7)
    const declared = new Request('http://x/', { method: 'POST', body: bytes })
    expect(await readRequestBody(declared, 100)).toEqual(bytes)
    expect(
      await readRequestBody(new Request('http://x/', { method: 'POST', body: bytes }), 99),
    ).toBeUndefined()
    const chunked = () =>
      new Request('http://x/', {
        method: 'POST',
        body: new ReadableStream({
          start(c) {
            c.enqueue(bytes.subarray(0, 60))
            c.enqueue(bytes.subarray(60))
            c.close()
          },
        }),
        duplex: 'half',
      } as RequestInit)
    expect(await readRequestBody(chunked(), 100)).toEqual(bytes)
    expect(await readRequestBody(chunked(), 80)).toBeUndefined()
  })

  it('decodes a signed relay for this supplier and refuses the others without the chain', async () => {
    const request = await app.signRelay({ path: '/v1/chat/completions', body: chat })
    const decoded = decodeRelay(serializeRelayRequest(request), ctx)
    expect(decoded.ok && decoded.serviceId).toBe(SERVICE_ID)

    const garbage = decodeRelay(new Uint8Array([0xff, 0xff, 0xff]), ctx)
    expect(!garbage.ok && garbage.rejection).toMatchObject({
      kind: 'unmarshalingRelayRequest',
      reason: 'RELAY_REQUEST_MALFORMED',
    })

    const elsewhere = decodeRelay(serializeRelayRequest(request), {
      ...ctx,
      operatorAddress: 'pokt1x',
    })
    expect(!elsewhere.ok && elsewhere.rejection).toMatchObject({
      kind: 'supplierNotReachable',
      reason: 'RELAY_UNKNOWN_SUPPLIER',
      serviceId: SERVICE_ID,
    })

    const other = clone(RelayRequestSchema, request)
    other.meta!.sessionHeader!.serviceId = 'other'
    const unknown = decodeRelay(serializeRelayRequest(other), ctx)
    expect(!unknown.ok && unknown.rejection).toMatchObject({
      kind: 'serviceEndpointNotHandled',
      reason: 'UNKNOWN_SERVICE',
    })

    const big = await app.signRelay({ path: '/v1/chat/completions', body: 'x'.repeat(5000) })
    const tooBig = decodeRelay(serializeRelayRequest(big), ctx)
    expect(!tooBig.ok && tooBig.rejection).toMatchObject({
      kind: 'maxBodyExceeded',
      reason: 'REQUEST_TOO_LARGE',
    })
  })

  it('verifies a signed relay against the chain, and not one whose signature was altered', async () => {
    const request = await app.signRelay({ path: '/v1/chat/completions', body: chat })
    const good = await verifyRelay(
      ctx,
      serializeRelayRequest(request),
      request,
      SERVICE_ID,
      ctx.chain.height,
    )
    expect(good.ok && good.session.supplierOperatorAddresses).toContain(ctx.operatorAddress)

    const forged: RelayRequest = clone(RelayRequestSchema, request)
    forged.meta!.signature = forged.meta!.signature.map((b, i) => (i === 10 ? b ^ 1 : b))
    const bad = await verifyRelay(
      ctx,
      serializeRelayRequest(forged),
      forged,
      SERVICE_ID,
      ctx.chain.height,
    )
    expect(bad.ok).toBe(false)
    if (bad.ok) return
    const rejection = toVerifyRejection(bad, forged, SERVICE_ID)
    expect(rejection).toMatchObject({ reason: bad.code, serviceId: SERVICE_ID })
    expect(await minerErrorOf(reject(ctx, rejection))).toBeDefined()
  })
})

describe('replies', () => {
  it('reject answers poktroll’s relay-miner error with the request’s session header, and counts it', async () => {
    const request = await app.signRelay({ path: '/v1/chat/completions', body: chat })
    const before = await getMetricValue(ctx.metrics.relaysRejected, {
      service: SERVICE_ID,
      reason: 'RATE_LIMITED',
    })
    const res = reject(ctx, {
      kind: 'rateLimited',
      reason: 'RATE_LIMITED',
      details: 'no stake left',
      request,
      serviceId: SERVICE_ID,
    })
    const response = parseRelayResponse(res.bytes)
    const expected = relayMinerErrors.rateLimited
    expect(response.relayMinerError).toMatchObject({
      codespace: expected.codespace,
      code: expected.abciCode,
    })
    expect(response.relayMinerError!.message).toContain('no stake left')
    expect(response.meta?.sessionHeader).toEqual(request.meta!.sessionHeader)
    expect(
      await getMetricValue(ctx.metrics.relaysRejected, {
        service: SERVICE_ID,
        reason: 'RATE_LIMITED',
      }),
    ).toBe(before + 1)
    // Before a request parses, the service is unknown.
    reject(ctx, { kind: 'maxBodyExceeded', reason: 'REQUEST_TOO_LARGE' })
    expect(
      await getMetricValue(ctx.metrics.relaysRejected, {
        service: 'unknown',
        reason: 'REQUEST_TOO_LARGE',
      }),
    ).toBe(1)
  })

  it('an error frame ends a broken stream with the failure’s relay-miner error', async () => {
    const request = await app.signRelay({ path: '/v1/chat/completions', body: chat })
    const frame = errorFrame(request, new SupplierError('BACKEND_TIMEOUT', 'Too slow.'))
    // uvarint length ‖ RelayResponse
    let start = 0
    while (frame[start]! & 0x80) start++
    const response = parseRelayResponse(frame.subarray(start + 1))
    expect(response.relayMinerError).toMatchObject({ code: relayMinerErrors.timeout.abciCode })
  })
})

describe('admission, forwarding, answering, mining', () => {
  it('admits a relay: eligible, its session on record, its cost reserved', async () => {
    const relay = await admit()
    expect(relay.eligible).toBe(true)
    expect(ctx.store.getSession(relay.header.sessionId, ctx.operatorAddress)?.state).toBe('open')
    const meter = await ctx.meter.get(relay.sessionKey)
    expect(meter && meter.consumed >= meter.relayCost).toBe(true)
  })

  it('answers a buffered relay with a signed response and mines it before answering', async () => {
    const relay = await forward()
    const sessionId = relay.header.sessionId
    const served = ctx.store.getSession(sessionId, ctx.operatorAddress)!.relaysServed
    const { bytes } = await bufferRelay(relay, false)
    const verified = verifyRelayResponse(bytes, {
      sessionHeader: relay.header,
      supplierOperatorAddress: ctx.operatorAddress,
      supplierPublicKey: getPublicKey(ctx.privateKey),
    })
    expect(verified.ok).toBe(true)
    const record = ctx.store.getSession(sessionId, ctx.operatorAddress)!
    expect(record.relaysServed).toBe(served + 1)
    expect(record.promptTokens).toBeGreaterThanOrEqual(12)
  })

  it('streams signed frames that verify, the last one after mining', async () => {
    const relay = await forward('/sse')
    const verifier = createRelayStreamVerifier({
      request: relay.request,
      supplierOperatorAddress: ctx.operatorAddress,
      supplierPublicKey: getPublicKey(ctx.privateKey),
    })
    const reader = streamRelay(relay).getReader()
    const kinds: string[] = []
    let text = ''
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      for (const part of verifier.push(value)) {
        kinds.push(part.kind)
        if (part.kind === 'data') text += new TextDecoder().decode(part.bytes)
      }
    }
    verifier.finish()
    expect(kinds[0]).toBe('head')
    expect(kinds.at(-1)).toBe('end')
    expect(text).toContain('[DONE]')
    expect(
      await getMetricValue(ctx.metrics.relaysServed, { service: SERVICE_ID, mode: 'streamed' }),
    ).toBe(1)
  })

  it('a client that leaves mid-stream is counted as client_gone and logged at debug, not warn', async () => {
    const lines: { level: string; msg: string; reason?: string }[] = []
    const quiet = ctx.logger
    ctx.logger = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) })
    try {
      const relay = await forward('/slow-sse')
      const reader = streamRelay(relay).getReader()
      await reader.read() // the signed head
      await reader.cancel()
      const gone = { service: SERVICE_ID, reason: 'client_gone' }
      for (let i = 0; i < 100 && (await getMetricValue(ctx.metrics.relaysFailed, gone)) === 0; i++)
        await new Promise((r) => setTimeout(r, 20))
      expect(await getMetricValue(ctx.metrics.relaysFailed, gone)).toBe(1)
      expect(lines.filter((l) => l.reason === 'client_gone').map((l) => l.level)).toEqual(['debug'])
      expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([])
    } finally {
      ctx.logger = quiet
    }
  })

  it('a backend that sends no headers in time fails the relay with a timeout', async () => {
    const res = await forwardRelay(await admit('/silent'))
    expect(res).toBeInstanceOf(RelayBytes)
    expect(await minerErrorOf(res as RelayBytes)).toMatchObject({
      code: relayMinerErrors.timeout.abciCode,
    })
    expect(
      await getMetricValue(ctx.metrics.relaysFailed, {
        service: SERVICE_ID,
        reason: 'backend_timeout',
      }),
    ).toBe(1)
  })

  it('mines only what may earn: not a sealed session, not past eligibility, not above the target', async () => {
    const relay = await admit()
    const bytes = serializeRelayRequest(relay.request)
    const hard = { targetHash: new Uint8Array(32), computeUnitsPerRelay: 10n }
    expect(await mine(ctx, { ...relay, miningParams: Promise.resolve(hard) }, bytes)).toBe(
      'difficulty',
    )
    expect(await mine(ctx, { ...relay, eligible: false }, bytes)).toBe('not_reward_eligible')
    sealed.add(relay.header.sessionId)
    expect(await mine(ctx, relay, bytes)).toBe('session_sealed')
    sealed.delete(relay.header.sessionId)
    const easy = { targetHash: new Uint8Array(32).fill(0xff), computeUnitsPerRelay: 10n }
    expect(await mine(ctx, { ...relay, miningParams: Promise.resolve(easy) }, bytes)).toBe('mined')
  })
})

describe('the worst case of token-metered services', () => {
  const meterOf = async (relay: AdmittedRelay) => (await metered.meter.get(relay.sessionKey))!
  /** What the session has spent on the metered supplier, in relays. */
  const spent = async (relay: AdmittedRelay) => {
    const m = await meterOf(relay)
    return Number(m.consumed / m.relayCost)
  }
  const admitMetered = async (path: string, body: unknown) => {
    const admitted = await admitTo(metered, path, body)
    if (admitted instanceof RelayBytes) throw new Error('not admitted')
    return admitted
  }
  const forwardMetered = async (path: string, body: unknown) => {
    const relay = await forwardRelay(await admitMetered(path, body))
    if (relay instanceof RelayBytes) throw new Error('not forwarded')
    return relay
  }
  const bodyBytes = (relay: AdmittedRelay) => parsePoktHttpRequest(relay.request.payload).bodyBz
  /** Waits for the meter (release and settle land after a tick) to show `relays`. */
  const expectSpent = async (relay: AdmittedRelay, relays: number) => {
    for (let i = 0; i < 100 && (await spent(relay)) !== relays; i++)
      await new Promise((r) => setTimeout(r, 20))
    expect(await spent(relay)).toBe(relays)
  }

  it('reserves the prompt plus max_tokens in quanta up front, and gives it all back on release', async () => {
    const first = await admitMetered('/v1/chat/completions', { ...chat, max_tokens: 5 })
    first.release()
    await new Promise((r) => setTimeout(r, 10))
    const before = await spent(first)
    const relay = await admitMetered('/v1/chat/completions', { ...chat, max_tokens: 50 })
    // The body's bytes bound the prompt's tokens: ceil((bytes + 50) / 10).
    const worstCase = Math.ceil((bodyBytes(relay).length + 50) / 10)
    expect(worstCase).toBeGreaterThan(10)
    expect(await spent(relay)).toBe(before + worstCase)
    // n choices may each run to max_tokens; embeddings have no completion.
    const choices = await admitMetered('/v1/chat/completions', { ...chat, max_tokens: 50, n: 3 })
    expect(await spent(relay)).toBe(
      before + worstCase + Math.ceil((bodyBytes(choices).length + 150) / 10),
    )
    const embedding = await admitMetered('/v1/embeddings', { model: 'stub', input: 'hello' })
    expect(await spent(relay)).toBe(
      before +
        worstCase +
        Math.ceil((bodyBytes(choices).length + 150) / 10) +
        Math.ceil(bodyBytes(embedding).length / 10),
    )
    for (const r of [relay, choices, embedding]) r.release()
    await expectSpent(relay, before)
    // A per-request service reserves one relay, whatever max_tokens says.
    const plain = await admitTo(ctx, '/v1/chat/completions', { ...chat, max_tokens: 5_000 })
    if (plain instanceof RelayBytes) throw new Error('not admitted')
    const meter = (await ctx.meter.get(plain.sessionKey))!
    const consumed = meter.consumed
    plain.release()
    await new Promise((r) => setTimeout(r, 10))
    expect(consumed - meter.consumed).toBe(meter.relayCost)
  })

  it('settles a buffered answer to the quanta it is worth', async () => {
    const probe = await admitMetered('/v1/chat/completions', { ...chat, max_tokens: 1 })
    probe.release()
    await new Promise((r) => setTimeout(r, 10))
    const before = await spent(probe)
    const relay = await forwardMetered('/v1/chat/completions', { ...chat, max_tokens: 200 })
    expect(await spent(relay)).toBeGreaterThan(before + 20)
    const res = await bufferRelay(relay, false)
    expect(minerErrorOf(res)).toBeUndefined()
    // The stub's usage: 12 prompt + 3 completion tokens, ceil(15 / 10) = 2 quanta.
    await expectSpent(relay, before + 2)
  })

  it('gives the whole worst case back when the client leaves a stream', async () => {
    const relay = await forwardMetered('/slow-sse', { ...chat, max_tokens: 100 })
    const reserved = await spent(relay)
    const worstCase = Math.ceil((bodyBytes(relay).length + 100) / 10)
    const reader = streamRelay(relay).getReader()
    await reader.read() // the signed head
    await reader.cancel()
    await expectSpent(relay, reserved - worstCase)
  })

  it('gives the whole worst case back when the backend dies mid-answer, streamed or buffered', async () => {
    const streamed = await forwardMetered('/crash-sse', { ...chat, max_tokens: 100 })
    const reserved = await spent(streamed)
    const worstCase = Math.ceil((bodyBytes(streamed).length + 100) / 10)
    const reader = streamRelay(streamed).getReader()
    while (!(await reader.read()).done) {}
    await expectSpent(streamed, reserved - worstCase)

    const buffered = await forwardMetered('/crash', { ...chat, max_tokens: 100 })
    const res = await bufferRelay(buffered, false)
    expect(await minerErrorOf(res)).toBeDefined()
    await expectSpent(buffered, reserved - worstCase)
  })

  it('refuses what it cannot bound or cannot afford, with stable codes, and reserves nothing', async () => {
    const probe = await admitMetered('/v1/chat/completions', { ...chat, max_tokens: 1 })
    probe.release()
    await new Promise((r) => setTimeout(r, 10))
    const before = await spent(probe)
    const rejected = (reason: string) =>
      getMetricValue(metered.metrics.relaysRejected, { service: SERVICE_ID, reason })
    for (const bad of [{ max_tokens: -1 }, { max_tokens: 1.5 }, { max_tokens: 'x' }, { n: 0 }]) {
      const res = await admitTo(metered, '/v1/chat/completions', { ...chat, ...bad })
      expect(res, JSON.stringify(bad)).toBeInstanceOf(RelayBytes)
      const error = await minerErrorOf(res as RelayBytes)
      expect(error).toMatchObject({
        code: relayMinerErrors.serviceInvalidRelayRequest.abciCode,
      })
      expect(error!.message).toMatch(/(max_tokens|n) must be a positive integer/)
    }
    expect(await rejected('INVALID_MAX_TOKENS')).toBe(4)
    // More than the application has left for this session: refused whole, not served in part
    // (here with no cap of its own on the quanta of one answer).
    const base = metered.services.get(SERVICE_ID)!
    const uncapped: RelayServerContext = {
      ...metered,
      services: new Map([
        [
          SERVICE_ID,
          {
            ...base,
            config: { ...base.config, tokenMetering: { ...METERING, maxQuanta: 2 ** 52 } },
          },
        ],
      ]),
    }
    const meter = await meterOf(probe)
    const left = Number((meter.budget - meter.consumed) / meter.relayCost)
    const huge = await admitTo(uncapped, '/v1/chat/completions', {
      ...chat,
      max_tokens: (left + 1) * 10,
    })
    expect(huge).toBeInstanceOf(RelayBytes)
    const error = await minerErrorOf(huge as RelayBytes)
    expect(error).toMatchObject({ code: relayMinerErrors.rateLimited.abciCode })
    expect(error!.message).toContain('worst case')
    expect(await rejected('WORST_CASE_OVER_BUDGET')).toBe(1)
    await expectSpent(probe, before)
    // A request within the budget still goes through.
    const small = await admitMetered('/v1/chat/completions', { ...chat, max_tokens: 5 })
    small.release()
    await expectSpent(small, before)
  })
})

describe('the relay endpoint on Node’s server (relay-http.ts)', () => {
  /**
   * The relay app behind the direct route, as the supplier serves it; counts the requests that
   * reach the hono app and the socket flushes (one `write`/`writev` system call each).
   */
  async function serveRelays(c: RelayServerContext) {
    const relayApp = createRelayApp(c)
    let viaHono = 0
    const server = await startServer({
      fetch: (request) => {
        viaHono++
        return relayApp.fetch(request)
      },
      port: 0,
      host: '127.0.0.1',
    })
    serveAhead(server.server, createRelayListener(c))
    const flushes = recordSocketWrites(server.server)
    return { server, flushes, viaHono: () => viaHono }
  }

  const postRelay = (url: string, body: Uint8Array | ReadableStream<Uint8Array>) =>
    fetch(url, { method: 'POST', body: body as BodyInit, duplex: 'half' } as RequestInit)

  it('answers a buffered relay without hono: head, length and signed bytes in one write', async () => {
    const s = await serveRelays(ctx)
    try {
      const request = await app.signRelay({ path: '/v1/chat/completions', body: chat })
      const res = await postRelay(s.server.url, serializeRelayRequest(request))
      const bytes = new Uint8Array(await res.arrayBuffer())
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/octet-stream')
      expect(res.headers.get('content-length')).toBe(String(bytes.length))
      const verified = verifyRelayResponse(bytes, {
        sessionHeader: request.meta!.sessionHeader!,
        supplierOperatorAddress: ctx.operatorAddress,
        supplierPublicKey: getPublicKey(ctx.privateKey),
      })
      expect(verified.ok).toBe(true)
      expect(s.viaHono()).toBe(0)
      expect(s.flushes).toHaveLength(1)
      expect(s.flushes[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n/)
      expect(s.flushes[0]!.endsWith(Buffer.from(bytes).toString('latin1'))).toBe(true)
      expect(ctx.inFlight.count).toBe(0)
      // The GET routes still go to the hono app.
      expect((await fetch(`${s.server.url}/healthz`)).status).toBe(200)
      expect(s.viaHono()).toBe(1)
    } finally {
      await s.server.stop()
    }
  })

  it('refuses a body over the limit, with or without its length, and serves the connection on', async () => {
    const s = await serveRelays(ctx)
    try {
      const huge = new Uint8Array(8 * 1024).fill(1) // the service takes 4 KiB
      const declared = await postRelay(s.server.url, huge)
      expect(
        minerErrorOf(new RelayBytes(new Uint8Array(await declared.arrayBuffer()))),
      ).toMatchObject({
        code: relayMinerErrors.maxBodyExceeded.abciCode,
      })
      const chunked = await postRelay(
        s.server.url,
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(huge)
            controller.close()
          },
        }),
      )
      expect(
        minerErrorOf(new RelayBytes(new Uint8Array(await chunked.arrayBuffer()))),
      ).toMatchObject({
        code: relayMinerErrors.maxBodyExceeded.abciCode,
      })
      const request = await app.signRelay({ path: '/v1/chat/completions', body: chat })
      const next = await postRelay(s.server.url, serializeRelayRequest(request))
      expect(minerErrorOf(new RelayBytes(new Uint8Array(await next.arrayBuffer())))).toBeUndefined()
      expect(s.viaHono()).toBe(0)
    } finally {
      await s.server.stop()
    }
  })

  it('a client that leaves mid-upload is logged at debug, neither failed nor rejected', async () => {
    const lines: Record<string, unknown>[] = []
    const c: RelayServerContext = {
      ...ctx,
      metrics: createSupplierMetrics(),
      logger: createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) }),
    }
    const s = await serveRelays(c)
    try {
      // The head and half of the declared body, then the socket closes.
      const request = httpRequest(s.server.url, {
        method: 'POST',
        headers: { 'content-length': '60' },
      })
      request.on('error', () => {})
      request.write(new Uint8Array(30))
      await new Promise((r) => setTimeout(r, 100))
      request.destroy()
      await new Promise((r) => setTimeout(r, 300))
      expect(lines.filter((l) => l['level'] === 'error' || l['level'] === 'warn')).toEqual([])
      expect(lines.find((l) => l['msg'] === 'relay client left mid-upload')).toMatchObject({
        level: 'debug',
      })
      const metrics = await c.metrics.render()
      expect(metrics).not.toMatch(/supplier_relays_(rejected|failed)_total\{/)
      expect(c.inFlight.count).toBe(0)
    } finally {
      await s.server.stop()
    }
  })
})
