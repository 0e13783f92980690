// The claim auditor the gateway and the watcher share: which sessions it audits, how it reads
// settlements from the chain. The rule's statistics are tested in @decai/session; the router,
// admin route and devnet run in apps/gateway.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildRelayRequest } from '@decai/session'
import { describe, expect, it } from 'vitest'
import { type AuditedSettlement, ClaimAuditor } from '../src/claim-auditor.js'
import { createLogger } from '../src/logger.js'

// Mining keeps a relay with probability 1/4 at this target.
const quarter = new Uint8Array(32).fill(0xff)
quarter[0] = 0x3f
const logs: Record<string, unknown>[] = []
const logger = createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line)) })

const settlement = (
  supplier: string,
  numRelays: bigint,
  overrides: Partial<AuditedSettlement> = {},
): AuditedSettlement => ({
  status: 'settled',
  height: 40n,
  serviceId: 'llm',
  applicationAddress: 'app-exclusive',
  supplierOperatorAddress: supplier,
  sessionId: 's1',
  numRelays,
  ...overrides,
})

/** 100 relays to each supplier in session s1 (start 21), after one in the boot session s0. */
function feed(auditor: ClaimAuditor, application = 'app-exclusive') {
  auditor.recordRequest({ supplier: 'honest', application, sessionId: 's0' }, 11n)
  for (const supplier of ['honest', 'greedy'])
    for (let i = 0; i < 100; i++)
      auditor.recordRequest({ supplier, application, sessionId: 's1' }, 21n)
}

describe('ClaimAuditor', () => {
  it('reads settlements once each, at the difficulty of the session start', async () => {
    const auditor = new ClaimAuditor({
      applications: ['app-exclusive'],
      falseFlagRate: 1e-6,
      logger,
    })
    feed(auditor)
    const heights: (bigint | undefined)[] = []
    const froms: bigint[] = []
    const source = {
      getClaimSettlements: async ({ fromHeight }: { fromHeight: bigint }) => {
        froms.push(fromHeight)
        // s0 was in progress when the auditor started: never audited.
        return fromHeight <= 40n
          ? [settlement('greedy', 99n, { sessionId: 's0' }), settlement('greedy', 60n)]
          : []
      },
      getRelayMiningDifficulty: async ({ height }: { serviceId: string; height?: bigint }) => {
        heights.push(height)
        return { serviceId: 'llm', blockHeight: 0n, numRelaysEma: 0n, targetHash: quarter }
      },
    }
    await auditor.poll(source as never)
    await auditor.poll(source as never)
    expect(froms).toEqual([1n, 41n])
    expect(heights).toEqual([21n])
    expect(auditor.report()).toMatchObject({
      auditedSessions: 1,
      delivered: 100,
      claimedRelays: 60,
    })
    // A failing chain is logged, never thrown.
    await auditor.poll({ getClaimSettlements: () => Promise.reject(new Error('down')) } as never)
    expect(logs.some((l) => l['msg'] === 'claim audit poll failed')).toBe(true)
  })

  it('audits a claim once, even when polls overlap or an event is listed again', async () => {
    const auditor = new ClaimAuditor({
      applications: ['app-exclusive'],
      falseFlagRate: 1e-6,
      logger,
    })
    feed(auditor)
    let reads = 0
    const source = {
      // A slow chain: the next poll is due before this one has read anything.
      getClaimSettlements: async () => {
        reads++
        await new Promise((resolve) => setTimeout(resolve, 20))
        return [settlement('honest', 100n), settlement('honest', 100n)]
      },
      getRelayMiningDifficulty: async () => ({ targetHash: new Uint8Array(32).fill(0xff) }),
    }
    await Promise.all([auditor.poll(source), auditor.poll(source)])
    await auditor.poll(source)
    expect(reads).toBe(2)
    // Audited again, the forgotten counts would make the honest claim one for nothing delivered.
    expect(auditor.report()).toMatchObject({ auditedSessions: 1, delivered: 100, flagged: [] })
    expect(auditor.isFlagged('honest')).toBe(false)
  })

  it('audits only sessions that started after counting began', () => {
    const auditor = new ClaimAuditor({
      applications: ['app-exclusive'],
      falseFlagRate: 1e-6,
      logger,
    })
    auditor.begin(25n) // the gateway started at height 25, in the session starting at 21
    for (const [sessionId, start] of [
      ['s1', 21n],
      ['s2', 31n],
    ] as const)
      auditor.recordRequest({ supplier: 'greedy', application: 'app-exclusive', sessionId }, start)
    expect(auditor.auditSettlement(settlement('greedy', 99n), quarter)).toBeUndefined()
    expect(
      auditor.auditSettlement(settlement('greedy', 99n, { sessionId: 's2' }), quarter)?.overClaimed,
    ).toBe(true)
  })

  it('counts a token-metered request by its end: quanta shown, the floor, or the worst case', async () => {
    // A supplier that has no quanta for any answer (`GET /quanta` → 404).
    const server = createServer((_, res) => res.writeHead(404).end())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const auditor = new ClaimAuditor({
      applications: ['app-exclusive'],
      falseFlagRate: 1e-6,
      tokenMetering: { llm: { quantum: 10, inputWeight: 1, outputWeight: 4 } },
      quantaRetryMs: [0],
      logger,
    })
    auditor.begin(1n)
    const track = (sessionId: string, serviceId = 'llm', at = url) =>
      auditor.trackRequest({
        key: { supplier: 'honest', application: 'app-exclusive', sessionId },
        sessionStart: 21n,
        serviceId,
        request: buildRelayRequest({
          sessionHeader: {
            applicationAddress: 'app-exclusive',
            serviceId,
            sessionId,
            sessionStartBlockHeight: 21n,
            sessionEndBlockHeight: 30n,
          },
          supplierOperatorAddress: 'honest',
          payload: new Uint8Array([1]),
        }),
        url: at,
        supplierPublicKey: new Uint8Array(33),
        promptTokens: 30,
        maxTokens: 20,
      })
    // Lost before its end: the worst case, ceil((30 + 20 × 4) / 10) = 11; once however called.
    const lost = track('lost')
    lost.abandoned()
    lost.answered(new Uint8Array(32))
    lost.abandoned()
    // Answered, but the supplier shows no quanta (404) or cannot be reached: one relay each.
    track('missing').answered(new Uint8Array(32))
    track('unreachable', 'llm', 'http://127.0.0.1:1').answered(new Uint8Array(32))
    // A per-request service counts one relay when sent; its end changes nothing.
    track('plain', 'other').abandoned()
    await auditor.idle()
    server.close()
    const delivered = (sessionId: string) =>
      auditor.auditSettlement(settlement('honest', 0n, { sessionId }), quarter)?.delivered
    expect(delivered('lost')).toBe(11)
    expect(delivered('missing')).toBe(1)
    expect(delivered('unreachable')).toBe(1)
    expect(delivered('plain')).toBe(1)
    expect(auditor.report().quanta).toMatchObject({ verified: 0, notFound: 1, unavailable: 1 })
    expect(auditor.isTokenMetered('llm')).toBe(true)
    expect(auditor.isTokenMetered('other')).toBe(false)
  })
})
