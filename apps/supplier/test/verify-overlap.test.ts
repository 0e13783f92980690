// Verification overlapped with the backend: the supplier sends a relay's HTTP request to the
// backend while it checks the ring signature. A relay that fails the check gets the registered
// error, not one byte of the backend's answer, nothing mined, and its backend request aborted;
// a valid one is served by the same backend as before.
//
// The backend is a real HTTP server in its own process (so it reads requests while the supplier's
// thread is busy verifying): it answers headers and a first chunk at once, the rest only later,
// and reports over stdout what it received and whether the client hung up before the end.
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Devnet } from '@decai/devnet'
import {
  isRelayStreamContentType,
  parseRelayResponse,
  RELAY_STREAM_HEADER,
  RELAY_STREAM_VERSION,
  serializeRelayRequest,
} from '@decai/session'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { relayMinerErrors, type Supplier, startSupplier } from '../src/index.js'
import { AppClient, chatBody, startChain, supplierConfig, waitUntil } from './helpers.js'

/** What only the backend's answer holds: it must never reach a client of a refused relay. */
const SECRET = 'BACKEND-ANSWER-7f3a'

const BACKEND = `
const http = require('node:http')
const say = (event) => process.stdout.write(JSON.stringify(event) + '\\n')
const server = http.createServer((req, res) => {
  let body = ''
  req.on('data', (c) => { body += c })
  req.on('end', () => {
    say({ type: 'request', body })
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"id":"${SECRET}",')
    const timer = setTimeout(() => res.end('"object":"chat.completion","choices":[]}'), 400)
    res.on('close', () => {
      clearTimeout(timer)
      say({ type: res.writableFinished ? 'finished' : 'aborted', body })
    })
  })
})
server.listen(0, '127.0.0.1', () => say({ type: 'listening', port: server.address().port }))
`

type BackendEvent = { type: string; body?: string; port?: number }

let devnet: Devnet
let backend: ChildProcess
const events: BackendEvent[] = []
let supplier: Supplier
let app: AppClient

beforeAll(async () => {
  devnet = await startChain()
  await devnet.produceBlock()
  backend = spawn(process.execPath, ['-e', BACKEND], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: backend.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as BackendEvent
      if (event.type === 'listening') resolve(event.port!)
      else events.push(event)
    })
    backend.once('exit', (code) => reject(new Error(`the backend exited with ${code}`)))
  })
  supplier = await startSupplier(supplierConfig(devnet, `http://127.0.0.1:${port}`))
  app = AppClient.for(devnet, supplier)
})

afterAll(async () => {
  await supplier?.stop()
  backend?.kill()
  await devnet?.stop()
})

const eventsFor = (marker: string) => events.filter((e) => e.body?.includes(marker))

/**
 * Serves one valid relay, which leaves a keep-alive connection to the backend in the pool: the
 * next request is written at once. (A refused relay's aborted call closes its connection; on a
 * new one, verification may finish before the connection is up, and the backend never sees the
 * request at all.)
 */
async function warmConnection(marker: string) {
  const request = await app.signRelay({ path: '/v1/chat/completions', body: chatBody(marker) })
  const result = await app.send(supplier.url, request)
  expect(result.ok).toBe(true)
  return result
}

describe('verification overlapped with the backend', () => {
  it('a forged signature: the registered error, no byte of the answer, nothing mined, the backend call aborted', async () => {
    await warmConnection('warm-1')
    const header = await app.session()
    const minedBefore = supplier.getSession(header.sessionId)?.relaysMined ?? 0
    const marker = 'forged-relay-1'
    const request = await app.signRelay(
      { path: '/v1/chat/completions', body: chatBody(marker) },
      header,
    )
    // One bit of the ring signature flipped: well-formed, and wrong.
    request.meta!.signature = request.meta!.signature.map((b, i) => (i === 40 ? b ^ 1 : b))

    const res = await fetch(supplier.url, {
      method: 'POST',
      body: serializeRelayRequest(request) as Uint8Array<ArrayBuffer>,
    })
    const bytes = new Uint8Array(await res.arrayBuffer())
    const response = parseRelayResponse(bytes)
    const expected = relayMinerErrors.ringInvalidSignature
    expect(response.relayMinerError).toMatchObject({
      codespace: expected.codespace,
      code: expected.abciCode,
    })
    expect(response.meta?.supplierOperatorSignature.length ?? 0).toBe(0)
    expect(Buffer.from(bytes).includes(SECRET)).toBe(false)

    // The backend had the request (the overlap), and saw it abandoned before its answer ended.
    await waitUntil(() => eventsFor(marker).some((e) => e.type === 'aborted'), 5_000)
    expect(eventsFor(marker).map((e) => e.type)).toEqual(['request', 'aborted'])
    expect(supplier.getSession(header.sessionId)?.relaysMined ?? 0).toBe(minedBefore)
    const metrics = await supplier.renderMetrics()
    expect(metrics).toMatch(
      /supplier_relays_rejected_total\{[^}]*reason="RELAY_SIGNATURE_INVALID"[^}]*\} 1/,
    )
    expect(metrics).not.toMatch(/supplier_relays_failed_total\{/)
    expect(metrics).toMatch(/supplier_relays_served_total\{[^}]*\} 1$/m)
  })

  it('a payload changed after signing: the same, for a streamed relay too', async () => {
    await warmConnection('warm-2')
    const header = await app.session()
    const minedBefore = supplier.getSession(header.sessionId)?.relaysMined ?? 0
    const marker = 'forged-relay-2'
    const request = await app.signRelay(
      { path: '/v1/chat/completions', body: chatBody('an honest question', { stream: true }) },
      header,
    )
    request.payload = (
      await app.signRelay({ path: '/v1/chat/completions', body: chatBody(marker) }, header)
    ).payload
    const res = await fetch(supplier.url, {
      method: 'POST',
      headers: { [RELAY_STREAM_HEADER]: RELAY_STREAM_VERSION },
      body: serializeRelayRequest(request) as Uint8Array<ArrayBuffer>,
    })
    // Not a stream: the one unsigned error response.
    expect(isRelayStreamContentType(res.headers.get('content-type'))).toBe(false)
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect(parseRelayResponse(bytes).relayMinerError).toMatchObject({ codespace: 'rings', code: 3 })
    expect(Buffer.from(bytes).includes(SECRET)).toBe(false)
    await waitUntil(() => eventsFor(marker).some((e) => e.type === 'aborted'), 5_000)
    expect(eventsFor(marker).map((e) => e.type)).toEqual(['request', 'aborted'])
    expect(supplier.getSession(header.sessionId)?.relaysMined ?? 0).toBe(minedBefore)
  })

  it('a valid relay: served whole from the same backend, signed and mined', async () => {
    const header = await app.session()
    const before = supplier.getSession(header.sessionId)!
    const result = await warmConnection('valid-relay')
    if (!result.ok) return
    expect(result.body).toContain(SECRET)
    expect(eventsFor('valid-relay').map((e) => e.type)).toEqual(['request', 'finished'])
    expect(supplier.getSession(header.sessionId)).toMatchObject({
      relaysServed: before.relaysServed + 1,
      relaysMined: before.relaysMined + 1,
    })
  })
})
