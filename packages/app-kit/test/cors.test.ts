import { Hono } from 'hono'
import { stream } from 'hono/streaming'
import { describe, expect, it } from 'vitest'
import { createCorsMiddleware, isCorsOrigin } from '../src/cors.js'

function appWith(allowedOrigins: string[]) {
  const app = new Hono()
  app.use(
    '*',
    createCorsMiddleware({
      allowedOrigins,
      allowHeaders: ['Authorization', 'Content-Type'],
      exposeHeaders: ['X-Answer'],
      maxAgeSeconds: 600,
    }),
  )
  app.post('/json', (c) => c.json({ ok: true }, 200, { 'x-answer': '42' }))
  app.post('/stream', (c) =>
    stream(c, async (s) => {
      await s.write('data: one\n\n')
      await s.write('data: two\n\n')
    }),
  )
  app.post('/raw', () => new Response(new Blob(['raw']).stream(), { status: 200 }))
  return app
}

const preflight = (origin: string) =>
  new Request('http://app.test/json', {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  })

describe('createCorsMiddleware', () => {
  it('answers an allowed preflight 204 with the headers, methods and max age', async () => {
    const res = await appWith(['https://app.example']).request(preflight('https://app.example'))
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(res.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type')
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,HEAD,POST')
    expect(res.headers.get('access-control-max-age')).toBe('600')
    expect(res.headers.get('vary')).toContain('Origin')
  })

  it('refuses an origin not on the list: 204 without Access-Control-Allow-Origin', async () => {
    const res = await appWith(['https://app.example']).request(preflight('https://evil.example'))
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('allows no origin by default (an empty list)', async () => {
    const res = await appWith([]).request(preflight('http://127.0.0.1:5173'))
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('leaves answers alone when no origin is allowed: no CORS headers, no Vary', async () => {
    const res = await appWith([]).request(
      new Request('http://app.test/json', {
        method: 'POST',
        headers: { origin: 'http://127.0.0.1:5173' },
      }),
    )
    expect(res.status).toBe(200)
    const names: string[] = []
    res.headers.forEach((_, name) => {
      names.push(name)
    })
    expect(names.sort()).toEqual(['content-type', 'x-answer'])
  })

  it('says Vary: Origin on answers when some origins are allowed, with or without an Origin', async () => {
    const app = appWith(['https://app.example'])
    for (const headers of [{}, { origin: 'https://evil.example' }]) {
      const res = await app.request(
        new Request('http://app.test/json', { method: 'POST', headers }),
      )
      expect(res.headers.get('vary')).toBe('Origin')
      expect(res.headers.get('access-control-allow-origin')).toBeNull()
    }
  })

  it('allows any origin with *', async () => {
    const res = await appWith(['*']).request(preflight('http://127.0.0.1:5173'))
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('puts the headers on JSON, hono-streamed and raw streamed answers', async () => {
    const app = appWith(['https://app.example'])
    for (const path of ['/json', '/stream', '/raw']) {
      const res = await app.request(
        new Request(`http://app.test${path}`, {
          method: 'POST',
          headers: { origin: 'https://app.example' },
        }),
      )
      expect(res.status, path).toBe(200)
      expect(res.headers.get('access-control-allow-origin'), path).toBe('https://app.example')
      expect(res.headers.get('access-control-expose-headers'), path).toBe('X-Answer')
      expect((await res.text()).length, path).toBeGreaterThan(0)
    }
  })
})

describe('isCorsOrigin', () => {
  it('takes * and origins as browsers send them, nothing else', () => {
    expect(isCorsOrigin('*')).toBe(true)
    expect(isCorsOrigin('https://app.example')).toBe(true)
    expect(isCorsOrigin('http://127.0.0.1:5173')).toBe(true)
    expect(isCorsOrigin('https://app.example/')).toBe(false)
    expect(isCorsOrigin('https://app.example/path')).toBe(false)
    expect(isCorsOrigin('HTTPS://APP.example')).toBe(false)
    expect(isCorsOrigin('app.example')).toBe(false)
    expect(isCorsOrigin('ftp://app.example')).toBe(false)
    expect(isCorsOrigin('https://*.example')).toBe(false)
  })
})
