// The request checks of the inference routes, one at a time, on real parts (an in-memory key
// store, the rate limiter, the model catalog) and a real hono app for the body reader.
import { createLogger } from '@decai/app-kit/logger'
import { startServer } from '@decai/app-kit/server'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { createGatewayApp } from '../src/app.js'
import { parseGatewayConfig } from '../src/config.js'
import { isGatewayError } from '../src/errors.js'
import type { KeyStore } from '../src/key-store.js'
import { createGatewayMetrics } from '../src/metrics.js'
import { ModelCatalog } from '../src/models.js'
import { MemoryKeyLimits } from '../src/rate-limiter.js'
import type { RelayExecutor } from '../src/relay-executor.js'
import { authenticate, requireAdmin } from '../src/routes/auth.js'
import type { GatewayAppDependencies } from '../src/routes/context.js'
import {
  ANONYMOUS_KEY_ID,
  admitRequest,
  checkInferenceRequest,
  readJsonRequest,
  toUpstreamRequest,
} from '../src/routes/inference.js'
import { SqliteKeyStore } from '../src/sqlite-key-store.js'
import { leaveMidUpload } from './helpers.js'

const config = parseGatewayConfig({
  gateway: { privateKey: 'ab'.repeat(32) },
  models: [
    { name: 'small', serviceId: 'llm', upstreamModel: 'smollm2', endpoints: ['chat'] },
    { name: 'single', serviceId: 'llm', endpoints: ['chat', 'completions'], maxChoices: 1 },
  ],
  auth: { adminToken: 'admin-secret-token-123' },
  limits: { maxBodyBytes: 64 },
})
const catalog = new ModelCatalog(config.models)

const codeOf = (f: () => unknown) => {
  try {
    f()
  } catch (error) {
    return isGatewayError(error) ? error.code : 'OTHER'
  }
  return 'NONE'
}

/** Runs `handler` on a real request through hono and returns what it threw or resolved. */
async function onRequest<T>(init: RequestInit & { path?: string }, handler: (c: never) => T) {
  const app = new Hono()
  let outcome: { value?: Awaited<T>; code?: string } = {}
  app.all('*', async (c) => {
    try {
      outcome = { value: await handler(c as never) }
    } catch (error) {
      outcome = { code: isGatewayError(error) ? error.code : 'OTHER' }
    }
    return c.text('')
  })
  await app.request(init.path ?? '/', init)
  return outcome
}

describe('inference checks', () => {
  it('finds the model on its endpoint, within the key allow-list', async () => {
    const chat = { model: 'small', messages: [{ role: 'user', content: 'hi' }] }
    const check = (request: Record<string, unknown>, endpoint: 'chat' | 'completions' = 'chat') =>
      codeOf(() => checkInferenceRequest(catalog, null, endpoint, request))
    expect(checkInferenceRequest(catalog, null, 'chat', chat).model.name).toBe('small')
    expect(checkInferenceRequest(catalog, null, 'chat', { ...chat, stream: true }).stream).toBe(
      true,
    )
    expect(check({})).toBe('MISSING_PARAMETER')
    expect(check({ ...chat, model: 123 })).toBe('INVALID_TYPE')
    // Whether the model is served comes before the rest of the request.
    expect(check({ model: 'small' }, 'completions')).toBe('MODEL_NOT_FOUND')
    expect(check({ model: 'small' })).toBe('MISSING_PARAMETER')
    expect(check({ ...chat, messages: [] })).toBe('INVALID_PARAMETER')
    expect(check({ ...chat, stream: 'yes' })).toBe('INVALID_TYPE')
    // `n` as far as the schema goes for a model without `maxChoices`; 1 for one that says so.
    expect(check({ ...chat, n: 2 })).toBe('NONE')
    expect(check({ ...chat, model: 'single', n: 1 })).toBe('NONE')
    expect(check({ ...chat, model: 'single', n: 2 })).toBe('INVALID_PARAMETER')
    expect(check({ model: 'single', prompt: 'x', best_of: 3 }, 'completions')).toBe(
      'INVALID_PARAMETER',
    )
    const store = new SqliteKeyStore(':memory:')
    const { record } = await store.create({ models: ['other'] })
    expect(codeOf(() => checkInferenceRequest(catalog, record, 'chat', chat))).toBe(
      'MODEL_NOT_ALLOWED',
    )
    await store.close()
  })

  it('admits within the budget and the rate limit', async () => {
    const store = new SqliteKeyStore(':memory:')
    const limiter = new MemoryKeyLimits()
    const codeOfAsync = async (f: () => Promise<unknown>) => {
      try {
        await f()
      } catch (error) {
        return isGatewayError(error) ? error.code : 'OTHER'
      }
      return 'NONE'
    }
    expect((await admitRequest(config, limiter, null)).keyId).toBe(ANONYMOUS_KEY_ID)
    const { record } = await store.create({ rpm: 1 })
    expect((await admitRequest(config, limiter, record)).keyId).toBe(record.id)
    expect(await codeOfAsync(() => admitRequest(config, limiter, record))).toBe(
      'RATE_LIMIT_REQUESTS',
    )
    const spent = { ...(await store.create({ budgetUsd: 1 })).record, spentUsd: 1 }
    expect(await codeOfAsync(() => admitRequest(config, limiter, spent))).toBe('BUDGET_EXCEEDED')
    // Requests in flight hold their worst case: a second one waits for the first to settle.
    const fresh = (await store.create({ budgetUsd: 1 })).record
    const first = await admitRequest(config, limiter, fresh, 0.6)
    expect(first.reservation).toEqual({ keyId: fresh.id, amountUsd: 0.6, store: 'local' })
    expect((await admitRequest(config, limiter, fresh, 0.6)).reservation?.amountUsd).toBe(0.6)
    expect(await codeOfAsync(() => admitRequest(config, limiter, fresh, 0.6))).toBe(
      'BUDGET_EXCEEDED',
    )
    // Settled at their real cost: the spend counts before the store's copy of the key has it.
    await limiter.settle(fresh.id, { tokens: 10, costUsd: 0.25, reservation: first.reservation })
    await limiter.settle(fresh.id, { tokens: 10, costUsd: 0.25, reservation: first.reservation })
    const third = await admitRequest(config, limiter, fresh, 0.6)
    await limiter.settle(fresh.id, { tokens: 10, costUsd: 0.5, reservation: third.reservation })
    expect(await codeOfAsync(() => admitRequest(config, limiter, fresh, 0.1))).toBe(
      'BUDGET_EXCEEDED',
    )
    await store.close()
  })

  it('renames the model for the suppliers and asks for usage on streams', () => {
    const model = catalog.resolve('small')!
    expect(toUpstreamRequest({ model: 'small' }, model, false)).toEqual({
      request: { model: 'smollm2' },
      stripUsage: false,
    })
    expect(toUpstreamRequest({ model: 'small', stream: true }, model, true)).toEqual({
      request: { model: 'smollm2', stream: true, stream_options: { include_usage: true } },
      stripUsage: true,
    })
    const asked = { model: 'small', stream: true, stream_options: { include_usage: true } }
    expect(toUpstreamRequest(asked, model, true).stripUsage).toBe(false)
  })
})

describe('reading the body', () => {
  const read = (init: RequestInit) =>
    onRequest({ method: 'POST', ...init }, (c) => readJsonRequest(c, config.limits.maxBodyBytes))

  it('reads a JSON object', async () => {
    const json = { 'content-type': 'application/json' }
    expect((await read({ headers: json, body: '{"a":1}' })).value).toEqual({ a: 1 })
    expect((await read({ headers: json, body: '[1]' })).code).toBe('INVALID_JSON')
    expect((await read({ headers: json, body: '{' })).code).toBe('INVALID_JSON')
    expect((await read({ headers: json, body: `{"a":"${'x'.repeat(100)}"}` })).code).toBe(
      'BODY_TOO_LARGE',
    )
    expect((await read({ headers: { 'content-type': 'text/plain' }, body: '{}' })).code).toBe(
      'UNSUPPORTED_MEDIA_TYPE',
    )
  })
})

describe('a failure of the gateway itself', () => {
  const overflow = new RangeError('Maximum call stack size exceeded')
  /** The routes on real parts, with an executor that fails as a bug would, and a log to read. */
  const failingGateway = (store: KeyStore, lines: Record<string, unknown>[]) =>
    createGatewayApp({
      config: { ...config, auth: { ...config.auth, required: false } },
      store,
      limiter: new MemoryKeyLimits(),
      catalog,
      metrics: createGatewayMetrics(),
      logger: createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) }),
      isStopping: () => false,
      executor: { execute: () => Promise.reject(overflow) } as unknown as RelayExecutor,
    } as unknown as GatewayAppDependencies)

  it('answers 500 internal_error and logs the cause with its stack', async () => {
    const lines: Record<string, unknown>[] = []
    const store = new SqliteKeyStore(':memory:')
    const app = failingGateway(store, lines)
    const response = await app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'small', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(response.status).toBe(500)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'internal_error',
    )
    // The cause reaches the log, not the client.
    const failed = lines.find((l) => l['msg'] === 'request failed')
    expect(failed).toMatchObject({
      level: 'error',
      status: 500,
      code: 'internal_error',
      error: { name: 'RangeError', message: 'Maximum call stack size exceeded' },
    })
    expect((failed!['error'] as { stack: string }).stack).toMatch(/^RangeError: .*\n\s+at /)
    await store.close()
  })

  it('logs a client that leaves mid-upload at debug, not as a failure', async () => {
    const lines: Record<string, unknown>[] = []
    const store = new SqliteKeyStore(':memory:')
    const server = await startServer({
      fetch: failingGateway(store, lines).fetch,
      port: 0,
      host: '127.0.0.1',
    })
    // Headers and half of the declared body, then the socket closes.
    await leaveMidUpload(server.port)
    await server.stop()
    await store.close()
    expect(lines.filter((l) => l['level'] === 'error')).toEqual([])
    expect(lines.find((l) => l['msg'] === 'client left')).toMatchObject({ level: 'debug' })
  })
})

describe('authentication', () => {
  it('accepts known keys and the admin token, and refuses the rest', async () => {
    const store = new SqliteKeyStore(':memory:')
    const { key, record } = await store.create({ name: 'alice' })
    const as = (token?: string) =>
      onRequest(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }, (c) =>
        authenticate(config, store, c),
      )
    expect((await as(key)).value?.id).toBe(record.id)
    expect((await as()).code).toBe('MISSING_API_KEY')
    expect((await as('sk-wrong')).code).toBe('INVALID_API_KEY')
    const admin = (token: string) =>
      onRequest({ headers: { authorization: `Bearer ${token}` } }, (c) => requireAdmin(config, c))
    expect((await admin('admin-secret-token-123')).code).toBeUndefined()
    expect((await admin(key)).code).toBe('INVALID_ADMIN_TOKEN')
    await store.close()
  })
})
