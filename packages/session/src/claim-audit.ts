import type { RelayResponse } from '@decai/protocol'
import { getRelayDifficultyMultiplier, getRelayDifficultyProbability } from '@decai/relay-mining'
import { SessionError } from './errors.js'
import { type VerifyRelayQuantaParameters, verifyRelayQuanta } from './relay-quanta.js'
import { serializeRelayResponse } from './relay-response.js'

/**
 * Default chance that an honest claim is flagged, per audited claim. Relay mining keeps each
 * delivered relay with probability p, so an honest claim's `num_relays` is Binomial(delivered, p);
 * the bound is that distribution's upper (1 − rate) quantile.
 */
export const DEFAULT_FALSE_FLAG_RATE = 1e-6

/**
 * The most mined relays an honest supplier claims for `delivered` relays, except with chance at
 * most `falseFlagRate`: the smallest m with P(Binomial(delivered, p) > m) ≤ falseFlagRate,
 * computed exactly (log-space pmf, summed from the top), not by a normal approximation.
 */
export function getClaimTolerance(
  delivered: number,
  probability: number,
  falseFlagRate = DEFAULT_FALSE_FLAG_RATE,
): number {
  if (!Number.isSafeInteger(delivered) || delivered < 0)
    throw new SessionError('INVALID_ARGUMENT', 'Delivered relays must be a whole count.', {
      details: String(delivered),
    })
  if (!(probability > 0 && probability <= 1))
    throw new SessionError('INVALID_ARGUMENT', 'A mining probability is in (0, 1].', {
      details: String(probability),
    })
  if (!(falseFlagRate > 0 && falseFlagRate < 1))
    throw new SessionError('INVALID_ARGUMENT', 'A false-flag rate is in (0, 1).', {
      details: String(falseFlagRate),
    })
  // Every relay is kept at p = 1 (and p rounds to 1 near the base target): no sampling error.
  if (delivered === 0 || probability >= 1) return delivered
  const n = delivered
  const logRatio = Math.log(probability) - Math.log1p(-probability)
  const logPmf = new Float64Array(n + 1)
  logPmf[0] = n * Math.log1p(-probability)
  for (let k = 0; k < n; k++)
    logPmf[k + 1] = (logPmf[k] ?? 0) + Math.log(n - k) - Math.log(k + 1) + logRatio
  let tail = 0 // P(X ≥ k + 1) while looking at k
  for (let k = n; k >= 1; k--) {
    tail += Math.exp(logPmf[k] ?? Number.NEGATIVE_INFINITY)
    if (tail > falseFlagRate) return k
  }
  return 0
}

export interface AuditClaimParameters {
  /**
   * Relays the auditor(s) delivered and verified for this supplier, application and session:
   * verified quanta for token-metered services, one per verified answer otherwise. It must be
   * every relay of the application's session (see {@link createClaimAuditLedger}).
   */
  delivered: number
  /** `num_relays` of the claim's settlement event: the mined relays the claim holds. */
  claimedRelays: bigint
  /** The service's relay-mining difficulty target at the session start. */
  target: Uint8Array
  /** Chance of flagging an honest claim; {@link DEFAULT_FALSE_FLAG_RATE} by default. */
  falseFlagRate?: number
}

export type ClaimAuditVerdict = {
  /** The claim holds more mined relays than the delivered relays explain. */
  overClaimed: boolean
  delivered: number
  claimedRelays: number
  /** Chance a relay is mined at the target. */
  probability: number
  /** What an honest claim holds on average: delivered × p. */
  expectedRelays: number
  /** The tolerance: the most mined relays accepted ({@link getClaimTolerance}). */
  maxRelays: number
  /** The claim's settled estimate of served relays: num_relays × difficulty multiplier. */
  estimatedRelays: number
  falseFlagRate: number
}

/**
 * Compares a settled claim with the relays its auditors delivered. The comparison is made on
 * mined relays (num_relays against the binomial bound on delivered × p), where the sampling error
 * is known exactly; `estimatedRelays` restates it in served relays.
 */
export function auditClaim({
  delivered,
  claimedRelays,
  target,
  falseFlagRate = DEFAULT_FALSE_FLAG_RATE,
}: AuditClaimParameters): ClaimAuditVerdict {
  if (claimedRelays < 0n)
    throw new SessionError('INVALID_ARGUMENT', 'A claim holds a whole number of relays.', {
      details: String(claimedRelays),
    })
  const p = getRelayDifficultyProbability(target)
  const probability = Number(p.numerator) / Number(p.denominator)
  const multiplier = getRelayDifficultyMultiplier(target)
  const claimed = Number(claimedRelays)
  const maxRelays = getClaimTolerance(delivered, probability, falseFlagRate)
  return {
    overClaimed: claimed > maxRelays,
    delivered,
    claimedRelays: claimed,
    probability,
    expectedRelays: delivered * probability,
    maxRelays,
    estimatedRelays: (claimed * Number(multiplier.numerator)) / Number(multiplier.denominator),
    falseFlagRate,
  }
}

/** Who a claim is for: the chain settles per supplier, application and session. */
export type ClaimAuditKey = { supplier: string; application: string; sessionId: string }

/** What an auditor keeps of one session: the delivered count and the signed evidence. */
export type ClaimAuditEntry = ClaimAuditKey & {
  delivered: number
  /** The verified, supplier-signed quanta (serialized `RelayResponse`s), as evidence. */
  evidence: Uint8Array[]
}

export type ClaimAuditSettlement = ClaimAuditKey & { numRelays: bigint; target: Uint8Array }

export type ClaimAuditResult = ClaimAuditEntry & ClaimAuditVerdict

export interface ClaimAuditLedger {
  /**
   * Verifies one answer's quanta ({@link verifyRelayQuanta}) and counts them for the session.
   * Bad quanta are refused with the session package's typed error (out of order, duplicated,
   * beyond the worst case, not verifying) and count nothing.
   */
  recordQuanta(
    key: ClaimAuditKey,
    quanta: (RelayResponse | Uint8Array)[],
    parameters: VerifyRelayQuantaParameters,
  ): number
  /**
   * Counts one verified answer of a per-request service (one relay), or `relays` relays the
   * caller verified itself, keeping `evidence` (serialized signed responses) with them.
   */
  recordRelay(key: ClaimAuditKey, relays?: number, evidence?: readonly Uint8Array[]): void
  /** The session's entry, if anything was delivered. */
  get(key: ClaimAuditKey): ClaimAuditEntry | undefined
  /** Audits a settled claim against what was delivered; flags the supplier if over. */
  audit(settlement: ClaimAuditSettlement, falseFlagRate?: number): ClaimAuditResult
  /** Suppliers with at least one over-claimed session, and their results. */
  getFlagged(): Map<string, ClaimAuditResult[]>
  /** Every audit run, in order. */
  getResults(): ClaimAuditResult[]
  /** Drops the delivered counts of a session (after it was audited). */
  forget(key: ClaimAuditKey): void
}

const keyOf = ({ supplier, application, sessionId }: ClaimAuditKey) =>
  `${supplier}\u0000${application}\u0000${sessionId}`

/**
 * Per (supplier, application, session) counts of what this auditor delivered, and the audit of
 * settled claims against them. A claim covers every relay of the application's session, so the
 * counts must cover them too: audit only applications whose relays all pass through this
 * auditor (an application delegated to this gateway alone), or add the counts of cooperating
 * auditors before auditing.
 */
export function createClaimAuditLedger(): ClaimAuditLedger {
  const entries = new Map<string, ClaimAuditEntry>()
  const results: ClaimAuditResult[] = []
  const entryOf = (key: ClaimAuditKey) => {
    const id = keyOf(key)
    let entry = entries.get(id)
    if (entry === undefined) {
      entry = {
        supplier: key.supplier,
        application: key.application,
        sessionId: key.sessionId,
        delivered: 0,
        evidence: [],
      }
      entries.set(id, entry)
    }
    return entry
  }
  return {
    recordQuanta(key, quanta, parameters) {
      const checked = verifyRelayQuanta(quanta, parameters)
      if (!checked.ok) throw checked.error
      const entry = entryOf(key)
      entry.delivered += checked.count
      for (const q of quanta)
        entry.evidence.push(q instanceof Uint8Array ? q : serializeRelayResponse(q))
      return checked.count
    },
    recordRelay(key, relays = 1, evidence = []) {
      if (!Number.isSafeInteger(relays) || relays < 0)
        throw new SessionError('INVALID_ARGUMENT', 'Delivered relays must be a whole count.', {
          details: String(relays),
        })
      const entry = entryOf(key)
      entry.delivered += relays
      entry.evidence.push(...evidence)
    },
    get: (key) => entries.get(keyOf(key)),
    audit(settlement, falseFlagRate) {
      const entry = entries.get(keyOf(settlement)) ?? {
        supplier: settlement.supplier,
        application: settlement.application,
        sessionId: settlement.sessionId,
        delivered: 0,
        evidence: [],
      }
      const verdict = auditClaim({
        delivered: entry.delivered,
        claimedRelays: settlement.numRelays,
        target: settlement.target,
        ...(falseFlagRate === undefined ? {} : { falseFlagRate }),
      })
      const result = { ...entry, ...verdict }
      results.push(result)
      return result
    },
    getFlagged() {
      const flagged = new Map<string, ClaimAuditResult[]>()
      for (const r of results)
        if (r.overClaimed) flagged.set(r.supplier, [...(flagged.get(r.supplier) ?? []), r])
      return flagged
    },
    getResults: () => [...results],
    forget(key) {
      entries.delete(keyOf(key))
    },
  }
}
