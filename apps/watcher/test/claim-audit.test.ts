// The watcher's report entry carries the claim audit's verdict on each supplier, and the signed
// report still validates; the audit rule itself is tested in @decai/session and the auditor in
// @decai/app-kit (through the gateway's tests).
import { ClaimAuditor } from '@decai/app-kit/claim-auditor'
import { createLogger } from '@decai/app-kit/logger'
import { describe, expect, it } from 'vitest'
import { parseWatcherConfig } from '../src/config.js'
import { buildReport, reportSchema } from '../src/report.js'
import { WatcherStore } from '../src/store.js'

const quarter = new Uint8Array(32).fill(0xff)
quarter[0] = 0x3f

describe('the claim audit in the report', () => {
  it('shows the over-claiming supplier and its sessions in its entry', () => {
    const config = parseWatcherConfig({
      watcher: { privateKey: '11'.repeat(32) },
      services: [
        {
          serviceId: 'llm',
          model: 'm',
          reference: { url: 'http://127.0.0.1:1', sha256: 'b'.repeat(64) },
        },
      ],
      claimAudit: { applications: ['app-own'] },
    })
    const claims = new ClaimAuditor({
      ...config.claimAudit,
      logger: createLogger({ level: 'silent' }),
    })
    claims.recordRequest({ supplier: 'greedy', application: 'app-own', sessionId: 's0' }, 11n)
    for (const supplier of ['honest', 'greedy'])
      for (let i = 0; i < 100; i++)
        claims.recordRequest({ supplier, application: 'app-own', sessionId: 's1' }, 21n)
    const settled = (supplier: string, numRelays: bigint) => ({
      status: 'settled' as const,
      height: 40n,
      serviceId: 'llm',
      applicationAddress: 'app-own',
      supplierOperatorAddress: supplier,
      sessionId: 's1',
      numRelays,
    })
    claims.auditSettlement(settled('honest', 26n), quarter)
    claims.auditSettlement(settled('greedy', 70n), quarter)

    const store = new WatcherStore(':memory:')
    for (const supplier of ['honest', 'greedy'])
      store.addProbe({
        at: 1,
        serviceId: 'llm',
        supplier,
        application: 'app-own',
        sessionId: 's1',
        sessionStartHeight: '21',
        sessionEndHeight: '30',
        kind: 'traffic',
        promptId: 'p',
        stream: false,
        maxTokens: 8,
        ok: true,
        failure: null,
        ttftMs: null,
        latencyMs: 10,
        tpotMs: null,
        completionTokens: 1,
        promptTokens: 1,
        tokensPerSecond: null,
        text: 'x',
        correct: null,
        challenge: null,
        evidence: null,
      } as never)
    const report = buildReport(store, config, new Uint8Array(32).fill(0x11), 0, claims)
    expect(reportSchema.parse(report)).toEqual(report)
    const bySupplier = new Map(report.entries.map((e) => [e.supplier, e.claimAudit]))
    expect(bySupplier.get('honest')).toEqual({
      overClaimed: false,
      sessions: [
        expect.objectContaining({ delivered: 100, claimedRelays: 26, overClaimed: false }),
      ],
    })
    expect(bySupplier.get('greedy')).toEqual({
      overClaimed: true,
      sessions: [
        {
          application: 'app-own',
          sessionId: 's1',
          delivered: 100,
          claimedRelays: 70,
          maxRelays: 47,
          overClaimed: true,
        },
      ],
    })
    // Without the audit, entries say so.
    expect(
      buildReport(store, config, new Uint8Array(32).fill(0x11), 0).entries[0]?.claimAudit,
    ).toBeNull()
    store.close()
  })
})
