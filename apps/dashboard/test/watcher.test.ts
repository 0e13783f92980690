// The watcher's verdicts per supplier in the dashboard's API: a report signed by the watcher's
// own report builder, answered by a real HTTP server, read into a table (JSON and CSV); a
// watcher that is down, answers an error or answers something else leaves the page whole.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Dashboard, startDashboard } from '../src/index.js'
import type { ClaimAuditRow } from '../src/watcher.js'
import {
  auditTestClaims,
  buildTestReport,
  type ReportServer,
  startReportServer,
} from './helpers/watcher-report.js'

const HONEST = 'pokt1honestsupplier'
const SUBSTITUTE = 'pokt1substitutesupplier'
const OTHER = 'pokt1othersupplier'

const report = buildTestReport([
  { serviceId: 'llm', supplier: HONEST, agreed: 20, disagreed: 0, failed: 1 },
  { serviceId: 'llm', supplier: SUBSTITUTE, agreed: 2, disagreed: 18 },
  { serviceId: 'chat', supplier: OTHER, agreed: 1, disagreed: 0 },
])

let dir: string
let watcher: ReportServer
let dashboard: Dashboard
let bare: Dashboard

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'decai-dashboard-watcher-'))
  watcher = await startReportServer(report)
  const common = { rpcUrl: 'http://127.0.0.1:9', port: 0, index: false } as const
  dashboard = await startDashboard({
    ...common,
    dbPath: join(dir, 'a.sqlite'),
    watcherUrl: watcher.url,
  })
  bare = await startDashboard({ ...common, dbPath: join(dir, 'b.sqlite') })
})

afterAll(async () => {
  await dashboard?.stop()
  await bare?.stop()
  await watcher?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const get = (d: Dashboard, path: string) => fetch(`${d.url}${path}`)

describe('watcher verdicts', () => {
  it('shows each supplier × service of the watcher report as a row, as the watcher computed it', async () => {
    expect(report.signature).toMatch(/^[0-9a-f]{128,130}$/)
    const res = await get(dashboard, '/api/watcher')
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body).toMatchObject({
      configured: true,
      watcher: report.watcher.address,
      createdAt: report.createdAt,
    })
    expect(body.error).toBeUndefined()
    expect(body.verdicts.columns).toEqual([
      'supplier',
      'service_id',
      'model',
      'verdict',
      'confidence',
      'samples',
      'probes',
      'success_rate',
      'ttft_p50_ms',
      'ttft_p95_ms',
      'window_from',
      'window_to',
    ])
    // Sorted by service, then supplier.
    expect(body.verdicts.rows.map((r: { supplier: string }) => r.supplier)).toEqual([
      OTHER,
      HONEST,
      SUBSTITUTE,
    ])
    for (const entry of report.entries) {
      const row = body.verdicts.rows.find(
        (r: { supplier: string; service_id: string }) =>
          r.supplier === entry.supplier && r.service_id === entry.serviceId,
      )
      expect(row).toEqual({
        supplier: entry.supplier,
        service_id: entry.serviceId,
        model: entry.model,
        verdict: entry.verdict,
        confidence: String(entry.confidence),
        samples: entry.samples,
        probes: entry.probes,
        success_rate: entry.successRate === null ? null : String(entry.successRate),
        ttft_p50_ms: entry.ttftMs ? String(entry.ttftMs.p50) : null,
        ttft_p95_ms: entry.ttftMs ? String(entry.ttftMs.p95) : null,
        window_from: entry.window.from,
        window_to: entry.window.to,
      })
    }
    const verdictOf = (supplier: string) =>
      body.verdicts.rows.find((r: { supplier: string }) => r.supplier === supplier).verdict
    expect(verdictOf(HONEST)).toBe('match')
    expect(verdictOf(SUBSTITUTE)).toBe('mismatch')
    expect(verdictOf(OTHER)).toBe('inconclusive')
    const honest = report.entries.find((e) => e.supplier === HONEST)!
    expect(honest.samples).toBe(20)
    expect(honest.successRate).toBeLessThan(1)
  })

  it('keeps one service with ?service= and exports the table as CSV', async () => {
    const one = await (await get(dashboard, '/api/watcher?service=llm')).json()
    expect(one.verdicts.rows.map((r: { supplier: string }) => r.supplier)).toEqual([
      HONEST,
      SUBSTITUTE,
    ])
    const csv = await get(dashboard, '/api/watcher/verdicts?service=llm&format=csv')
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toContain('text/csv')
    expect(csv.headers.get('content-disposition')).toContain('watcher-verdicts-llm.csv')
    const lines = (await csv.text()).trim().split('\r\n')
    expect(lines[0]).toBe(
      'supplier,service_id,model,verdict,confidence,samples,probes,success_rate,ttft_p50_ms,ttft_p95_ms,window_from,window_to',
    )
    expect(lines).toHaveLength(3)
    expect(lines[1]).toMatch(new RegExp(`^${HONEST},llm,smollm2-135m-instruct,match,`))
    expect(lines[2]).toMatch(new RegExp(`^${SUBSTITUTE},llm,smollm2-135m-instruct,mismatch,`))
    const json = await (await get(dashboard, '/api/watcher/verdicts')).json()
    expect(json.rows).toHaveLength(3)
  })

  it('says when no watcher is configured', async () => {
    const body = await (await get(bare, '/api/watcher')).json()
    expect(body).toEqual({
      configured: false,
      verdicts: { columns: expect.any(Array), rows: [] },
      claimAudit: { columns: expect.any(Array), rows: [] },
    })
    expect((await get(bare, '/api/status')).ok).toBe(true)
  })

  it('answers a notice, never a 500, when the watcher errs, answers something else or is down', async () => {
    const notice = async () => {
      const res = await get(dashboard, '/api/watcher')
      expect(res.status).toBe(200)
      return (await res.json()) as { verdicts: { rows: unknown[] }; error?: { code: string } }
    }
    try {
      watcher.answer = { status: 503 }
      let body = await notice()
      expect(body.error?.code).toBe('WATCHER_UNAVAILABLE')
      expect(body.verdicts.rows).toEqual([])

      watcher.answer = { json: { format: 'something/else', entries: 'none' } }
      body = await notice()
      expect(body.error?.code).toBe('WATCHER_INVALID_REPORT')
      // The CSV export says why with the code, as a bad gateway.
      const csv = await get(dashboard, '/api/watcher/verdicts?format=csv')
      expect(csv.status).toBe(502)
      expect((await csv.json()).error.code).toBe('WATCHER_INVALID_REPORT')

      // An entry with a verdict the dashboard does not know is refused, not shown half-read.
      const summary = JSON.parse(JSON.stringify(report)) as typeof report
      summary.entries[0]!.verdict = 'maybe' as 'match'
      watcher.answer = { report: summary }
      expect((await notice()).error?.code).toBe('WATCHER_INVALID_REPORT')
    } finally {
      watcher.answer = { report }
    }

    // Down: nothing listens there any more.
    const down = await startReportServer(report)
    await down.stop()
    const orphan = await startDashboard({
      rpcUrl: 'http://127.0.0.1:9',
      port: 0,
      index: false,
      dbPath: join(dir, 'c.sqlite'),
      watcherUrl: down.url,
    })
    try {
      const res = await get(orphan, '/api/watcher')
      expect(res.status).toBe(200)
      const body = await res.json()
      expect(body.error.code).toBe('WATCHER_UNAVAILABLE')
      expect(body.error.details).toContain(down.url)
      expect((await get(orphan, '/api/watcher/verdicts')).status).toBe(502)
      // The page and the rest of the API are unaffected.
      expect((await get(orphan, '/')).status).toBe(200)
      expect((await get(orphan, '/api/network')).status).toBe(200)
    } finally {
      await orphan.stop()
    }
  })
})

describe('the claim audit', () => {
  it('shows claimed against delivered relays per audited session, the bound, flagged suppliers first', async () => {
    // The watcher's own auditor: the honest supplier's claims stay within what was delivered,
    // the substitute's claim holds three times the relays it was sent.
    const auditor = auditTestClaims([
      { supplier: HONEST, delivered: 12, claimedRelays: 12 },
      { supplier: SUBSTITUTE, delivered: 10, claimedRelays: 30 },
      { supplier: HONEST, delivered: 8, claimedRelays: 7 },
    ])
    const audited = buildTestReport(
      [
        { serviceId: 'llm', supplier: HONEST, agreed: 20, disagreed: 0 },
        { serviceId: 'llm', supplier: SUBSTITUTE, agreed: 20, disagreed: 0 },
        { serviceId: 'chat', supplier: OTHER, agreed: 1, disagreed: 0 },
      ],
      undefined,
      auditor,
    )
    // What the watcher signed: its verdict per supplier, in the report entry.
    expect(audited.entries.find((e) => e.supplier === SUBSTITUTE)!.claimAudit?.overClaimed).toBe(
      true,
    )
    try {
      watcher.answer = { report: audited }
      const body = await (await get(dashboard, '/api/watcher')).json()
      expect(body.claimAuditEnabled).toBe(true)
      expect(body.claimAudit.columns).toEqual([
        'supplier',
        'service_id',
        'claim_verdict',
        'supplier_flagged',
        'application',
        'session_id',
        'delivered',
        'claimed_relays',
        'max_relays',
      ])
      const rows = body.claimAudit.rows as ClaimAuditRow[]
      expect(
        rows.map((r) => [r.supplier, r.claim_verdict, r.delivered, r.claimed_relays, r.max_relays]),
      ).toEqual([
        // At the base difficulty every relay is mined: the bound is what was delivered.
        [SUBSTITUTE, 'over_claimed', 10, 30, 10],
        [HONEST, 'within_bound', 12, 12, 12],
        [HONEST, 'within_bound', 8, 7, 8],
      ])
      expect(rows.map((r) => r.supplier_flagged)).toEqual(['yes', 'no', 'no'])
      expect(rows.every((r) => r.service_id === 'llm')).toBe(true)
      // One service, and the CSV export.
      const chat = await (await get(dashboard, '/api/watcher?service=chat')).json()
      expect(chat.claimAudit.rows).toEqual([])
      const csv = await get(dashboard, '/api/watcher/claim-audit?service=llm&format=csv')
      expect(csv.headers.get('content-disposition')).toContain('watcher-claim-audit-llm.csv')
      const lines = (await csv.text()).trim().split('\r\n')
      expect(lines).toHaveLength(4)
      expect(lines[1]).toMatch(new RegExp(`^${SUBSTITUTE},llm,over_claimed,yes,`))

      // A watcher without the audit says so: no table, not an empty one.
      watcher.answer = { report }
      const off = await (await get(dashboard, '/api/watcher')).json()
      expect(off.claimAuditEnabled).toBe(false)
      expect(off.claimAudit.rows).toEqual([])
    } finally {
      watcher.answer = { report }
    }
  })
})
