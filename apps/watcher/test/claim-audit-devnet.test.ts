// The watcher's claim audit of a token-metered service on the devnet, in front of the real model
// (SmolLM2-135M): the watcher probes two real suppliers with its own application, fetches the
// signed quanta of every answer (`GET /quanta`), verifies and counts them, and audits the
// settled claims. The honest supplier meters as the service declares; the padding one (the real
// supplier with a tenth of the declared quantum, ten times the quanta) signs quanta beyond the
// request's worst case: refused, kept as evidence, never counted, while its claim holds them all.
import { ensureModel, type LlmServer, startLlmServer } from '@decai/llm-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWatcher, type Watcher } from '../src/index.js'
import {
  MODEL,
  MODEL_SHA256,
  SERVICE_ID,
  startWatchedNetwork,
  type WatchedNetwork,
} from './helpers.js'

/** What the service declares: one relay per 10 weighted tokens, completion weighing 4. */
const METERING = { quantum: 10, inputWeight: 1, outputWeight: 4 }

let llm: LlmServer
let net: WatchedNetwork
let watcher: Watcher

beforeAll(async () => {
  const modelFile = await ensureModel()
  llm = await startLlmServer({ port: 0, threads: 1, parallel: 2, modelPath: modelFile })
  net = await startWatchedNetwork({
    backends: [llm.url, llm.url],
    numBlocksPerSession: 10,
    tokenMetering: [METERING, { ...METERING, quantum: 1 }],
  })
  const application = net.devnet.accounts.find((a) => a.name === 'application')!.address
  watcher = await startWatcher({
    listen: { port: 0 },
    chain: { rpcUrl: net.devnet.rpcUrl, blockTransport: 'polling', pollingIntervalMs: 100 },
    watcher: { privateKey: net.watcherPrivateKey },
    services: [
      {
        serviceId: SERVICE_ID,
        model: MODEL,
        reference: { url: llm.url, sha256: MODEL_SHA256, modelFile },
      },
    ],
    schedule: { enabled: false },
    limits: { maxTokens: 16 },
    claimAudit: {
      applications: [application],
      refreshMs: 300,
      tokenMetering: { [SERVICE_ID]: METERING },
    },
    store: { path: ':memory:' },
    log: { level: 'silent' },
  })
}, 180_000)

afterAll(async () => {
  await watcher?.stop()
  await net?.stop()
  await llm?.stop()
})

describe('the watcher audits a token-metered service on the devnet', () => {
  it('counts verified quanta, clears the honest supplier and flags the padding one', async () => {
    const [honest, padding] = net.suppliers.map((s) => s.address) as [string, string]
    const claims = watcher.claims!
    const audited = (supplier: string) =>
      claims.report().results.filter((r) => r.supplier === supplier && r.delivered > 0)
    const deadline = Date.now() + 300_000
    while (!(claims.isFlagged(padding) && audited(honest).length >= 3)) {
      if (Date.now() > deadline) throw new Error(JSON.stringify(claims.report()))
      await watcher.runRound({ challenges: 0, traffic: 1 })
      await claims.idle()
      await watcher.auditClaims()
    }
    const report = claims.report()
    // No honest claim holds more than the quanta counted for it (base difficulty: every quantum
    // is mined), and a session of answered requests only holds exactly those: a request refused
    // or lost (a session boundary) counts its worst case, which the supplier may not have mined.
    const cleared = audited(honest)
    expect(cleared.every((r) => !r.overClaimed && r.claimedRelays <= r.delivered)).toBe(true)
    expect(cleared.some((r) => r.claimedRelays === r.delivered && r.delivered >= 5)).toBe(true)
    expect(report.quanta.verified).toBeGreaterThan(report.quanta.answers * 2)
    expect(report.quanta.rejected['QUANTUM_BEYOND_WORST_CASE']).toBeGreaterThan(0)
    expect(report.rejectedQuanta.every((r) => r.supplier === padding)).toBe(true)
    const [flagged] = report.flagged
    expect(flagged).toMatchObject({ supplier: padding, overClaimed: true })
    expect(flagged!.claimedRelays).toBeGreaterThan(flagged!.delivered * 5)
    // In the signed report: the padding supplier's entry carries the verdict.
    const entries = watcher.report().entries
    expect(entries.find((e) => e.supplier === padding)?.claimAudit?.overClaimed).toBe(true)
    expect(entries.find((e) => e.supplier === honest)?.claimAudit?.overClaimed).toBe(false)
  }, 400_000)
})
