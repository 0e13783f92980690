import {
  getBaseRelayDifficultyTarget,
  getRelayDifficultyProbability,
  getRelayHash,
  isRelayMinable,
} from '@decai/relay-mining'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import {
  auditClaim,
  type ClaimAuditKey,
  createClaimAuditLedger,
  getClaimTolerance,
  isSessionError,
  type SignedQuantum,
  serializeRelayResponse,
  signRelayQuanta,
} from '../src/index.js'
import { createRelayFixture } from './relay-fixture.js'

const f = createRelayFixture()
// A target every relay meets with probability 1/4: (2^254 − 1) / (2^256 − 1).
const quarter = new Uint8Array(32).fill(0xff)
quarter[0] = 0x3f

const answer = (label: string) => sha256(new TextEncoder().encode(label))
const sign = (answerHash: Uint8Array, count: number) =>
  signRelayQuanta({ request: f.request, answerHash, count, privateKey: f.supplier.privateKey })
const verifyParameters = (answerHash: Uint8Array, worstCase = 100) => ({
  request: f.request,
  answerHash,
  worstCase,
  sessionHeader: f.session.header,
  supplierOperatorAddress: f.supplier.address,
  supplierPublicKey: f.supplier.publicKey,
})
/** What the supplier's trie holds: the quanta whose relay hash meets the target. */
const mine = (quanta: SignedQuantum[], target: Uint8Array) =>
  quanta.filter((q) => isRelayMinable(getRelayHash(q.relay), target)).length
const keyOf = (session: number): ClaimAuditKey => ({
  supplier: f.supplier.address,
  application: f.app.address,
  sessionId: `session-${session}`,
})
const codeOf = (run: () => unknown) => {
  try {
    run()
  } catch (e) {
    if (isSessionError(e)) return e.code
    throw e
  }
  return 'OK'
}

/**
 * Plays sessions of token-metered answers: the gateway receives and verifies each answer's
 * quanta, the supplier mines the relays of the quanta it signed (padded ones included, for an
 * over-claiming supplier), and the settled num_relays is the count of mined relays. Signing,
 * serialization and the mining test are the real ones; the chain's settlement is not run here
 * (the devnet test in apps/supplier proves num_relays is the mined leaf count).
 */
function playSessions(options: {
  sessions: number
  answers: number
  padding: (count: number) => number
  target: Uint8Array
  tag: string
}) {
  const ledger = createClaimAuditLedger()
  for (let s = 0; s < options.sessions; s++) {
    let mined = 0
    for (let a = 0; a < options.answers; a++) {
      const answerHash = answer(`${options.tag} ${s} ${a}`)
      const count = 1 + ((s * 7 + a * 13) % 12)
      const delivered = sign(answerHash, count)
      ledger.recordQuanta(
        keyOf(s),
        delivered.map((q) => q.response),
        verifyParameters(answerHash),
      )
      const extra = options.padding(count)
      // Padding: the supplier signs the same answer again with an inflated count and mines those.
      mined +=
        extra === 0
          ? mine(delivered, options.target)
          : mine(sign(answerHash, count + extra), options.target)
    }
    ledger.audit({ ...keyOf(s), numRelays: BigInt(mined), target: options.target })
  }
  return ledger
}

describe('claim audit', () => {
  it('bounds an honest claim by the exact binomial quantile', () => {
    // p = 1: mining keeps every relay, so any relay over the delivered count is flagged.
    expect(getClaimTolerance(40, 1)).toBe(40)
    expect(getClaimTolerance(0, 0.25)).toBe(0)
    // Binomial(100, 1/4): mean 25, sd 4.33. P(X > 47) ≈ 5e-7 ≤ 1e-6 < P(X > 46).
    const bound = getClaimTolerance(100, 0.25)
    expect(bound).toBe(47)
    expect(getClaimTolerance(100, 0.25, 0.01)).toBeLessThan(bound)
    const verdict = auditClaim({
      delivered: 100,
      claimedRelays: BigInt(bound + 1),
      target: quarter,
    })
    expect(verdict.overClaimed).toBe(true)
    expect(verdict.estimatedRelays).toBeCloseTo((bound + 1) * 4, 6)
    expect(
      auditClaim({ delivered: 100, claimedRelays: BigInt(bound), target: quarter }).overClaimed,
    ).toBe(false)
    const base = getBaseRelayDifficultyTarget()
    expect(auditClaim({ delivered: 10, claimedRelays: 10n, target: base }).overClaimed).toBe(false)
    expect(auditClaim({ delivered: 10, claimedRelays: 11n, target: base }).overClaimed).toBe(true)
    expect(codeOf(() => getClaimTolerance(-1, 0.5))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => getClaimTolerance(1, 0))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => getClaimTolerance(1, 0.5, 1))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => auditClaim({ delivered: 1, claimedRelays: -1n, target: quarter }))).toBe(
      'INVALID_ARGUMENT',
    )
  })

  it('never flags an honest supplier over 120 mined sessions', () => {
    const p = getRelayDifficultyProbability(quarter)
    expect(Number(p.numerator) / Number(p.denominator)).toBeCloseTo(0.25, 12)
    const ledger = playSessions({
      sessions: 120,
      answers: 6,
      padding: () => 0,
      target: quarter,
      tag: 'honest',
    })
    const results = ledger.getResults()
    expect(results).toHaveLength(120)
    expect(ledger.getFlagged().size).toBe(0)
    const delivered = results.reduce((n, r) => n + r.delivered, 0)
    const claimed = results.reduce((n, r) => n + r.claimedRelays, 0)
    // The mining sample is real: about a quarter of the delivered quanta were mined.
    expect(claimed / delivered).toBeGreaterThan(0.22)
    expect(claimed / delivered).toBeLessThan(0.28)
  }, 120_000)

  it('flags a supplier that mines padded quanta, with the signed quanta as evidence', () => {
    const ledger = playSessions({
      sessions: 30,
      answers: 6,
      padding: (count) => 2 * count,
      target: quarter,
      tag: 'padded',
    })
    const flagged = ledger.getFlagged().get(f.supplier.address) ?? []
    // Claims three times the delivered quanta: caught in most sessions, the supplier in any case.
    expect(flagged.length).toBeGreaterThan(20)
    const first = flagged[0]!
    expect(first.claimedRelays).toBeGreaterThan(first.maxRelays)
    expect(first.evidence).toHaveLength(first.delivered)
  }, 120_000)

  it('counts nothing for quanta out of order, duplicated or beyond the worst case', () => {
    const ledger = createClaimAuditLedger()
    const answerHash = answer('bad input')
    const quanta = sign(answerHash, 3).map((q) => q.response)
    const record = (list: typeof quanta, worstCase = 100) =>
      codeOf(() => ledger.recordQuanta(keyOf(0), list, verifyParameters(answerHash, worstCase)))
    expect(record([quanta[1]!, quanta[0]!, quanta[2]!])).toBe('QUANTUM_INDEX_OUT_OF_ORDER')
    expect(record([quanta[0]!, quanta[0]!, quanta[1]!, quanta[2]!])).toBe('QUANTUM_INDEX_DUPLICATE')
    expect(record(quanta, 2)).toBe('QUANTUM_BEYOND_WORST_CASE')
    expect(record(quanta.slice(0, 2))).toBe('QUANTA_INCOMPLETE')
    expect(ledger.get(keyOf(0))).toBeUndefined()
    expect(record(quanta)).toBe('OK')
    expect(ledger.get(keyOf(0))?.delivered).toBe(3)
    // A per-request service counts one relay per verified answer.
    ledger.recordRelay(keyOf(1))
    expect(ledger.get(keyOf(1))?.delivered).toBe(1)
    // Quanta the caller verified itself (fetchRelayQuanta), with their evidence.
    ledger.recordRelay(
      keyOf(1),
      3,
      quanta.map((q) => serializeRelayResponse(q)),
    )
    expect(ledger.get(keyOf(1))?.delivered).toBe(4)
    expect(ledger.get(keyOf(1))?.evidence).toHaveLength(3)
    expect(codeOf(() => ledger.recordRelay(keyOf(1), -1))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => ledger.recordRelay(keyOf(1), 1.5))).toBe('INVALID_ARGUMENT')
  })
})
