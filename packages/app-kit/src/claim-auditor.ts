import { describeError } from '@decai/core'
import type { RelayRequest } from '@decai/protocol'
import {
  type ClaimAuditKey,
  type ClaimAuditResult,
  createClaimAuditLedger,
  type FetchRelayQuantaParameters,
  fetchRelayQuanta,
  getWorstCaseQuanta,
  serializeRelayResponse,
  type TokenMetering,
} from '@decai/session'
import { z } from 'zod'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'

// The claim audit (docs/tokenomics.md, "The claim audit") as the gateway and the watcher run
// it: they count the relays they sent each supplier per application and session, read the
// settled claims from the chain, and compare each claim's `num_relays` with the binomial bound
// of that count at the service's difficulty (`auditClaim`, @decai/session). A supplier over the
// bound is flagged; the gateway routes around it, the watcher reports it.
//
// What is counted: every signed relay request sent to the supplier, whichever attempt won. A
// supplier cannot mine a per-request relay without a request the sender signed, so the count
// is an upper bound of an honest claim, and abandoned hedges never make an honest supplier look
// greedy. For token-metered services (`tokenMetering`) an answered request is worth the quanta
// its supplier signed for it, fetched (`GET /quanta`) and verified (`trackRequest`); an answer
// without verified quanta is worth one relay, the per-request floor; a request that got no
// verified answer (a lost hedge, a failure) is worth its worst case, all it could have cost.
//
// The limits: a claim covers every relay of the application's session, through any gateway, so
// only `applications` are audited, those whose every relay this process sends (an application
// delegated to this gateway alone; the watcher's own applications). And counts live in memory:
// only sessions starting after the process began counting (`begin`) are audited, and none it
// sent nothing in (a claim there needs a request someone else signed).

/** What the audit reads of a claim's settlement event (`@decai/chain`'s `ClaimSettlement`). */
export type AuditedSettlement = {
  status: 'settled' | 'expired'
  height: bigint
  serviceId: string
  applicationAddress: string
  supplierOperatorAddress: string
  sessionId: string
  numRelays: bigint
}

/** The chain reads the audit needs (`@decai/chain`'s client has them). */
export type SettlementSource = {
  getClaimSettlements(parameters: { fromHeight: bigint }): Promise<AuditedSettlement[]>
  getRelayMiningDifficulty(parameters: {
    serviceId: string
    height?: bigint | undefined
  }): Promise<{ targetHash: Uint8Array }>
}

export type ClaimAuditorOptions = {
  /** Applications whose every relay this process sends. */
  applications: string[]
  /** Chance of flagging an honest claim, per claim. */
  falseFlagRate: number
  /** Service ID → the token metering its suppliers apply; other services are per request. */
  tokenMetering?: Readonly<Record<string, TokenMetering>> | undefined
  logger: Logger
  /** The fetch quanta are read with (default: the global one). */
  fetch?: FetchRelayQuantaParameters['fetch']
  /** Waits between reads of quanta the supplier could not serve (default 0.2 s, 1 s). */
  quantaRetryMs?: readonly number[]
}

/** A relay request sent, followed to its end. The first call counts; later ones do nothing. */
export type TrackedRelay = {
  /**
   * The answer verified, with its payload hash: its quanta are fetched, verified and counted.
   * `promptTokens`, the answer's own count when it reports one, replaces the estimate in the
   * worst case (the quanta are bounded by the prompt the answer states plus the limit).
   */
  answered(answerHash: Uint8Array, promptTokens?: number): void
  /** No verified answer (a lost hedge, a failure, the client gone): its worst case counts. */
  abandoned(): void
}

export type TrackRequestParameters = {
  key: ClaimAuditKey
  sessionStart: bigint
  serviceId: string
  /** The signed request as sent. */
  request: RelayRequest
  /** The supplier's relay URL (its quanta are served beside it). */
  url: string
  supplierPublicKey: Uint8Array
  /** Prompt tokens (counted or estimated on the high side). */
  promptTokens: number
  /** The request's completion limit (`readCompletionLimit`); unset: {@link UNLIMITED_COMPLETION_TOKENS}. */
  maxTokens: number | undefined
  /** The service's declared token metering, when the sender knows it (else `tokenMetering`). */
  metering?: TokenMetering | undefined
}

/** The completion tokens a request without `max_tokens` is assumed to reach at worst. */
export const UNLIMITED_COMPLETION_TOKENS = 32_768

/** How fetched quanta fared: counted, missing (one relay counted), or refused by code. */
export type QuantaTally = {
  verified: number
  answers: number
  notFound: number
  unavailable: number
  rejected: Record<string, number>
}

/** A refused answer's quanta: evidence against the supplier, never counted. */
export type RejectedQuanta = ClaimAuditKey & {
  code: string
  message: string
  /** The signed quanta as served, hex-free bytes (serialized `RelayResponse`s). */
  evidence: Uint8Array[]
}

/**
 * One supplier's claim audit as `summarize` returns it and as reports carry it (the watcher's
 * signed report, read back by the dashboard): one schema for the writer and the readers.
 */
export const supplierClaimAuditSchema = z.object({
  overClaimed: z.boolean(),
  sessions: z.array(
    z.object({
      application: z.string(),
      sessionId: z.string(),
      delivered: z.number().int(),
      claimedRelays: z.number().int(),
      maxRelays: z.number().int(),
      overClaimed: z.boolean(),
    }),
  ),
})
export type SupplierClaimAudit = z.infer<typeof supplierClaimAuditSchema>

const noop: TrackedRelay = { answered() {}, abandoned() {} }

export class ClaimAuditor {
  readonly #o: ClaimAuditorOptions
  readonly #applications: Set<string>
  readonly #ledger = createClaimAuditLedger()
  readonly #flagged = new Map<string, ClaimAuditResult>()
  #audited = 0
  #delivered = 0
  #claimed = 0
  #fromHeight = 1n
  /** Session ID → start height: the claim is checked at the difficulty of its session start. */
  readonly #starts = new Map<string, bigint>()
  /** Counting began at this height (begin), or in the session of the first relay counted. */
  #bootHeight: bigint | undefined
  readonly #pending = new Set<Promise<void>>()
  /** Claims audited already (supplier, application, session). */
  readonly #auditedClaims = new Set<string>()
  #polling = false
  readonly #quanta: QuantaTally = {
    verified: 0,
    answers: 0,
    notFound: 0,
    unavailable: 0,
    rejected: {},
  }
  readonly #rejected: RejectedQuanta[] = []

  constructor(options: ClaimAuditorOptions) {
    this.#o = options
    this.#applications = new Set(options.applications)
  }

  /** Whether relays of this application are counted. */
  audits(application: string): boolean {
    return this.#applications.has(application)
  }

  /** Counts a relay request sent to a supplier (worth `quanta` relays, 1 per request). */
  recordRequest(key: ClaimAuditKey, sessionStart: bigint, quanta = 1): void {
    if (!this.audits(key.application)) return
    this.#bootHeight ??= sessionStart
    if (!this.#starts.has(key.sessionId)) {
      this.#starts.set(key.sessionId, sessionStart)
      // Sessions settle in order; keep the starts of the recent ones only.
      if (this.#starts.size > 10_000) this.#starts.delete(this.#starts.keys().next().value!)
    }
    if (quanta > 0) this.#ledger.recordRelay(key, quanta)
  }

  /** Whether answers of this service are worth their quanta. */
  isTokenMetered(serviceId: string): boolean {
    return this.#o.tokenMetering?.[serviceId] !== undefined
  }

  /**
   * Counts a relay request sent to a supplier: one relay now for a per-request service; for a
   * token-metered one, what its end says (`answered`: the verified quanta, fetched from the
   * supplier; `abandoned`: the request's worst case).
   */
  trackRequest(p: TrackRequestParameters): TrackedRelay {
    const metering = p.metering ?? this.#o.tokenMetering?.[p.serviceId]
    if (metering === undefined || !this.audits(p.key.application)) {
      this.recordRequest(p.key, p.sessionStart)
      return noop
    }
    // The session is known from the send on; its count comes with the request's end.
    this.recordRequest(p.key, p.sessionStart, 0)
    const worstCaseOf = (promptTokens: number) =>
      getWorstCaseQuanta(
        {
          promptTokens: Math.max(0, Math.ceil(promptTokens)),
          maxTokens: p.maxTokens ?? UNLIMITED_COMPLETION_TOKENS,
        },
        metering,
      )
    const worstCase = worstCaseOf(p.promptTokens)
    let done = false
    return {
      answered: (answerHash, promptTokens) => {
        if (done) return
        done = true
        const bound = promptTokens === undefined ? worstCase : worstCaseOf(promptTokens)
        const pending = this.#countQuanta(p, answerHash, bound)
        this.#pending.add(pending)
        void pending.finally(() => this.#pending.delete(pending))
      },
      abandoned: () => {
        if (done) return
        done = true
        this.#ledger.recordRelay(p.key, worstCase)
      },
    }
  }

  /** Resolves once the quanta being fetched are counted. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending)
  }

  async #countQuanta(
    p: TrackRequestParameters,
    answerHash: Uint8Array,
    worstCase: number,
  ): Promise<void> {
    const retries = this.#o.quantaRetryMs ?? [200, 1_000]
    try {
      let fetched = await this.#fetchQuanta(p, answerHash, worstCase)
      for (const ms of retries) {
        if (fetched.ok || fetched.error.code !== 'QUANTA_UNAVAILABLE') break
        await new Promise((resolve) => setTimeout(resolve, ms))
        fetched = await this.#fetchQuanta(p, answerHash, worstCase)
      }
      if (fetched.ok) {
        this.#quanta.verified += fetched.count
        this.#quanta.answers++
        this.#ledger.recordRelay(p.key, fetched.count, fetched.quanta.map(serializeRelayResponse))
        return
      }
      // No verified quanta: the answer is worth the per-request floor, no more.
      this.#ledger.recordRelay(p.key, 1)
      const { code, message } = fetched.error
      if (code === 'QUANTA_NOT_FOUND') this.#quanta.notFound++
      else if (code === 'QUANTA_UNAVAILABLE') this.#quanta.unavailable++
      else {
        this.#quanta.rejected[code] = (this.#quanta.rejected[code] ?? 0) + 1
        this.#rejected.push({
          ...p.key,
          code,
          message,
          evidence: fetched.quanta.map(serializeRelayResponse),
        })
        if (this.#rejected.length > 100) this.#rejected.shift()
      }
      this.#o.logger.warn('quanta not counted', {
        supplier: p.key.supplier,
        application: p.key.application,
        session: p.key.sessionId,
        code,
        error: fetched.error.details ?? message,
      })
    } catch (error) {
      this.#o.logger.error('quanta count failed', { error })
    }
  }

  #fetchQuanta(p: TrackRequestParameters, answerHash: Uint8Array, worstCase: number) {
    return fetchRelayQuanta({
      url: p.url,
      request: p.request,
      answerHash,
      worstCase,
      sessionHeader: p.request.meta!.sessionHeader!,
      supplierOperatorAddress: p.key.supplier,
      supplierPublicKey: p.supplierPublicKey,
      ...(this.#o.fetch === undefined ? {} : { fetch: this.#o.fetch }),
    })
  }

  /**
   * Marks the chain height at which counting begins (the latest height when the process starts):
   * only sessions starting after it are audited. Without it, the session of the first relay
   * counted is the first one skipped.
   */
  begin(height: bigint): void {
    if (height > 0n && this.#bootHeight === undefined) this.#bootHeight = height
  }

  /** Whether this process sent every relay of the session (it began after counting began). */
  sawWholeSession(sessionId: string): boolean {
    const start = this.#starts.get(sessionId)
    return start !== undefined && this.#bootHeight !== undefined && start > this.#bootHeight
  }

  /**
   * Audits one settled claim of an audited application at the session's difficulty target.
   * Claims of sessions this process did not see whole are skipped (undefined).
   */
  auditSettlement(settlement: AuditedSettlement, target: Uint8Array): ClaimAuditResult | undefined {
    if (
      settlement.status !== 'settled' ||
      !this.audits(settlement.applicationAddress) ||
      !this.sawWholeSession(settlement.sessionId)
    )
      return undefined
    const key = {
      supplier: settlement.supplierOperatorAddress,
      application: settlement.applicationAddress,
      sessionId: settlement.sessionId,
    }
    // A claim settles once: read twice (an event listed again), its counts are already gone and
    // it would look like a claim for nothing delivered.
    const id = `${key.supplier}\u0000${key.application}\u0000${key.sessionId}`
    if (this.#auditedClaims.has(id)) return undefined
    this.#auditedClaims.add(id)
    if (this.#auditedClaims.size > 100_000)
      this.#auditedClaims.delete(this.#auditedClaims.values().next().value!)
    const result = this.#ledger.audit(
      { ...key, numRelays: settlement.numRelays, target },
      this.#o.falseFlagRate,
    )
    this.#ledger.forget(key)
    this.#audited++
    this.#delivered += result.delivered
    this.#claimed += result.claimedRelays
    if (result.overClaimed && !this.#flagged.has(result.supplier)) {
      this.#flagged.set(result.supplier, result)
      this.#o.logger.warn('supplier over-claims; excluded from routing', {
        supplier: result.supplier,
        application: result.application,
        session: result.sessionId,
        delivered: result.delivered,
        claimedRelays: result.claimedRelays,
        maxRelays: result.maxRelays,
      })
    }
    return result
  }

  /**
   * Reads the claims settled since the last poll and audits them. Never throws. A poll still
   * running when the next one is due lets it pass: both would read, and audit, the same claims.
   */
  async poll(client: SettlementSource): Promise<void> {
    if (this.#polling) return
    this.#polling = true
    try {
      const settlements = await client.getClaimSettlements({ fromHeight: this.#fromHeight })
      for (const s of settlements) {
        if (s.height >= this.#fromHeight) this.#fromHeight = s.height + 1n
        if (s.status !== 'settled' || !this.audits(s.applicationAddress)) continue
        if (!this.sawWholeSession(s.sessionId)) continue
        const { targetHash } = await client.getRelayMiningDifficulty({
          serviceId: s.serviceId,
          height: this.#starts.get(s.sessionId),
        })
        this.auditSettlement(s, targetHash)
      }
    } catch (error) {
      this.#o.logger.warn('claim audit poll failed', { error: describeError(error) })
    } finally {
      this.#polling = false
    }
  }

  isFlagged(supplier: string): boolean {
    return this.#flagged.has(supplier)
  }

  /** One supplier's audited sessions (most recent last) and whether it is flagged. */
  summarize(supplier: string): SupplierClaimAudit {
    const sessions = this.#ledger
      .getResults()
      .filter((r) => r.supplier === supplier)
      .slice(-20)
      .map((r) => ({
        application: r.application,
        sessionId: r.sessionId,
        delivered: r.delivered,
        claimedRelays: r.claimedRelays,
        maxRelays: r.maxRelays,
        overClaimed: r.overClaimed,
      }))
    return { overClaimed: this.isFlagged(supplier), sessions }
  }

  /** The verdicts, for the admin endpoint and metrics (evidence stays in memory). */
  report() {
    const strip = ({ evidence: _e, ...r }: ClaimAuditResult) => r
    return {
      applications: [...this.#applications],
      tokenMetered: Object.keys(this.#o.tokenMetering ?? {}),
      quanta: { ...this.#quanta, rejected: { ...this.#quanta.rejected } },
      rejectedQuanta: this.#rejected
        .slice(-20)
        .map(({ evidence, ...r }) => ({ ...r, quanta: evidence.length })),
      falseFlagRate: this.#o.falseFlagRate,
      auditedSessions: this.#audited,
      delivered: this.#delivered,
      claimedRelays: this.#claimed,
      flagged: [...this.#flagged.values()].map(strip),
      results: this.#ledger.getResults().slice(-100).map(strip),
    }
  }
}

/**
 * The audit's gauges, `<prefix>_claim_audit_*`: sessions audited, relays delivered and claimed,
 * flagged suppliers, and how fetched quanta fared (verified, or why an answer's were not counted).
 */
export function registerClaimAuditMetrics(
  metrics: Pick<Metrics, 'gauge'>,
  claims: ClaimAuditor,
  { prefix, sender }: { prefix: string; sender: string },
): void {
  metrics.gauge(
    `${prefix}_claim_audit_sessions`,
    `Settled claims audited against the relays ${sender} sent.`,
    () => claims.report().auditedSessions,
  )
  metrics.gauge(
    `${prefix}_claim_audit_relays`,
    `Relays of audited claims: delivered (sent by ${sender}) and claimed (mined, num_relays).`,
    () => {
      const r = claims.report()
      return [
        { labels: { kind: 'delivered' }, value: r.delivered },
        { labels: { kind: 'claimed' }, value: r.claimedRelays },
      ]
    },
    ['kind'] as const,
  )
  metrics.gauge(
    `${prefix}_claim_audit_flagged`,
    'Suppliers flagged for over-claiming (1).',
    () => claims.report().flagged.map((f) => ({ labels: { supplier: f.supplier }, value: 1 })),
    ['supplier'] as const,
  )
  metrics.gauge(
    `${prefix}_claim_audit_quanta_verified`,
    'Quanta of token-metered answers fetched, verified and counted.',
    () => claims.report().quanta.verified,
  )
  metrics.gauge(
    `${prefix}_claim_audit_answers_uncounted`,
    'Token-metered answers whose quanta were not counted (one relay counted instead), by reason: not_found, unavailable, or the verification error code.',
    () => {
      const { notFound, unavailable, rejected } = claims.report().quanta
      return [
        { labels: { reason: 'not_found' }, value: notFound },
        { labels: { reason: 'unavailable' }, value: unavailable },
        ...Object.entries(rejected).map(([reason, value]) => ({ labels: { reason }, value })),
      ]
    },
    ['reason'] as const,
  )
}
