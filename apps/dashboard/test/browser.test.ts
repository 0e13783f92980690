// The dashboard in a real browser: headless Chromium (Debian's `chromium`, driven by
// playwright-core) at 375 px wide. It reaches the search box with the keyboard, searches the
// champion, and sees a chart and the revenue figure the chain paid, with no console error, and
// the watcher's verdict per supplier (a notice when the watcher is down) and its claim audit. The screenshot is kept in test/artifacts/ (and copied to docs/ with UPDATE_DOCS_SCREENSHOT=1).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { detectChromium, launchChromium } from '@decai/app-kit/browser'
import { createChainClient, sumRewards } from '@decai/chain'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type Dashboard, formatPokt, groupDigits, startDashboard } from '../src/index.js'
import {
  auditTestClaims,
  buildTestReport,
  type ReportServer,
  startReportServer,
} from './helpers/watcher-report.js'

const chromiumSupport = detectChromium('browser.test.ts')

const chain = inject('chain')
const artifacts = join(import.meta.dirname, 'artifacts')
let dir: string
let dashboard: Dashboard
let browser: Browser
let watcher: ReportServer

beforeAll(async () => {
  if (chromiumSupport.skip) return
  dir = mkdtempSync(join(tmpdir(), 'decai-dashboard-browser-'))
  // Its report names the chain's suppliers once the test knows them.
  watcher = await startReportServer()
  dashboard = await startDashboard({
    rpcUrl: chain.rpcUrl,
    dbPath: join(dir, 'index.sqlite'),
    port: 0,
    watcherUrl: watcher.url,
  })
  const client = createChainClient({ rpcUrl: chain.rpcUrl })
  await dashboard.indexer!.waitForHeight(await client.getCommittedHeight(), 120_000)
  browser = await launchChromium(chromiumSupport.path)
})

afterAll(async () => {
  await browser?.close()
  await dashboard?.stop()
  await watcher?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe.skipIf(chromiumSupport.skip)('the dashboard in Chromium', () => {
  it('finds the champion by keyboard and shows its chain-exact revenue and a chart at 375 px', async () => {
    const client = createChainClient({ rpcUrl: chain.rpcUrl })
    const settlements = await client.getClaimSettlements({
      fromHeight: 1n,
      toHeight: await dashboard.store.getHeight(),
    })
    const paid = sumRewards(settlements, { role: 'sourceOwner' }).get(chain.owner) ?? 0n
    expect(paid).toBeGreaterThan(0n)

    // The watcher judged the service's suppliers: the first honest, any other a substitute.
    const suppliers = [
      ...new Set(
        settlements
          .filter((s) => s.serviceId === chain.serviceId)
          .map((s) => s.supplierOperatorAddress),
      ),
    ].sort()
    expect(suppliers.length).toBeGreaterThan(0)
    // Its claim audit: the first supplier's claim within what the watcher delivered, the
    // second's (when there is one) three times over.
    const claims = [
      { supplier: suppliers[0]!, delivered: 12, claimedRelays: 12 },
      ...(suppliers[1] ? [{ supplier: suppliers[1], delivered: 10, claimedRelays: 30 }] : []),
    ]
    watcher.answer = {
      report: buildTestReport(
        suppliers.map((supplier, i) => ({
          serviceId: chain.serviceId,
          supplier,
          agreed: i === 0 ? 20 : 2,
          disagreed: i === 0 ? 0 : 18,
        })),
        undefined,
        auditTestClaims(claims),
      ),
    }

    const page = await browser.newPage({ viewport: { width: 375, height: 812 } })
    const problems: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    await page.goto(dashboard.url)
    await page.getByTestId('status').waitFor()
    // The network page lists the watcher's verdict for every supplier it judged.
    const network = page.getByTestId('watcher-all')
    await network.getByRole('heading', { name: 'Watcher verdicts' }).waitFor()
    await network.locator('[data-verdict="match"]').waitFor()
    const verdictRows = network.locator('section.table').first().locator('tbody tr')
    expect(await verdictRows.count()).toBe(suppliers.length)
    expect(await verdictRows.first().textContent()).toContain(suppliers[0])
    // Below them, the claim audit: claimed against delivered relays and the bound, per session.
    const audit = network.getByTestId('claim-audit')
    await audit.getByRole('heading', { name: 'Claim audit: claimed vs delivered relays' }).waitFor()
    expect(await audit.locator('tbody tr').count()).toBe(claims.length)
    const honestClaim = audit.locator('tbody tr').filter({ hasText: suppliers[0]! })
    expect(
      await honestClaim.locator('[data-claim-verdict]').getAttribute('data-claim-verdict'),
    ).toBe('within_bound')
    if (suppliers[1]) {
      const flagged = audit.getByTestId('claim-audit-flagged')
      expect(await flagged.textContent()).toContain(suppliers[1])
      const greedy = audit.locator('tbody tr').filter({ hasText: suppliers[1] })
      expect(await greedy.locator('[data-claim-verdict]').getAttribute('data-claim-verdict')).toBe(
        'over_claimed',
      )
      // delivered, claimed, bound
      expect(await greedy.locator('td.num').allTextContents()).toEqual(['10', '30', '10'])
    }

    // The search box is the first stop of the Tab key.
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('search')
    await page.keyboard.type(chain.owner)
    await page.keyboard.press('Enter')

    const share = page.getByTestId('champion-share')
    await share.waitFor()
    expect(await share.getAttribute('data-upokt')).toBe(String(paid))
    expect(await share.getAttribute('data-upokt')).toBe(chain.ownerBalanceChange)
    // What the reader sees: the same amount, in POKT and in uPOKT.
    const shown = await share.textContent()
    expect(shown).toContain(`${formatPokt(paid)} POKT`)
    expect(shown).toContain(`${groupDigits(paid)} uPOKT`)
    expect(page.url()).toContain(`#/address/${chain.owner}`)

    // A drawn chart: uPlot's canvas, with the service's settled points in it.
    const chart = page.getByTestId(`chart-${chain.serviceId}`)
    await chart.locator('canvas').waitFor()
    const box = await chart.locator('canvas').boundingBox()
    expect(box!.width).toBeGreaterThan(200)
    expect(box!.width).toBeLessThanOrEqual(375)
    // The tables below it are filled from the API.
    await page.getByRole('heading', { name: 'By supplier' }).first().waitFor()
    await page.locator('text=PROOF_MISSING').first().waitFor()
    // Under the service's supplier breakdown: each supplier's verdict, with a CSV link.
    const verdicts = page.getByTestId(`watcher-${chain.serviceId}`)
    await verdicts.getByRole('heading', { name: 'Watcher verdicts by supplier' }).waitFor()
    const honest = verdicts.locator('tbody tr').filter({ hasText: suppliers[0]! })
    expect(await honest.locator('[data-verdict]').getAttribute('data-verdict')).toBe('match')
    const csvLinks = verdicts.getByRole('link', { name: 'CSV' })
    expect(await csvLinks.first().getAttribute('href')).toBe(
      `/api/watcher/verdicts?service=${chain.serviceId}&format=csv`,
    )
    expect(await csvLinks.last().getAttribute('href')).toBe(
      `/api/watcher/claim-audit?service=${chain.serviceId}&format=csv`,
    )

    // Nothing is wider than the phone's screen (wide tables scroll inside their own box).
    const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(pageWidth).toBeLessThanOrEqual(375)

    mkdirSync(artifacts, { recursive: true })
    const shot = join(artifacts, 'dashboard-champion-375.png')
    await page.screenshot({ path: shot, fullPage: true })
    if (process.env['UPDATE_DOCS_SCREENSHOT'] === '1') {
      copyFileSync(
        shot,
        join(import.meta.dirname, '..', '..', '..', 'docs', 'dashboard-champion.png'),
      )
    }

    // The service's page, then the block that settled it, by their links.
    await page.getByRole('link', { name: chain.serviceId, exact: true }).first().click()
    await page.getByTestId('service-settled').waitFor()
    expect(page.url()).toContain(`#/service/${chain.serviceId}`)
    const settledAt = settlements.find(
      (s) => s.serviceId === chain.serviceId && s.status === 'settled',
    )!
    await page
      .getByRole('link', { name: String(settledAt.height), exact: true })
      .first()
      .click()
    await page.getByRole('heading', { name: `Block ${settledAt.height}` }).waitFor()
    await page.getByRole('heading', { name: 'Transfers' }).waitFor()
    expect(await page.getByText(settledAt.supplierOperatorAddress).count()).toBeGreaterThan(0)
    expect(problems).toEqual([])

    // A bad search answers in the page with the API's message (Chromium logs the 400 itself).
    await page.getByLabel(/Search by champion/).fill('pokt1notanaddress')
    await page.keyboard.press('Enter')
    await page.getByRole('alert').filter({ hasText: 'INVALID_ADDRESS' }).waitFor()
    expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([])
    await page.close()
  })

  it('with the node down, shows the last indexed height and the same figures', async () => {
    // The index stops growing: the first dashboard stops following the chain.
    await dashboard.indexer!.stop()
    const indexed = await dashboard.store.getHeight()
    // The same index file, read by a second dashboard whose node does not answer.
    // Its watcher is down too: nothing listens at the URL it was given.
    const gone = await startReportServer()
    await gone.stop()
    const offline = await startDashboard({
      rpcUrl: 'http://127.0.0.1:9',
      dbPath: join(dir, 'index.sqlite'),
      port: 0,
      indexer: { retryMs: 100 },
      watcherUrl: gone.url,
    })
    try {
      const page = await browser.newPage({ viewport: { width: 375, height: 812 } })
      const problems: string[] = []
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text())
      })
      page.on('pageerror', (e) => problems.push(e.message))
      await page.goto(`${offline.url}/#/address/${chain.owner}`)
      await page.getByTestId('status').filter({ hasText: 'node unreachable' }).waitFor()
      expect(await page.getByTestId('status').textContent()).toContain(
        `Indexed to height ${indexed}`,
      )
      const share = page.getByTestId('champion-share')
      await share.waitFor()
      expect(await share.getAttribute('data-upokt')).toBe(chain.ownerBalanceChange)
      // The verdicts give way to a notice; the rest of the page is whole.
      await page
        .getByTestId(`watcher-${chain.serviceId}`)
        .getByRole('status')
        .filter({ hasText: 'WATCHER_UNAVAILABLE' })
        .waitFor()
      expect(problems).toEqual([])
      await page.close()
    } finally {
      await offline.stop()
    }
  })
})
