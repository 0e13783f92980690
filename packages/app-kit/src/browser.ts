// Headless Chromium for the browser tests: Debian's `chromium` (no browser download), driven by
// playwright-core, and a loopback page server, so that a page runs on an origin of its own. One
// home for the gateway's and the dashboard's browser tests and `pnpm test:publish`.
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'

export type ChromiumSupport = {
  /** The browser binary: `CHROMIUM_PATH`, or Debian's `/usr/bin/chromium`. */
  path: string
  available: boolean
  /** `DECAI_REQUIRE_BROWSER=1` (CI installs the browser): a missing browser fails, never skips. */
  required: boolean
  /** Neither available nor required: the caller skips its browser tests. */
  skip: boolean
}

/** Whether Chromium is here; warns once, naming `what`, when its tests will be skipped. */
export function detectChromium(
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): ChromiumSupport {
  const path = env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
  const available = existsSync(path)
  const required = env['DECAI_REQUIRE_BROWSER'] === '1'
  const skip = !available && !required
  if (skip) console.warn(`${what} skipped: no Chromium at ${path} (apt-get install chromium)`)
  return { path, available, required, skip }
}

/**
 * Launches headless Chromium. playwright-core is loaded here, not at import, so that a caller
 * that skips never needs it; it is an optional peer of this kit. Playwright turns Chromium's
 * sandbox off by default (root in a container has no user namespaces for it).
 */
export async function launchChromium(path: string): Promise<Browser> {
  if (!existsSync(path)) {
    throw new Error(`no Chromium at ${path} (apt-get install chromium, or set CHROMIUM_PATH)`)
  }
  const { chromium } = await import('playwright-core')
  return chromium.launch({ executablePath: path, headless: true })
}

export type PageServer = { url: string; stop(): Promise<void> }

/**
 * Serves a page and its module bundle on a loopback port of its own: an origin of its own.
 * `/` is a blank HTML page that loads `/page.js` as a module.
 */
export async function servePage(bundle: string, title = 'DecAI in a browser'): Promise<PageServer> {
  const html =
    `<!doctype html><meta charset="utf-8"><title>${title}</title>` +
    '<script type="module" src="/page.js"></script>'
  const server = createServer((req, res) => {
    if (req.url === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
      res.end(bundle)
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(html)
    } else {
      res.writeHead(404)
      res.end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
