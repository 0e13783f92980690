// Bad input: every malformed or unauthorised request gets the right OpenAI-style error (status,
// error.type, error.code, message) and changes nothing — no relay, no usage record, no spend.
// Also the admin API and models declared in on-chain service cards. A real supplier in front of
// a stub backend keeps this suite fast.
import { createPrivateKeySigner, createSigningChainClient } from '@decai/chain'
import { hexToBytes } from '@decai/crypto'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RING_NONCE_POOL } from '../src/gateway.js'
import {
  ADMIN_TOKEN,
  MODEL,
  metricValue,
  type Network,
  SERVICE_ID,
  startNetwork,
  startStubBackend,
  waitUntil,
} from './helpers.js'

let stub: Awaited<ReturnType<typeof startStubBackend>>
let net: Network
let key: string
let keyId: string

beforeAll(async () => {
  stub = await startStubBackend()
  net = await startNetwork({
    suppliers: ['good'],
    backendUrl: stub.url,
    secondApplication: true,
    gateway: { discovery: { refreshMs: 200 }, limits: { maxBodyBytes: 64 * 1024 } },
  })
  ;({
    key,
    record: { id: keyId },
  } = await net.gateway.createApiKey({ name: 'bad-input' }))
})

afterAll(async () => {
  await net?.stop()
  await stub?.stop()
})

type Call = {
  method?: string
  path?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  auth?: string | null
}

async function call(c: Call): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...c.headers }
  const auth = c.auth === undefined ? key : c.auth
  if (auth !== null) headers['authorization'] = `Bearer ${auth}`
  const res = await fetch(`${net.gateway.url}${c.path ?? '/v1/chat/completions'}`, {
    method: c.method ?? 'POST',
    headers,
    ...(c.body !== undefined ? { body: c.body as BodyInit } : {}),
  })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {}
  return { status: res.status, body, headers: res.headers }
}

const chat = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...extra })

/** Asserts an OpenAI error body: exactly `{ error: { message, type, code, param } }`. */
function expectError(
  result: { status: number; body: unknown },
  status: number,
  type: string,
  code: string,
) {
  expect(result.status).toBe(status)
  const body = result.body as { error: Record<string, unknown> }
  expect(Object.keys(body)).toEqual(['error'])
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type'])
  expect(body.error).toMatchObject({ type, code })
  expect(typeof body.error['message']).toBe('string')
  expect((body.error['message'] as string).length).toBeGreaterThan(5)
}

async function relaysSent(): Promise<number> {
  return metricValue(
    await (await fetch(`${net.gateway.url}/metrics`)).text(),
    'decai_gateway_relays_total',
  )
}

describe('bad input', () => {
  let relaysBefore: number

  beforeAll(async () => {
    relaysBefore = await relaysSent()
  })

  it('malformed JSON, a non-object body, missing or mistyped fields: 400', async () => {
    expectError(await call({ body: '{"model": ' }), 400, 'invalid_request_error', 'invalid_json')
    expectError(await call({ body: '[1,2]' }), 400, 'invalid_request_error', 'invalid_json')
    expectError(await call({ body: '' }), 400, 'invalid_request_error', 'invalid_json')
    expectError(
      await call({ body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }),
      400,
      'invalid_request_error',
      'invalid_json',
    )
    const noModel = await call({ body: JSON.stringify({ messages: [] }) })
    expectError(noModel, 400, 'invalid_request_error', 'missing_required_parameter')
    expect((noModel.body as { error: { param: string } }).error.param).toBe('model')
    expectError(
      await call({ body: JSON.stringify({ model: MODEL, messages: 'hi' }) }),
      400,
      'invalid_request_error',
      'invalid_type',
    )
    expectError(
      await call({ body: chat({ stream: 'yes' }) }),
      400,
      'invalid_request_error',
      'invalid_type',
    )
  })

  it('an unknown model: 404 model_not_found', async () => {
    const result = await call({ body: chat({ model: 'gpt-17' }) })
    expectError(result, 404, 'invalid_request_error', 'model_not_found')
    expect((result.body as { error: { param: string } }).error.param).toBe('model')
    expectError(
      await call({ path: '/v1/models/gpt-17', method: 'GET' }),
      404,
      'invalid_request_error',
      'model_not_found',
    )
  })

  it('a missing, unknown or revoked key: 401', async () => {
    expectError(
      await call({ auth: null, body: chat() }),
      401,
      'invalid_request_error',
      'missing_api_key',
    )
    expectError(
      await call({ auth: 'sk-decai-not-a-real-key', body: chat() }),
      401,
      'invalid_request_error',
      'invalid_api_key',
    )
    expectError(
      await call({ auth: null, path: '/v1/models', method: 'GET' }),
      401,
      'invalid_request_error',
      'missing_api_key',
    )
    const revoked = await net.gateway.createApiKey({ name: 'revoked' })
    await net.gateway.revokeApiKey(revoked.record.id)
    expectError(
      await call({ auth: revoked.key, body: chat() }),
      401,
      'invalid_request_error',
      'invalid_api_key',
    )
    // The official client maps it to its AuthenticationError.
    const client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: 'sk-wrong', maxRetries: 0 })
    await expect(
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
  })

  it('a body over the size limit: 413, with or without Content-Length', async () => {
    const huge = chat({ padding: 'x'.repeat(100 * 1024) })
    expectError(await call({ body: huge }), 413, 'invalid_request_error', 'request_too_large')
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(huge))
        controller.close()
      },
    })
    const res = await fetch(`${net.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: chunked,
      duplex: 'half',
    } as RequestInit)
    expectError(
      { status: res.status, body: await res.json() },
      413,
      'invalid_request_error',
      'request_too_large',
    )
  })

  it('the wrong content type: 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'])
      expectError(
        await call({ headers: { 'content-type': type }, body: chat() }),
        415,
        'invalid_request_error',
        'unsupported_media_type',
      )
    const missing = await fetch(`${net.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: new Blob([chat()]),
    })
    expect(missing.status).toBe(415)
  })

  it('an unknown route or method: 404 and 405', async () => {
    expectError(
      await call({ path: '/v1/engines', body: chat() }),
      404,
      'invalid_request_error',
      'not_found',
    )
    expectError(
      await call({ method: 'GET', path: '/v1/chat/completions' }),
      405,
      'invalid_request_error',
      'method_not_allowed',
    )
  })

  it('a model the key may not use: 403', async () => {
    const limited = await net.gateway.createApiKey({ name: 'limited', models: ['other-model'] })
    expectError(
      await call({ auth: limited.key, body: chat() }),
      403,
      'permission_error',
      'model_not_allowed',
    )
    const models = await call({ auth: limited.key, path: '/v1/models', method: 'GET' })
    expect((models.body as { data: unknown[] }).data).toEqual([])
  })

  it('sent no relay and recorded no usage for any of them', async () => {
    expect(await relaysSent()).toBe(relaysBefore)
    expect(await relaysAtSuppliers()).toBe(0)
    expect((await net.gateway.keys.summarize(keyId)).requests).toBe(0)
    expect((await net.gateway.keys.get(keyId)).spentUsd).toBe(0)
  })
})

/** What the staked suppliers saw of relays: verified, served, refused or failed, all summed. */
async function relaysAtSuppliers(): Promise<number> {
  let total = 0
  for (const { supplier } of net.suppliers) {
    if (!supplier) continue
    const text = await supplier.renderMetrics()
    for (const name of [
      'supplier_verifications_total',
      'supplier_relays_served_total',
      'supplier_relays_rejected_total',
      'supplier_relays_failed_total',
    ])
      total += metricValue(text, name)
  }
  return total
}

describe('the request schema, before any relay', () => {
  const user = [{ role: 'user', content: 'hi' }]
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`
  // Each: the route, the body, then OpenAI's code and param for it.
  const invalid: [string, string, string, string | null][] = [
    ['chat', chat({ messages: [] }), 'invalid_value', 'messages'],
    [
      'chat',
      chat({ messages: [{ role: 'wizard', content: 'hi' }] }),
      'invalid_value',
      'messages[0].role',
    ],
    [
      'chat',
      chat({ messages: [{ content: 'hi' }] }),
      'missing_required_parameter',
      'messages[0].role',
    ],
    ['chat', chat({ max_tokens: -5 }), 'invalid_value', 'max_tokens'],
    ['chat', chat({ max_tokens: 2.5 }), 'invalid_type', 'max_tokens'],
    ['chat', chat({ max_completion_tokens: 0 }), 'invalid_value', 'max_completion_tokens'],
    ['chat', chat({ model: 123 }), 'invalid_type', 'model'],
    ['chat', chat({ temperature: 2.5 }), 'invalid_value', 'temperature'],
    ['chat', chat({ top_p: -0.1 }), 'invalid_value', 'top_p'],
    ['chat', chat({ n: 0 }), 'invalid_value', 'n'],
    ['chat', chat({ stop: ['a', 'b', 'c', 'd', 'e'] }), 'invalid_value', 'stop'],
    ['chat', chat({ stop: 7 }), 'invalid_type', 'stop'],
    ['chat', chat({ stream_options: { include_usage: true } }), 'invalid_value', 'stream_options'],
    [
      'chat',
      chat({ messages: [{ role: 'user', content: 42 }] }),
      'invalid_type',
      'messages[0].content',
    ],
    [
      'chat',
      chat({ messages: [{ role: 'user', content: [{ type: 'image_url' }] }] }),
      'missing_required_parameter',
      'messages[0].content[0].image_url',
    ],
    [
      'chat',
      chat({ messages: [...user, { role: 'tool', content: 'x' }] }),
      'missing_required_parameter',
      'messages[1].tool_call_id',
    ],
    ['chat', JSON.stringify({ model: MODEL }), 'missing_required_parameter', 'messages'],
    ['completions', JSON.stringify({ model: MODEL }), 'missing_required_parameter', 'prompt'],
    [
      'completions',
      JSON.stringify({ model: MODEL, prompt: { text: 'x' } }),
      'invalid_type',
      'prompt',
    ],
    ['embeddings', JSON.stringify({ model: MODEL, input: 5 }), 'invalid_type', 'input'],
    [
      'embeddings',
      JSON.stringify({ model: MODEL, input: 'x', encoding_format: 'hex' }),
      'invalid_value',
      'encoding_format',
    ],
    // Nested 5,000 deep in a field nobody reads: refused before anything walks it.
    ['chat', chat({ extension: '@' }).replace('"@"', nested(5_000)), 'json_too_deep', null],
  ]
  const paths: Record<string, string> = {
    chat: '/v1/chat/completions',
    completions: '/v1/completions',
    embeddings: '/v1/embeddings',
  }

  it('answers each invalid request 400 with the field at fault, and no supplier sees it', async () => {
    const gatewayRelays = await relaysSent()
    const supplierRelays = await relaysAtSuppliers()
    for (const [route, body, code, param] of invalid) {
      const result = await call({ path: paths[route]!, body })
      expectError(result, 400, 'invalid_request_error', code)
      expect((result.body as { error: { param: unknown } }).error.param).toBe(param)
      expect(result.headers.get('x-decai-supplier')).toBeNull()
    }
    expect(await relaysSent()).toBe(gatewayRelays)
    expect(await relaysAtSuppliers()).toBe(supplierRelays)
  })

  it('names the type a field must have: `model: 123` is not a missing model', async () => {
    const result = await call({ body: chat({ model: 123 }) })
    const { message } = (result.body as { error: { message: string } }).error
    expect(message).toBe(
      "Invalid type for 'model': expected a string, but got an integer (123) instead.",
    )
    const deep = await call({ body: chat({ x: '@' }).replace('"@"', nested(5_000)) })
    expect((deep.body as { error: { message: string } }).error.message).toMatch(
      /nested too deeply\. Objects and arrays may nest at most 100 levels deep\./,
    )
  })

  it('passes unknown fields, engine extensions and deep-enough JSON through to the supplier', async () => {
    const relays = await relaysSent()
    const result = await call({
      body: chat({
        top_k: 40,
        repetition_penalty: 1.1,
        chat_template_kwargs: { enable_thinking: false },
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'be brief' }] },
          { role: 'user', content: [{ type: 'video_url', video_url: { url: 'https://x/v.mp4' } }] },
        ],
        extension: JSON.parse(nested(98)),
      }),
    })
    expect(result.status).toBe(200)
    expect(result.headers.get('x-decai-supplier')).toBe(net.addressOf('good'))
    expect(await relaysSent()).toBe(relays + 1)
  })
})

describe('limits and budgets', () => {
  it('refuses a key over its requests per minute with 429 and Retry-After', async () => {
    const limited = await net.gateway.createApiKey({ name: 'rpm', rpm: 2 })
    for (let i = 0; i < 2; i++)
      expect((await call({ auth: limited.key, body: chat() })).status).toBe(200)
    const refused = await call({ auth: limited.key, body: chat() })
    expectError(refused, 429, 'requests', 'rate_limit_exceeded')
    expect(refused.headers.get('retry-after')).toBe('1')
    await waitUntil(
      async () => (await net.gateway.keys.summarize(limited.record.id)).requests === 2,
    )
    expect((await net.gateway.keys.summarize(limited.record.id)).requests).toBe(2)
  })

  it('refuses a key over its tokens per minute', async () => {
    const limited = await net.gateway.createApiKey({ name: 'tpm', tpm: 10 })
    expect((await call({ auth: limited.key, body: chat() })).status).toBe(200)
    // The stub reports 13 tokens: the minute's budget is spent.
    await waitUntil(
      async () => (await net.gateway.keys.summarize(limited.record.id)).requests === 1,
    )
    expectError(
      await call({ auth: limited.key, body: chat() }),
      429,
      'tokens',
      'rate_limit_exceeded',
    )
  })

  it('refuses a key over its budget with insufficient_quota, and records nothing more', async () => {
    // Priced at 1 and 2 USD per million tokens: 5 prompt + 8 completion tokens cost 21 µUSD.
    const poor = await net.gateway.createApiKey({ name: 'budget', budgetUsd: 0.00001 })
    expect((await call({ auth: poor.key, body: chat() })).status).toBe(200)
    await waitUntil(async () => (await net.gateway.keys.get(poor.record.id)).spentUsd > 0)
    expect((await net.gateway.keys.get(poor.record.id)).spentUsd).toBeCloseTo(0.000021, 12)
    const relays = await relaysSent()
    const client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: poor.key, maxRetries: 0 })
    const error = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('insufficient_quota')
    expect(await relaysSent()).toBe(relays)
    expect((await net.gateway.keys.summarize(poor.record.id)).requests).toBe(1)
  })
})

describe('admin API', () => {
  const admin = (path: string, init: RequestInit = {}, token = ADMIN_TOKEN) =>
    fetch(`${net.gateway.url}/admin${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    })

  it('creates, lists, updates and revokes keys behind the admin token', async () => {
    expect((await admin('/keys', {}, 'wrong-token-wrong-token')).status).toBe(401)
    const created = (await (
      await admin('/keys', {
        method: 'POST',
        body: JSON.stringify({ name: 'bob', rpm: 30, budgetUsd: 5 }),
      })
    ).json()) as { key: string; id: string; rpm: number }
    expect(created).toMatchObject({ name: 'bob', rpm: 30, budgetUsd: 5 })
    expect(created.key).toMatch(/^sk-decai-/)
    const list = (await (await admin('/keys')).json()) as { data: { id: string }[] }
    expect(list.data.map((k) => k.id)).toContain(created.id)
    expect(JSON.stringify(list)).not.toContain(created.key)
    const patched = await admin(`/keys/${created.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ rpm: null, tpm: 1000 }),
    })
    expect(await patched.json()).toMatchObject({ rpm: null, tpm: 1000 })
    expect((await call({ auth: created.key, body: chat() })).status).toBe(200)
    expect((await admin(`/keys/${created.id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await call({ auth: created.key, body: chat() })).status).toBe(401)
    const info = (await (await admin(`/keys/${created.id}`)).json()) as {
      revokedAt: number
      usage: { requests: number }
    }
    expect(info.revokedAt).toBeGreaterThan(0)
    expect(info.usage.requests).toBe(1)
    const bad = await admin('/keys', { method: 'POST', body: JSON.stringify({ rpm: -3 }) })
    expect(bad.status).toBe(400)
    expect((await admin('/keys/key_nope')).status).toBe(400)
  })

  it('reports suppliers and sessions', async () => {
    const suppliers = (await (await admin('/suppliers')).json()) as { data: { supplier: string }[] }
    expect(suppliers.data.map((s) => s.supplier)).toContain(net.addressOf('good'))
    const sessions = (await (await admin('/sessions')).json()) as {
      data: { serviceId: string; suppliers: unknown[] }[]
    }
    expect(sessions.data[0]).toMatchObject({ serviceId: SERVICE_ID })
  })
})

describe('applications', () => {
  const address = (name: string) => net.devnet.accounts.find((a) => a.name === name)!.address

  it('spreads keys over every delegating application, or pins a key to its own', async () => {
    const open = await net.gateway.createApiKey({ name: 'any-app' })
    const pinned = await net.gateway.createApiKey({ name: 'pinned', application: address('user1') })
    for (let i = 0; i < 4; i++) {
      expect((await call({ auth: open.key, body: chat() })).status).toBe(200)
      expect((await call({ auth: pinned.key, body: chat() })).status).toBe(200)
    }
    await waitUntil(async () => (await net.gateway.keys.summarize(pinned.record.id)).requests === 4)
    await waitUntil(async () => (await net.gateway.keys.summarize(open.record.id)).requests === 4)
    const apps = async (id: string) =>
      new Set((await net.gateway.keys.getUsage(id)).map((u) => u.application))
    expect(await apps(open.record.id)).toEqual(new Set([address('application'), address('user1')]))
    expect(await apps(pinned.record.id)).toEqual(new Set([address('user1')]))
  })

  it('refuses a key pinned to an application that does not delegate to the gateway', async () => {
    const stray = await net.gateway.createApiKey({ name: 'stray', application: address('user2') })
    const relays = await relaysSent()
    expectError(
      await call({ auth: stray.key, body: chat() }),
      503,
      'server_error',
      'no_application',
    )
    expect(await relaysSent()).toBe(relays)
  })
})

describe('models from service cards', () => {
  it('lists and serves a model the service owner declares in the service card', async () => {
    const owner = net.devnet.accounts.find((a) => a.name === 'owner')!
    const signer = await createSigningChainClient({
      rpcUrl: net.devnet.rpcUrl,
      signer: createPrivateKeySigner(hexToBytes(owner.privateKey!)),
      gasPrice: '0upokt',
      pollingInterval: 100,
    })
    const card = {
      schema: 'pocket-service-card/v1',
      apis: ['openai-chat-completions'],
      models: [{ id: 'card-model', context_length: 2048 }],
    }
    await signer.addService({
      id: SERVICE_ID,
      name: 'LLM',
      computeUnitsPerRelay: 1n,
      card: new TextEncoder().encode(JSON.stringify(card)),
    })
    const client = new OpenAI({ baseURL: net.gateway.baseUrl, apiKey: key, maxRetries: 0 })
    await waitUntil(async () =>
      (await client.models.list()).data.some((m) => m.id === 'card-model'),
    )
    const completion = await client.chat.completions.create({
      model: 'card-model',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(completion.choices[0]!.message.content).toContain('tok')
    // The card offers chat only.
    const embeddings = await call({
      path: '/v1/embeddings',
      body: JSON.stringify({ model: 'card-model', input: 'x' }),
    })
    expectError(embeddings, 404, 'invalid_request_error', 'model_not_found')
  })
})

describe('signing', () => {
  it('keeps ring-signature nonces prepared ahead, refilled after the relays that used them', async () => {
    const ready = async () =>
      metricValue(
        await (await fetch(`${net.gateway.url}/metrics`)).text(),
        'decai_gateway_ring_nonces_ready',
      )
    expect(await ready()).toBe(RING_NONCE_POOL)
    for (let i = 0; i < 3; i++) expect((await call({ body: chat() })).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await ready()).toBe(RING_NONCE_POOL)
  })
})
