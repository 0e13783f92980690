// Browser access to the RPC, as CometBFT's `cors_allowed_origins`: none by default (no CORS
// headers at all), the listed origins or `*` when configured. A browser client such as
// `@decai/sdk` in direct mode POSTs JSON, so it always sends a preflight first.
import { afterEach, describe, expect, it } from 'vitest'
import { type Devnet, isDevnetError, startDevnet } from '../src/index.js'

let devnet: Devnet | undefined

afterEach(async () => {
  await devnet?.stop()
  devnet = undefined
})

const preflight = (url: string, origin: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  })

const post = (url: string, origin: string) =>
  fetch(url, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status', params: {} }),
  })

describe('RPC CORS', () => {
  it('sends no CORS header without configured origins', async () => {
    devnet = await startDevnet({ port: 0, blockTimeMs: 0 })
    const res = await preflight(devnet.rpcUrl, 'http://127.0.0.1:5173')
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    const answer = await post(devnet.rpcUrl, 'http://127.0.0.1:5173')
    expect(answer.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('answers the preflight of a listed origin and puts the origin on answers', async () => {
    devnet = await startDevnet({
      port: 0,
      blockTimeMs: 0,
      config: { rpc: { corsAllowedOrigins: ['http://127.0.0.1:5173'] } },
    })
    const res = await preflight(devnet.rpcUrl, 'http://127.0.0.1:5173')
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173')
    expect(res.headers.get('access-control-allow-methods')).toBe('HEAD,GET,POST')
    expect(res.headers.get('access-control-allow-headers')?.split(',')).toContain('Content-Type')
    expect(res.headers.get('access-control-max-age')).toBe('7200')
    const answer = await post(devnet.rpcUrl, 'http://127.0.0.1:5173')
    expect(answer.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173')
    expect(((await answer.json()) as { result: unknown }).result).toBeDefined()

    const other = await preflight(devnet.rpcUrl, 'http://127.0.0.1:9999')
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('allows any origin with *', async () => {
    devnet = await startDevnet({
      port: 0,
      blockTimeMs: 0,
      config: { rpc: { corsAllowedOrigins: ['*'] } },
    })
    const res = await post(`${devnet.rpcUrl}`, 'https://anywhere.example')
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('refuses an entry that is not an origin', async () => {
    const error = await startDevnet({
      port: 0,
      blockTimeMs: 0,
      config: { rpc: { corsAllowedOrigins: ['https://app.example/'] } },
    }).catch((e: unknown) => e)
    expect(isDevnetError(error) && error.code).toBe('INVALID_CONFIG')
  })
})
