import { describeError } from '@decai/core'
import { type ClaimAuditKey, type ClaimAuditResult, createClaimAuditLedger } from '@decai/session'
import type { Logger } from './logger.js'

// The claim audit (docs/tokenomics.md, "The claim audit") as the gateway and the watcher run
// it: they count the relays they sent each supplier per application and session, read the
// settled claims from the chain, and compare each claim's `num_relays` with the binomial bound
// of that count at the service's difficulty (`auditClaim`, @decai/session). A supplier over the
// bound is flagged; the gateway routes around it, the watcher reports it.
//
// What is counted: every signed relay request sent to the supplier, whichever attempt won. A
// supplier cannot mine a per-request relay without a request the sender signed, so the count
// is an upper bound of an honest claim, and abandoned hedges never make an honest supplier look
// greedy. For token-metered services a request is worth its worst-case quanta (the supplier may
// not sign more), passed by the caller.
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
  logger: Logger
}

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
    for (let i = 0; i < quanta; i++) this.#ledger.recordRelay(key)
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

  /** Reads the claims settled since the last poll and audits them. Never throws. */
  async poll(client: SettlementSource): Promise<void> {
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
    }
  }

  isFlagged(supplier: string): boolean {
    return this.#flagged.has(supplier)
  }

  /** One supplier's audited sessions (most recent last) and whether it is flagged. */
  summarize(supplier: string) {
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
      falseFlagRate: this.#o.falseFlagRate,
      auditedSessions: this.#audited,
      delivered: this.#delivered,
      claimedRelays: this.#claimed,
      flagged: [...this.#flagged.values()].map(strip),
      results: this.#ledger.getResults().slice(-100).map(strip),
    }
  }
}
