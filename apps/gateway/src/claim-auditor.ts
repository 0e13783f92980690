import type { Logger } from '@decai/app-kit/logger'
import type { ChainClient, ClaimSettlement } from '@decai/chain'
import { describeError } from '@decai/core'
import { type ClaimAuditKey, type ClaimAuditResult, createClaimAuditLedger } from '@decai/session'

// The claim audit (docs/tokenomics.md, "The claim audit"): the gateway counts the relays it sent
// each supplier per application and session, and compares each settled claim's `num_relays`
// with the binomial bound of that count at the service's difficulty (`auditClaim` in
// @decai/session, shared with the watcher). A supplier over the bound is flagged and leaves
// routing, like a watcher mismatch.
//
// What is counted: every signed relay request sent to the supplier, whichever attempt won. A
// supplier cannot mine a per-request relay without a request the gateway signed, so the count
// is an upper bound of an honest claim, and hedges the gateway abandoned never make an honest
// supplier look greedy. For token-metered services a request is worth its worst-case quanta
// (the supplier may not sign more), passed by the caller.
//
// The limit: a claim covers every relay of the application's session, through any gateway.
// Only applications listed in `claimAudit.applications` are audited: those delegated to this
// gateway alone (or whose other gateways do not send relays).

export type ClaimAuditorOptions = {
  /** Applications whose every relay passes through this gateway. */
  applications: string[]
  /** Chance of flagging an honest claim, per claim. */
  falseFlagRate: number
  logger: Logger
}

type SettlementSource = Pick<ChainClient, 'getClaimSettlements' | 'getRelayMiningDifficulty'>

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
    this.#starts.set(key.sessionId, sessionStart)
    for (let i = 0; i < quanta; i++) this.#ledger.recordRelay(key)
  }

  /** Audits one settled claim of an audited application at the session's difficulty target. */
  auditSettlement(settlement: ClaimSettlement, target: Uint8Array): ClaimAuditResult | undefined {
    if (settlement.status !== 'settled' || !this.audits(settlement.applicationAddress))
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
    this.#starts.delete(key.sessionId)
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
        const start = this.#starts.get(s.sessionId)
        const { targetHash } = await client.getRelayMiningDifficulty({
          serviceId: s.serviceId,
          ...(start === undefined ? {} : { height: start }),
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
