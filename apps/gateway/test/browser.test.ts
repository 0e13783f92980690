// A web app on the local network, in a real browser: headless Chromium (Debian's `chromium`,
// driven by playwright-core) opens a page served on its own origin, a port away from everything
// it calls. The page (test/browser/page.ts, bundled by esbuild) streams a completion straight
// from the suppliers with `@decai/sdk` in direct mode (the session from the devnet's RPC, relays
// signed in the page, frames verified as they arrive) and through the gateway with the `openai`
// client. The devnet RPC, the suppliers and the gateway allow that origin and no other: the same
// page served from a second origin is refused by the browser's CORS check.
import { createServer, request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { detectChromium, launchChromium, type PageServer, servePage } from '@decai/app-kit/browser'
import { type LlmServer, startLlmServer } from '@decai/llm-server'
import { build } from 'esbuild'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DirectParameters, GatewayParameters, StreamResult } from './browser/page.js'
import { listenHttp, MODEL, type Network, SERVICE_ID, startNetwork } from './helpers.js'

const chromiumSupport = detectChromium('browser.test.ts')

type Settled<T> = { ok: true; value: T } | { ok: false; error: string }

let llm: LlmServer
let net: Network
let allowedPage: PageServer
let otherPage: PageServer
let browser: Browser
let apiKey: string
let appKey: string

/** An HTTP proxy to `target` that counts requests by method and path. */
async function startCountingProxy(
  target: string,
): Promise<PageServer & { counts: Map<string, number> }> {
  const counts = new Map<string, number>()
  const server = createServer((req, res) => {
    const key = `${req.method} ${req.url}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
    const upstream = httpRequest(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  return { ...(await listenHttp(server)), counts }
}

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [join(import.meta.dirname, 'browser/page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  })
  return result.outputFiles[0]!.text
}

/** A fresh tab on `origin` with the page loaded; browser console errors are collected. */
async function openPage(origin: string): Promise<{ page: Page; console: string[] }> {
  const page = await browser.newPage()
  const lines: string[] = []
  page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`))
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`))
  await page.goto(`${origin}/`)
  await page.waitForFunction(() => 'streamThroughGateway' in globalThis)
  return { page, console: lines }
}

const direct = (page: Page, p: DirectParameters) =>
  page.evaluate(
    (q) =>
      (
        globalThis as unknown as {
          streamDirect(q: DirectParameters): Promise<Settled<StreamResult>>
        }
      ).streamDirect(q),
    p,
  )
const viaGateway = (page: Page, p: GatewayParameters) =>
  page.evaluate(
    (q) =>
      (
        globalThis as unknown as {
          streamThroughGateway(q: GatewayParameters): Promise<Settled<StreamResult>>
        }
      ).streamThroughGateway(q),
    p,
  )

const prompt = 'What is the capital of France?'

describe.skipIf(chromiumSupport.skip)('a web app in headless Chromium', () => {
  beforeAll(async () => {
    const bundle = await bundlePage()
    allowedPage = await servePage(bundle)
    otherPage = await servePage(bundle)
    const origins = [allowedPage.url]
    llm = await startLlmServer({ port: 0, threads: 1, parallel: 2 })
    net = await startNetwork({
      suppliers: ['good', 'good'],
      backendUrl: llm.url,
      devnet: { rpc: { corsAllowedOrigins: origins } },
      supplier: { cors: { allowedOrigins: origins } },
      gateway: { cors: { allowedOrigins: origins } },
    })
    ;({ key: apiKey } = await net.gateway.createApiKey({ name: 'browser' }))
    appKey = net.devnet.accounts.find((a) => a.name === 'application')!.privateKey!
    browser = await launchChromium(chromiumSupport.path)
  })

  afterAll(async () => {
    await browser?.close()
    await net?.stop()
    await llm?.stop()
    await allowedPage?.stop()
    await otherPage?.stop()
  })

  it('streams a verified completion straight from a supplier with @decai/sdk', async () => {
    const { page, console: lines } = await openPage(allowedPage.url)
    const result = await direct(page, {
      rpcUrl: net.devnet.rpcUrl,
      key: appKey,
      service: SERVICE_ID,
      prompt,
    })
    expect(result, lines.join('\n')).toMatchObject({ ok: true })
    const value = (result as { value: StreamResult }).value
    expect(value.streamed).toBe(true)
    expect(net.suppliers.map((s) => s.address)).toContain(value.supplier)
    expect(value.text.trim().length).toBeGreaterThan(0)
    expect(value.chunks).toBeGreaterThan(2)
    expect(value.usage!.prompt_tokens).toBeGreaterThan(0)
    expect(value.usage!.completion_tokens).toBeGreaterThan(0)
    expect(value.usage!.total_tokens).toBe(
      value.usage!.prompt_tokens + value.usage!.completion_tokens,
    )
    console.log(
      `browser, @decai/sdk direct: ${JSON.stringify(value.text)} ${JSON.stringify(value.usage)}`,
    )
    await page.close()
  })

  it('streams a completion through the gateway with the openai client', async () => {
    const { page, console: lines } = await openPage(allowedPage.url)
    const result = await viaGateway(page, {
      baseURL: net.gateway.baseUrl,
      apiKey,
      model: MODEL,
      prompt,
    })
    expect(result, lines.join('\n')).toMatchObject({ ok: true })
    const value = (result as { value: StreamResult }).value
    expect(value.streamed).toBe(true)
    // The page could read the exposed header.
    expect(net.suppliers.map((s) => s.address)).toContain(value.supplier)
    expect(value.text.trim().length).toBeGreaterThan(0)
    expect(value.usage!.prompt_tokens).toBeGreaterThan(0)
    expect(value.usage!.completion_tokens).toBeGreaterThan(0)
    console.log(
      `browser, openai via gateway: ${JSON.stringify(value.text)} ${JSON.stringify(value.usage)}`,
    )
    await page.close()
  })

  it('sends one preflight per URL and reuses it (Access-Control-Max-Age)', async () => {
    // Counting proxies in front of the gateway and the RPC: what the browser really sends.
    const gatewayProxy = await startCountingProxy(net.gateway.url)
    const rpcProxy = await startCountingProxy(net.devnet.rpcUrl)
    const { page, console: lines } = await openPage(allowedPage.url) // a new, empty cache
    try {
      const gatewayCall = { baseURL: `${gatewayProxy.url}/v1`, apiKey, model: MODEL, prompt }
      const directCall = { rpcUrl: rpcProxy.url, key: appKey, service: SERVICE_ID, prompt }
      for (let i = 0; i < 3; i++) {
        expect(await viaGateway(page, gatewayCall), lines.join('\n')).toMatchObject({ ok: true })
        expect(await direct(page, directCall), lines.join('\n')).toMatchObject({ ok: true })
      }
      expect(gatewayProxy.counts.get('POST /v1/chat/completions')).toBe(3)
      expect(gatewayProxy.counts.get('OPTIONS /v1/chat/completions')).toBe(1)
      expect(rpcProxy.counts.get('POST /')).toBeGreaterThanOrEqual(3)
      expect(rpcProxy.counts.get('OPTIONS /')).toBe(1)
    } finally {
      await page.close()
      await gatewayProxy.stop()
      await rpcProxy.stop()
    }
  })

  it('refuses a page from an origin that is not allowed', async () => {
    const { page, console: lines } = await openPage(otherPage.url)
    const gateway = await viaGateway(page, {
      baseURL: net.gateway.baseUrl,
      apiKey,
      model: MODEL,
      prompt,
    })
    expect(gateway.ok).toBe(false)
    expect((gateway as { error: string }).error).toMatch(/Connection error/)
    const sdk = await direct(page, {
      rpcUrl: net.devnet.rpcUrl,
      key: appKey,
      service: SERVICE_ID,
      prompt,
    })
    expect(sdk.ok).toBe(false)
    expect((sdk as { error: string }).error).toContain('CHAIN_QUERY_FAILED')
    // The browser says why: its CORS check, for the gateway and for the RPC.
    const blocked = lines.filter((l) => l.includes('blocked by CORS policy'))
    expect(
      blocked.some((l) => l.includes(net.gateway.baseUrl)),
      lines.join('\n'),
    ).toBe(true)
    expect(
      blocked.some((l) => l.includes(net.devnet.rpcUrl)),
      lines.join('\n'),
    ).toBe(true)
    await page.close()
  })
})
