// A watcher's `GET /reports/latest` without the chain, the probes and the model: the watcher's
// own report builder signs a report over probe records made here, and a real HTTP server
// answers it the way the watcher's app does (the report summarised, without evidence).
import { type RunningServer, startServer } from '@decai/app-kit'
import { ClaimAuditor } from '@decai/app-kit/claim-auditor'
import { createLogger } from '@decai/app-kit/logger'
import {
  buildReport,
  compareAnswer,
  type ProbeRecord,
  parseWatcherConfig,
  summarizeReport,
  type WatcherReport,
} from '@decai/watcher'

/** A clearly-labelled TEST key (never funded anywhere). */
const TEST_WATCHER_KEY = '42'.repeat(32)
const REFERENCE = 'The capital of France is Paris.'

export type ProbedPair = {
  serviceId: string
  supplier: string
  /** How many challenges agreed with the reference and how many did not. */
  agreed: number
  disagreed: number
  /** Traffic probes that failed to connect (they lower the success rate). */
  failed?: number
}

function probe(pair: ProbedPair, at: number, agrees: boolean | null, ok = true): ProbeRecord {
  const answer = agrees === false ? 'Paris.' : REFERENCE
  return {
    at,
    serviceId: pair.serviceId,
    supplier: pair.supplier,
    application: 'pokt1testapplication',
    sessionId: `session-${Math.floor(at / 60_000)}`,
    sessionStartHeight: '1',
    sessionEndHeight: '10',
    kind: agrees === null ? 'traffic' : 'challenge',
    promptId: 'capital',
    stream: true,
    maxTokens: 16,
    ok,
    failure: ok ? null : 'connect',
    ttftMs: ok ? 80 + (at % 97) : null,
    latencyMs: 400 + (at % 113),
    tpotMs: ok ? 12 : null,
    completionTokens: ok ? 7 : null,
    promptTokens: ok ? 20 : null,
    tokensPerSecond: ok ? 80 : null,
    text: ok ? answer : null,
    correct: null,
    challenge:
      agrees === null
        ? null
        : {
            reference: REFERENCE,
            comparison: compareAnswer(REFERENCE, answer, { prefixAgreement: 0.5 }),
          },
    evidence:
      agrees === null
        ? null
        : {
            request: 'aa',
            response: 'bb',
            streamed: true,
            supplierPublicKey: '02'.padEnd(66, '1'),
          },
  }
}

/** One settled claim of a supplier: the relays the watcher delivered in the session, and mined. */
export type AuditedClaim = { supplier: string; delivered: number; claimedRelays: number }

const AUDITED_APPLICATION = 'pokt1watcherapplication'

/**
 * The watcher's claim auditor after these claims settled at the base difficulty (every relay
 * mined): the relays delivered are counted as the watcher counts its probes, the settlements
 * audited as the watcher audits them.
 */
export function auditTestClaims(claims: AuditedClaim[]): ClaimAuditor {
  const auditor = new ClaimAuditor({
    applications: [AUDITED_APPLICATION],
    falseFlagRate: 1e-6,
    logger: createLogger({ level: 'silent' }),
  })
  auditor.begin(1n)
  const target = new Uint8Array(32).fill(0xff)
  claims.forEach((claim, i) => {
    const key = {
      supplier: claim.supplier,
      application: AUDITED_APPLICATION,
      sessionId: `audited-session-${i}`,
    }
    const start = BigInt(10 + i * 10)
    for (let r = 0; r < claim.delivered; r++) auditor.recordRequest(key, start)
    auditor.auditSettlement(
      {
        status: 'settled',
        height: start + 20n,
        serviceId: 'llm',
        applicationAddress: AUDITED_APPLICATION,
        supplierOperatorAddress: claim.supplier,
        sessionId: key.sessionId,
        numRelays: BigInt(claim.claimedRelays),
      },
      target,
    )
  })
  return auditor
}

/** A signed report built by the watcher over the given pairs' probes (and claim audit). */
export function buildTestReport(
  pairs: ProbedPair[],
  now = Date.UTC(2026, 0, 2),
  claims?: ClaimAuditor,
): WatcherReport {
  const probes: ProbeRecord[] = []
  for (const pair of pairs) {
    const kinds = [
      ...Array<boolean | null>(pair.agreed).fill(true),
      ...Array<boolean | null>(pair.disagreed).fill(false),
      ...Array<boolean | null>(pair.failed ?? 0).fill(null),
    ]
    // One probe a minute over the hour before `now`.
    kinds.forEach((agrees, i) => {
      probes.push(probe(pair, now - 3_600_000 + i * 60_000, agrees, agrees !== null))
    })
  }
  // What the report builder reads of the watcher's store, over the records above.
  const store = {
    listPairs: () => pairs.map(({ serviceId, supplier }) => ({ serviceId, supplier })),
    recentProbes: (serviceId: string, supplier: string, kind: string, limit: number) =>
      probes
        .filter((p) => p.serviceId === serviceId && p.supplier === supplier && p.kind === kind)
        .slice(-limit),
  } as unknown as Parameters<typeof buildReport>[0]
  const config = parseWatcherConfig({
    watcher: { privateKey: TEST_WATCHER_KEY },
    services: [...new Set(pairs.map((p) => p.serviceId))].map((serviceId) => ({
      serviceId,
      model: 'smollm2-135m-instruct',
      reference: { url: 'http://127.0.0.1:9', sha256: 'a'.repeat(64) },
    })),
  })
  return buildReport(
    store,
    config,
    Uint8Array.from(Buffer.from(TEST_WATCHER_KEY, 'hex')),
    now,
    claims,
  )
}

export type ReportServer = {
  url: string
  /** What `GET /reports/latest` answers next: a report, any JSON, or an HTTP status. */
  answer: { report?: WatcherReport | undefined; json?: unknown; status?: number }
  /** How many times `/reports/latest` was asked for. */
  hits: number
  stop(): Promise<void>
}

/** A real HTTP server answering `GET /reports/latest` as the watcher does. */
export async function startReportServer(report?: WatcherReport): Promise<ReportServer> {
  let server: RunningServer | undefined
  const state: ReportServer = {
    url: '',
    answer: { report },
    hits: 0,
    stop: async () => server?.stop(),
  }
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    fetch: (request: Request) => {
      if (new URL(request.url).pathname !== '/reports/latest')
        return new Response('not found', { status: 404 })
      state.hits++
      const { report: r, json, status } = state.answer
      if (status !== undefined && status !== 200) return new Response('down', { status })
      return Response.json(r ? summarizeReport(r) : json)
    },
  })
  state.url = server.url
  return state
}
