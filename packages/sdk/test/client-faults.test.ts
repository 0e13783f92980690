// The application client against the devnet and supplier-like relay handlers (test/helpers) that
// misbehave on demand in ways the real supplier never does: miner errors, server errors of the
// service, truncated or altered streams, a supplier signing with another key. The happy path
// with the real supplier and the real model is in e2e.test.ts.

import { generatePrivateKey } from '@decai/crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type ClientEvent,
  createClient,
  isSdkError,
  type SdkError,
  type SessionSupplier,
} from '../src/index.js'
import {
  type FakeBackend,
  SERVICE_ID,
  startFakeBackend,
  startTestNetwork,
  type TestNetwork,
} from './helpers/network.js'

let backend: FakeBackend
let net: TestNetwork

beforeAll(async () => {
  backend = await startFakeBackend()
  net = await startTestNetwork([{ backendUrl: backend.url }, { backendUrl: backend.url }])
  await net.waitForSuppliers()
}, 60_000)

afterAll(async () => {
  await net?.stop()
  await backend?.stop()
})

afterEach(() => {
  for (const s of net.suppliers) s.mode = 'ok'
  backend.status = 200
})

const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }]

/** A client; with `first`, that supplier is tried first (the order is random otherwise). */
const newClient = (
  events: ClientEvent[] = [],
  first?: string,
  options: Partial<Parameters<typeof createClient>[0]> = {},
) =>
  createClient({
    ...options,
    chain: net.devnet.rpcUrl,
    key: net.appKey,
    service: SERVICE_ID,
    failureCooldownMs: 0,
    onEvent: (e) => events.push(e),
    ...(first === undefined
      ? {}
      : {
          orderSuppliers: (list: readonly SessionSupplier[]) => [
            ...list.filter((s) => s.operatorAddress === first),
            ...list.filter((s) => s.operatorAddress !== first),
          ],
        }),
  })

async function expectError(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise
  } catch (error) {
    if (isSdkError(error)) return error
    throw error
  }
  throw new Error('expected an SdkError')
}

describe('createClient', () => {
  it('reads the session and sends a verified, non-streamed chat completion', async () => {
    const events: ClientEvent[] = []
    const client = newClient(events)
    expect(client.applicationAddress).toBe(net.appAddress)
    const session = await client.getSession()
    expect(session.suppliers.map((s) => s.operatorAddress).sort()).toEqual(
      net.suppliers.map((s) => s.operatorAddress).sort(),
    )
    const completion = await client.chat.completions.create({ messages, max_tokens: 8 })
    expect(completion.choices[0]?.message.content).toBe('Paris is the capital.')
    expect(completion.usage?.total_tokens).toBe(8)
    expect(events.map((e) => e.type)).toEqual(['session', 'attempt'])
    for (const s of net.suppliers) expect(s.rejected).toEqual([])
  })

  it('streams chunks, each verified as its signed frame arrives', async () => {
    const client = newClient()
    const stream = await client.chat.completions.create({ messages, stream: true })
    expect(stream.response.relay.streamed).toBe(true)
    const parts: string[] = []
    for await (const chunk of stream) parts.push(chunk.choices[0]?.delta.content ?? '')
    expect(parts.join('')).toBe('Paris is the capital.')
  })

  it('relays any HTTP request with fetch', async () => {
    const client = newClient()
    const response = await client.fetch('/v1/models')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(net.suppliers.map((s) => s.operatorAddress)).toContain(
      response.relay.supplierOperatorAddress,
    )
    expect(((await response.json()) as { data: { id: string }[] }).data[0]?.id).toBe('fake')
    const models = await client.models.list()
    expect(models.data.map((m) => m.id)).toEqual(['fake'])
  })

  it.each([
    ['down', 'SUPPLIER_UNREACHABLE'],
    ['bad-signature', 'RESPONSE_INVALID'],
    ['miner-error', 'RELAY_MINER_ERROR'],
  ] as const)('fails over from a supplier that is %s', async (mode, code) => {
    const [broken, good] = net.suppliers as [
      TestNetwork['suppliers'][0],
      TestNetwork['suppliers'][0],
    ]
    broken.mode = mode
    const events: ClientEvent[] = []
    const client = newClient(events, broken.operatorAddress)
    const stream = await client.chat.completions.create({ messages, stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('Paris is the capital.')
    expect(stream.response.relay.supplierOperatorAddress).toBe(good.operatorAddress)
    expect(stream.response.relay.failures).toEqual([
      expect.objectContaining({ supplierOperatorAddress: broken.operatorAddress, code }),
    ])
    expect(events.filter((e) => e.type === 'failover')).toHaveLength(1)
  })

  it('fails over when the service behind a supplier answers 5xx', async () => {
    backend.status = 503
    const client = newClient()
    const error = await expectError(client.chat.completions.create({ messages }))
    expect(error.code).toBe('ALL_SUPPLIERS_FAILED')
    expect(error.attempts.map((a) => a.code)).toEqual([
      'SERVICE_UNAVAILABLE',
      'SERVICE_UNAVAILABLE',
    ])
    expect(error.status).toBe(503)
  })

  it('returns the service’s 4xx as an API error without failing over', async () => {
    backend.status = 400
    const events: ClientEvent[] = []
    const client = newClient(events)
    const error = await expectError(client.chat.completions.create({ messages }))
    expect(error.code).toBe('API_ERROR')
    expect(error.status).toBe(400)
    expect(error.body).toEqual({ error: { message: 'fake 400', type: 'test', code: null } })
    expect(events.filter((e) => e.type === 'attempt')).toHaveLength(1)
  })

  // Once verified tokens have been handed out, a bad frame cannot fail over: the stream errors.
  it('errors a stream whose frames stop before the end, or do not verify', async () => {
    const expected = { truncate: 'STREAM_ERROR', cut: 'STREAM_ERROR', tamper: 'RESPONSE_INVALID' }
    for (const mode of ['truncate', 'cut', 'tamper'] as const) {
      for (const s of net.suppliers) s.mode = mode
      const client = newClient()
      const stream = await client.chat.completions.create({ messages, stream: true })
      const read = async () => {
        for await (const _ of stream) {
          // drain
        }
      }
      const error = await expectError(read())
      expect(error.code).toBe(expected[mode])
    }
  })

  it('reports every supplier failing', async () => {
    for (const s of net.suppliers) s.mode = 'down'
    const client = newClient()
    const error = await expectError(client.chat.completions.create({ messages }))
    expect(error.code).toBe('ALL_SUPPLIERS_FAILED')
    expect(error.attempts).toHaveLength(2)
  })

  // Suppliers that never stop sending (a real HTTP server writing as fast as the client reads):
  // the client reads up to maxResponseBytes and no further, and ends the connection, so the
  // supplier sees it close after a few MiB instead of writing its 1 GiB.
  it('refuses an unstreamed answer over maxResponseBytes, closes it and fails over', async () => {
    const [flooder, honest] = net.suppliers
    flooder!.mode = 'flood'
    const events: ClientEvent[] = []
    const client = newClient(events, flooder!.operatorAddress, { maxResponseBytes: 1 << 20 })
    const completion = await client.chat.completions.create({ messages })
    expect(completion.choices[0]?.message.content).toBe('Paris is the capital.')
    const failovers = events.flatMap((e) => (e.type === 'failover' ? [e.failure] : []))
    expect(failovers.map((f) => [f.supplierOperatorAddress, f.code])).toEqual([
      [flooder!.operatorAddress, 'RESPONSE_TOO_LARGE'],
    ])
    expect(failovers[0]!.message).toContain(`exceeds ${1 << 20} bytes`)
    const written = await flooder!.flooded
    expect(written).toBeGreaterThan(1 << 20)
    expect(written).toBeLessThan(32 << 20)
    expect(honest!.served).toBeGreaterThan(0)
  })

  it('errors a stream that goes over maxResponseBytes and closes its connection', async () => {
    for (const s of net.suppliers) s.mode = 'flood-stream'
    const [first] = net.suppliers
    const client = newClient([], first!.operatorAddress, { maxResponseBytes: 1 << 20 })
    const stream = await client.chat.completions.create({ messages, stream: true })
    let received = 0
    const read = async () => {
      for await (const chunk of stream) received += chunk.choices[0]?.delta.content?.length ?? 0
    }
    const error = await expectError(read())
    expect(error.code).toBe('RESPONSE_TOO_LARGE')
    // Tokens up to the limit were handed out, none past it.
    expect(received).toBeGreaterThan(0)
    expect(received).toBeLessThanOrEqual(1 << 20)
    const written = await first!.flooded
    expect(written).toBeLessThan(32 << 20)
  })

  it('refuses a non-positive maxResponseBytes', () => {
    expect(() => newClient([], undefined, { maxResponseBytes: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })

  it('follows the chain into the next session', async () => {
    const client = newClient()
    const first = await client.chat.completions.create({ messages })
    const before = (await client.getSession()).header!
    await net.devnet.waitForHeight(before.sessionEndBlockHeight + 2n, 10_000)
    await new Promise((r) => setTimeout(r, 1100)) // past the height cache
    const after = (await client.getSession()).header!
    expect(after.sessionId).not.toBe(before.sessionId)
    expect(after.sessionStartBlockHeight).toBeGreaterThan(before.sessionEndBlockHeight)
    const second = await client.chat.completions.create({ messages })
    expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content)
  })

  it('signs as a gateway the application delegates to', async () => {
    const client = createClient({
      chain: net.devnet.rpcUrl,
      key: net.gatewayKey,
      application: net.appAddress,
      service: SERVICE_ID,
    })
    expect(client.applicationAddress).toBe(net.appAddress)
    expect(client.signerAddress).not.toBe(net.appAddress)
    const completion = await client.chat.completions.create({ messages })
    expect(completion.choices[0]?.message.content).toBe('Paris is the capital.')
    for (const s of net.suppliers) expect(s.rejected).toEqual([])
  })

  it('refuses to sign with a key outside the application ring', async () => {
    const client = createClient({
      chain: net.devnet.rpcUrl,
      key: generatePrivateKey(),
      application: net.appAddress,
      service: SERVICE_ID,
    })
    const error = await expectError(client.chat.completions.create({ messages }))
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(error.message).toMatch(/not in the application's ring/)
  })

  it('rejects bad arguments with typed errors', () => {
    expect(() => createClient({ chain: 'ftp://x', key: net.appKey, service: SERVICE_ID })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => createClient({ chain: net.devnet.rpcUrl, key: net.appKey, service: '' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})
