import { supplierClaimAuditSchema } from '@decai/app-kit/claim-auditor'
import { describeError } from '@decai/core'
import { z } from 'zod'
import { DashboardError } from './errors.js'

// The watcher's `GET /reports/latest` (its report without the challenges' evidence), as far as
// the dashboard reads it. Apps do not import each other, so the dashboard checks the shape
// itself; unknown fields are ignored, so a watcher that adds fields still shows.

const percentiles = z.object({ p50: z.number(), p95: z.number() }).nullable()

const entrySchema = z.object({
  serviceId: z.string(),
  model: z.string(),
  supplier: z.string(),
  verdict: z.enum(['match', 'mismatch', 'inconclusive']),
  confidence: z.number(),
  samples: z.number().int(),
  window: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  probes: z.number().int(),
  successRate: z.number().nullable(),
  ttftMs: percentiles,
  // The claim audit (docs/tokenomics.md): settled claims against what the watcher delivered.
  claimAudit: supplierClaimAuditSchema.nullable().optional(),
})

const reportSchema = z.object({
  format: z.literal('decai-watcher-report/v1'),
  watcher: z.object({ address: z.string() }),
  createdAt: z.string(),
  entries: z.array(entrySchema),
})

export type WatcherReportSummary = z.infer<typeof reportSchema>

/** One row per supplier × service; decimals as text so that they are shown as sent. */
export type VerdictRow = {
  supplier: string
  service_id: string
  model: string
  verdict: 'match' | 'mismatch' | 'inconclusive'
  confidence: string
  samples: number
  probes: number
  success_rate: string | null
  ttft_p50_ms: string | null
  ttft_p95_ms: string | null
  window_from: string | null
  window_to: string | null
}

export const verdictColumns = [
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
] as const satisfies readonly (keyof VerdictRow)[]

export type VerdictTable = { columns: typeof verdictColumns; rows: VerdictRow[] }

const text = (n: number | null | undefined) => (n === null || n === undefined ? null : String(n))

/** The report's entries as a table, sorted by service then supplier; optionally one service. */
export function toVerdictTable(report: WatcherReportSummary, serviceId?: string): VerdictTable {
  const rows = report.entries
    .filter((e) => serviceId === undefined || e.serviceId === serviceId)
    .map(
      (e): VerdictRow => ({
        supplier: e.supplier,
        service_id: e.serviceId,
        model: e.model,
        verdict: e.verdict,
        confidence: String(e.confidence),
        samples: e.samples,
        probes: e.probes,
        success_rate: text(e.successRate),
        ttft_p50_ms: text(e.ttftMs?.p50),
        ttft_p95_ms: text(e.ttftMs?.p95),
        window_from: e.window.from,
        window_to: e.window.to,
      }),
    )
    .sort((a, b) =>
      a.service_id === b.service_id
        ? a.supplier.localeCompare(b.supplier)
        : a.service_id.localeCompare(b.service_id),
    )
  return { columns: verdictColumns, rows }
}

/** One audited claim: what the supplier's claim settled for against what the watcher delivered. */
export type ClaimAuditRow = {
  supplier: string
  service_id: string
  /** `over_claimed`: more mined relays than the delivered ones explain; else `within_bound`. */
  claim_verdict: 'over_claimed' | 'within_bound'
  /** Whether the watcher flags the supplier (any of its audited claims over-claimed). */
  supplier_flagged: 'yes' | 'no'
  application: string
  session_id: string
  /** Relays (quanta, for a token-metered service) the watcher sent in the session. */
  delivered: number
  /** `num_relays` of the settled claim. */
  claimed_relays: number
  /** The bound: the most mined relays an honest claim reaches (at the false-flag rate). */
  max_relays: number
}

export const claimAuditColumns = [
  'supplier',
  'service_id',
  'claim_verdict',
  'supplier_flagged',
  'application',
  'session_id',
  'delivered',
  'claimed_relays',
  'max_relays',
] as const satisfies readonly (keyof ClaimAuditRow)[]

export type ClaimAuditTable = { columns: typeof claimAuditColumns; rows: ClaimAuditRow[] }

/**
 * The report's claim audits as a table, one row per audited session, flagged suppliers first,
 * then by supplier (each in the watcher's order, oldest session first). The watcher audits per
 * supplier, so a supplier's sessions are listed once, under the first service it is judged for.
 */
export function toClaimAuditTable(
  report: WatcherReportSummary,
  serviceId?: string,
): ClaimAuditTable {
  const seen = new Set<string>()
  const rows: ClaimAuditRow[] = []
  for (const e of report.entries) {
    if (!e.claimAudit || seen.has(e.supplier)) continue
    seen.add(e.supplier)
    if (serviceId !== undefined && e.serviceId !== serviceId) continue
    for (const s of e.claimAudit.sessions)
      rows.push({
        supplier: e.supplier,
        service_id: e.serviceId,
        claim_verdict: s.overClaimed ? 'over_claimed' : 'within_bound',
        supplier_flagged: e.claimAudit.overClaimed ? 'yes' : 'no',
        application: s.application,
        session_id: s.sessionId,
        delivered: s.delivered,
        claimed_relays: s.claimedRelays,
        max_relays: s.maxRelays,
      })
  }
  const rank = (r: ClaimAuditRow) => (r.supplier_flagged === 'yes' ? 0 : 1)
  rows.sort((a, b) => rank(a) - rank(b) || a.supplier.localeCompare(b.supplier))
  return { columns: claimAuditColumns, rows }
}

/**
 * Fetches and checks the watcher's latest report. Throws `WATCHER_UNAVAILABLE` when the watcher
 * does not answer 200 in time, `WATCHER_INVALID_REPORT` when what it answers is not a report.
 */
export async function fetchWatcherReport(
  watcherUrl: string,
  timeoutMs = 3000,
): Promise<WatcherReportSummary> {
  let body: unknown
  try {
    const res = await fetch(new URL('/reports/latest', watcherUrl), {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    })
    if (!res.ok) {
      await res.body?.cancel()
      throw new Error(`HTTP ${res.status}`)
    }
    body = await res.json()
  } catch (error) {
    throw new DashboardError('WATCHER_UNAVAILABLE', 'The watcher did not answer.', {
      details: `${watcherUrl}: ${describeError(error)}`,
      cause: error,
    })
  }
  const parsed = reportSchema.safeParse(body)
  if (!parsed.success)
    throw new DashboardError(
      'WATCHER_INVALID_REPORT',
      'The watcher answered something else than a report.',
      {
        details: z.prettifyError(parsed.error),
      },
    )
  return parsed.data
}
