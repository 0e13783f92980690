// The gateway's claim audit on real parts: the auditor, the router and the admin route. The
// statistics (honest suppliers never flagged over 120 really-mined sessions, padded quanta
// caught) are tested in @decai/session, where the audit rule lives.
import { ClaimAuditor } from '@decai/app-kit/claim-auditor'
import { createLogger } from '@decai/app-kit/logger'
import type { ClaimSettlement } from '@decai/chain'
import { describe, expect, it } from 'vitest'
import { createGatewayApp } from '../src/app.js'
import { parseGatewayConfig } from '../src/config.js'
import { createGatewayMetrics } from '../src/metrics.js'
import { ModelCatalog } from '../src/models.js'
import { MemoryKeyLimits } from '../src/rate-limiter.js'
import type { GatewayAppDependencies } from '../src/routes/context.js'
import { SqliteKeyStore } from '../src/sqlite-key-store.js'
import { SupplierRouter } from '../src/supplier-router.js'

// Mining keeps a relay with probability 1/4 at this target.
const quarter = new Uint8Array(32).fill(0xff)
quarter[0] = 0x3f
const logs: Record<string, unknown>[] = []
const logger = createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line)) })

const settlement = (
  supplier: string,
  numRelays: bigint,
  overrides: Partial<ClaimSettlement> = {},
): ClaimSettlement =>
  ({
    status: 'settled',
    height: 40n,
    serviceId: 'llm',
    applicationAddress: 'app-exclusive',
    supplierOperatorAddress: supplier,
    sessionId: 's1',
    sessionEndBlockHeight: 30n,
    numRelays,
    ...overrides,
  }) as ClaimSettlement

/** 100 relays to each supplier in session s1 (start 21), after one in the boot session s0. */
function feed(auditor: ClaimAuditor, application = 'app-exclusive') {
  auditor.recordRequest({ supplier: 'honest', application, sessionId: 's0' }, 11n)
  for (const supplier of ['honest', 'greedy'])
    for (let i = 0; i < 100; i++)
      auditor.recordRequest({ supplier, application, sessionId: 's1' }, 21n)
}

describe('the gateway claim audit', () => {
  it('flags a supplier whose claim exceeds the relays sent, and routes around it', () => {
    const auditor = new ClaimAuditor({
      applications: ['app-exclusive'],
      falseFlagRate: 1e-6,
      logger,
    })
    feed(auditor)
    feed(auditor, 'app-shared') // not delegated to this gateway alone: not counted
    // 100 relays sent; at p = 1/4 an honest claim holds about 25, at most 47 (1e-6 tail).
    expect(auditor.auditSettlement(settlement('honest', 31n), quarter)?.overClaimed).toBe(false)
    const greedy = auditor.auditSettlement(settlement('greedy', 48n), quarter)!
    expect(greedy).toMatchObject({ overClaimed: true, delivered: 100, maxRelays: 47 })
    expect(greedy.estimatedRelays).toBeCloseTo(192, 6)
    expect(
      auditor.auditSettlement(
        settlement('greedy', 99n, { applicationAddress: 'app-shared' }),
        quarter,
      ),
    ).toBeUndefined()
    expect(auditor.isFlagged('greedy')).toBe(true)
    expect(auditor.isFlagged('honest')).toBe(false)
    expect(logs.some((l) => l['msg'] === 'supplier over-claims; excluded from routing')).toBe(true)

    const router = new SupplierRouter(
      parseGatewayConfig({ gateway: { privateKey: 'ab'.repeat(32) } }).routing,
    )
    router.claims = auditor
    for (let i = 0; i < 20; i++) expect(router.select('llm', ['honest', 'greedy'])).toBe('honest')
    expect(router.select('llm', ['greedy'])).toBeUndefined()
  })

  it('shows the verdicts on GET /admin/claim-audit', async () => {
    const config = parseGatewayConfig({
      gateway: { privateKey: 'ab'.repeat(32) },
      auth: { adminToken: 'admin-secret-token-123' },
      claimAudit: { applications: ['app-exclusive'] },
    })
    const claims = new ClaimAuditor({ ...config.claimAudit, logger })
    feed(claims)
    claims.auditSettlement(settlement('greedy', 80n), quarter)
    const store = new SqliteKeyStore(':memory:')
    const app = createGatewayApp({
      config,
      store,
      limiter: new MemoryKeyLimits(),
      catalog: new ModelCatalog([]),
      metrics: createGatewayMetrics(),
      logger,
      claims,
      isStopping: () => false,
    } as unknown as GatewayAppDependencies)
    const response = await app.request('/admin/claim-audit', {
      headers: { authorization: 'Bearer admin-secret-token-123' },
    })
    expect(response.status).toBe(200)
    const { data } = (await response.json()) as {
      data: { enabled: boolean; flagged: { supplier: string; claimedRelays: number }[] }
    }
    expect(data.enabled).toBe(true)
    expect(data.flagged).toEqual([
      expect.objectContaining({ supplier: 'greedy', claimedRelays: 80, maxRelays: 47 }),
    ])
    await store.close()
  })
})
