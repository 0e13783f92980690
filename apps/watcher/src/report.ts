import { type ClaimAuditor, supplierClaimAuditSchema } from '@decai/app-kit/claim-auditor'
import { bytesToHex, getPublicKey, pubkeyToAddress, signSecp256k1 } from '@decai/crypto'
import { z } from 'zod'
import type { WatcherConfig } from './config.js'
import { decideVerdict, type VerdictParameters } from './statistic.js'
import type { ProbeRecord, WatcherStore } from './store.js'

// A report: per supplier × service, the verdict on model identity with its confidence and
// sample size, and the quality measured over the window; each verdict carries the challenges
// behind it with their supplier-signed relays. The watcher signs the canonical JSON of the
// report (keys sorted, no whitespace, `signature` left out) with its key.

export const REPORT_FORMAT = 'decai-watcher-report/v1'

const hex = z.string().regex(/^[0-9a-f]*$/)
const percentiles = z.object({ p50: z.number(), p95: z.number() }).nullable()

const challengeSchema = z.object({
  probeId: z.number().int(),
  at: z.string(),
  application: z.string(),
  sessionId: z.string(),
  promptId: z.string(),
  maxTokens: z.number().int(),
  reference: z.string(),
  answer: z.string(),
  firstDivergence: z.number().int(),
  agrees: z.boolean(),
  evidence: z.object({
    request: hex,
    response: hex,
    streamed: z.boolean(),
    supplierPublicKey: hex,
  }),
})
export type ReportChallenge = z.infer<typeof challengeSchema>

const entrySchema = z.object({
  serviceId: z.string(),
  model: z.string(),
  referenceSha256: z.string(),
  supplier: z.string(),
  verdict: z.enum(['match', 'mismatch', 'inconclusive']),
  confidence: z.number(),
  samples: z.number().int(),
  agreed: z.number().int(),
  pHonest: z.number(),
  pSubstitute: z.number(),
  window: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  probes: z.number().int(),
  succeeded: z.number().int(),
  successRate: z.number().nullable(),
  errors: z.record(z.string(), z.number()),
  latencyMs: percentiles,
  ttftMs: percentiles,
  tpotMs: percentiles,
  tokensPerSecond: percentiles,
  knownAnswers: z.object({ asked: z.number().int(), correct: z.number().int() }),
  /** Probe cost per session: relays sent and tokens the watcher's applications paid for. */
  sessions: z.array(
    z.object({
      application: z.string(),
      sessionId: z.string(),
      relays: z.number().int(),
      promptTokens: z.number().int(),
      completionTokens: z.number().int(),
    }),
  ),
  challenges: z.array(challengeSchema),
  /**
   * The claim audit (docs/tokenomics.md): the supplier's settled claims for the watcher's
   * exclusive applications against the probes sent; null when the audit is off.
   */
  claimAudit: supplierClaimAuditSchema.nullable().optional(),
})
export type ReportEntry = z.infer<typeof entrySchema>

export const reportSchema = z.object({
  format: z.literal(REPORT_FORMAT),
  watcher: z.object({ address: z.string(), publicKey: hex }),
  createdAt: z.string(),
  verdictParameters: z.object({
    honestAgreement: z.number(),
    substituteAgreement: z.number(),
    alpha: z.number(),
    prefixAgreement: z.number(),
  }),
  entries: z.array(entrySchema),
  signature: hex.optional(),
})
export type WatcherReport = z.infer<typeof reportSchema>

/** JSON with object keys sorted at every level and no whitespace: the signed bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(value)
}

/** The bytes a report's signature covers. */
export function getReportSignableBytes(report: WatcherReport): Uint8Array {
  const { signature: _, ...unsigned } = report
  return new TextEncoder().encode(canonicalJson(unsigned))
}

function percentilesOf(values: (number | null)[]): { p50: number; p95: number } | null {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b)
  if (sorted.length === 0) return null
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return { p50: Number(at(0.5).toFixed(3)), p95: Number(at(0.95).toFixed(3)) }
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString())

/** One entry: the verdict over the last `window` challenges and the quality of every probe kind. */
export function buildReportEntry(
  probes: { challenges: ProbeRecord[]; traffic: ProbeRecord[] },
  context: { serviceId: string; model: string; referenceSha256: string; supplier: string },
  parameters: VerdictParameters,
): ReportEntry {
  const judged = probes.challenges.filter((p) => p.ok && p.challenge && p.evidence)
  const verdict = decideVerdict(
    judged.map((p) => p.challenge!.comparison.agrees),
    parameters,
  )
  const all = [...probes.challenges, ...probes.traffic].sort((a, b) => a.at - b.at)
  const ok = all.filter((p) => p.ok)
  // A probe refused for a session a block early or late (after one retry) says nothing of the
  // supplier: listed under errors, left out of the success rate.
  const judgedProbes = all.filter((p) => p.failure !== 'session')
  const errors: Record<string, number> = {}
  for (const p of all)
    if (!p.ok) errors[p.failure ?? 'unknown'] = (errors[p.failure ?? 'unknown'] ?? 0) + 1
  const sessions = new Map<string, ReportEntry['sessions'][number]>()
  for (const p of all) {
    const key = `${p.application}\u0000${p.sessionId}`
    const s = sessions.get(key) ?? {
      application: p.application,
      sessionId: p.sessionId,
      relays: 0,
      promptTokens: 0,
      completionTokens: 0,
    }
    s.relays++
    s.promptTokens += p.promptTokens ?? 0
    s.completionTokens += p.completionTokens ?? 0
    sessions.set(key, s)
  }
  const known = all.filter((p) => p.correct !== null)
  return {
    ...context,
    ...verdict,
    window: { from: iso(all[0]?.at), to: iso(all.at(-1)?.at) },
    probes: all.length,
    succeeded: ok.length,
    successRate:
      judgedProbes.length === 0 ? null : Number((ok.length / judgedProbes.length).toFixed(4)),
    errors,
    latencyMs: percentilesOf(ok.map((p) => p.latencyMs)),
    ttftMs: percentilesOf(ok.map((p) => p.ttftMs)),
    tpotMs: percentilesOf(ok.map((p) => p.tpotMs)),
    tokensPerSecond: percentilesOf(ok.map((p) => p.tokensPerSecond)),
    knownAnswers: { asked: known.length, correct: known.filter((p) => p.correct).length },
    sessions: [...sessions.values()],
    challenges: judged.map((p) => ({
      probeId: p.id ?? 0,
      at: new Date(p.at).toISOString(),
      application: p.application,
      sessionId: p.sessionId,
      promptId: p.promptId,
      maxTokens: p.maxTokens,
      reference: p.challenge!.reference,
      answer: p.text ?? '',
      firstDivergence: p.challenge!.comparison.firstDivergence,
      agrees: p.challenge!.comparison.agrees,
      evidence: p.evidence!,
    })),
  }
}

/** Builds and signs the report of everything in the store. */
export function buildReport(
  store: WatcherStore,
  config: WatcherConfig,
  privateKey: Uint8Array,
  now = Date.now(),
  claims?: Pick<ClaimAuditor, 'summarize'>,
): WatcherReport {
  const publicKey = getPublicKey(privateKey)
  const entries: ReportEntry[] = []
  for (const { serviceId, supplier } of store.listPairs()) {
    const service = config.services.find((s) => s.serviceId === serviceId)
    if (!service) continue
    entries.push({
      ...buildReportEntry(
        {
          challenges: store.recentProbes(serviceId, supplier, 'challenge', config.verdict.window),
          traffic: store.recentProbes(serviceId, supplier, 'traffic', config.verdict.window),
        },
        { serviceId, model: service.model, referenceSha256: service.reference.sha256, supplier },
        config.verdict,
      ),
      claimAudit: claims?.summarize(supplier) ?? null,
    })
  }
  const { window: _, ...verdictParameters } = config.verdict
  const unsigned: WatcherReport = {
    format: REPORT_FORMAT,
    watcher: { address: pubkeyToAddress(publicKey), publicKey: bytesToHex(publicKey) },
    createdAt: new Date(now).toISOString(),
    verdictParameters,
    entries,
  }
  return {
    ...unsigned,
    signature: bytesToHex(signSecp256k1(getReportSignableBytes(unsigned), privateKey)),
  }
}

/** The report without its evidence: what `GET /reports/latest` and the HTML page show. */
export function summarizeReport(report: WatcherReport) {
  return {
    ...report,
    entries: report.entries.map(({ challenges, ...entry }) => ({
      ...entry,
      challengeProbeIds: challenges.map((c) => c.probeId),
    })),
  }
}
