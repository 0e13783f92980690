// The claim audit on the devnet: real suppliers serve relays through the gateway, submit claims
// and proofs, and the chain settles them; the gateway reads the settlement events and audits
// each claim against the relays it sent. The honest supplier mines one relay per request. The
// over-claiming one is the real supplier with token metering switched on for a service its
// applications price per request: it mines one relay per token (13 per answer of the stub), a
// padded claim the chain accepts and settles, and the audit must catch.
//
// The second run is a token-metered service in front of the real model: the gateway fetches the
// signed quanta of every answer (`GET /quanta`), verifies them and counts them. The honest
// supplier meters as the service declares; the padding one (the real supplier with a tenth of
// the declared quantum, ten times the quanta) signs quanta beyond the request's worst case,
// which are refused as evidence and never counted, while its claim holds every one of them.
import { type LlmServer, startLlmServer } from '@decai/llm-server'
import { startSupplier } from '@decai/supplier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../src/index.js'
import {
  ADMIN_TOKEN,
  MODEL,
  metricValue,
  SERVICE_ID,
  type SupplierNetwork,
  startStubBackend,
  startSupplierNetwork,
  tempDir,
  waitUntil,
} from './helpers.js'

describe('the claim audit on the devnet', () => {
  let backend: Awaited<ReturnType<typeof startStubBackend>>
  let network: SupplierNetwork
  let gateway: Awaited<ReturnType<typeof startGateway>>
  let greedy: Awaited<ReturnType<typeof startSupplier>>

  beforeAll(async () => {
    backend = await startStubBackend({ tokens: 8 })
    network = await startSupplierNetwork({
      suppliers: ['good', 'down'],
      backendUrl: backend.url,
      numBlocksPerSession: 6,
    })
    const slot = network.suppliers[1]!
    const account = network.devnet.accounts.find((a) => a.name === slot.name)!
    greedy = await startSupplier({
      operator: { privateKey: account.privateKey!, address: account.address },
      chain: { rpcUrl: network.devnet.rpcUrl, gasPrice: '0upokt', pollingInterval: '100ms' },
      listenAddress: slot.url.replace('http://', ''),
      metricsAddress: false,
      storage: { dir: tempDir('decai-gateway-greedy-') },
      services: [
        { id: SERVICE_ID, backendUrl: backend.url, timeout: '60s', tokenMetering: { quantum: 1 } },
      ],
      log: { level: 'silent' },
    })
    const application = network.devnet.accounts.find((a) => a.name === 'application')!.address
    gateway = await startGateway({
      listen: { port: 0 },
      chain: { rpcUrl: network.devnet.rpcUrl, pollingIntervalMs: 100, blockTransport: 'polling' },
      gateway: { privateKey: network.gatewayPrivateKey },
      models: [{ name: MODEL, serviceId: SERVICE_ID }],
      store: { path: ':memory:' },
      auth: { adminToken: ADMIN_TOKEN },
      routing: { explorationRate: 0.5 },
      claimAudit: { applications: [application], refreshMs: 300 },
      log: { level: 'silent' },
    })
  }, 120_000)

  afterAll(async () => {
    await gateway?.stop()
    await greedy?.stop()
    await network?.stop()
    await backend?.stop()
  })

  it('flags the padding supplier, clears the honest one, and routes around the first', async () => {
    const { key } = await gateway.createApiKey({ name: 'audit', rpm: 100_000 })
    const honestAddress = network.suppliers[0]!.address
    const greedyAddress = network.suppliers[1]!.address
    const audited = (supplier: string) =>
      gateway.claims!.report().results.filter((r) => r.supplier === supplier)
    await waitUntil(async () => {
      await fetch(`${gateway.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
      }).then((r) => r.text())
      return gateway.claims!.isFlagged(greedyAddress) && audited(honestAddress).length >= 2
    }, 150_000)
    const honest = audited(honestAddress)
    expect(honest.every((r) => !r.overClaimed && r.claimedRelays <= r.delivered)).toBe(true)
    expect(honest.some((r) => r.claimedRelays > 0)).toBe(true)
    const [flagged] = gateway.claims!.report().flagged
    expect(flagged).toMatchObject({ supplier: greedyAddress, overClaimed: true })
    // 13 quanta mined per answer (5 prompt + 8 completion tokens, quantum 1): about 13 × sent.
    expect(flagged!.claimedRelays).toBeGreaterThan(flagged!.delivered * 10)
    // The gateway no longer routes to it, and says so on its admin endpoint.
    expect(gateway.router.select(SERVICE_ID, [honestAddress, greedyAddress])).toBe(honestAddress)
    const res = await fetch(`${gateway.url}/admin/claim-audit`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    const { data } = (await res.json()) as { data: { flagged: { supplier: string }[] } }
    expect(data.flagged.map((f) => f.supplier)).toEqual([greedyAddress])
  }, 200_000)
})

describe('the claim audit of a token-metered service on the devnet', () => {
  /** What the service declares: one relay per 10 weighted tokens, completion weighing 4. */
  const METERING = { quantum: 10, inputWeight: 1, outputWeight: 4 }
  let llm: LlmServer
  let network: SupplierNetwork
  let gateway: Awaited<ReturnType<typeof startGateway>>
  let padding: Awaited<ReturnType<typeof startSupplier>>

  beforeAll(async () => {
    llm = await startLlmServer({ port: 0, threads: 1, parallel: 2, embeddings: false })
    network = await startSupplierNetwork({
      suppliers: ['good', 'down'],
      backendUrl: llm.url,
      // Windows of four blocks: claims and proofs land even on a busy machine.
      numBlocksPerSession: 10,
      supplier: {
        services: [
          { id: SERVICE_ID, backendUrl: llm.url, timeout: '60s', tokenMetering: METERING },
        ],
      },
    })
    const slot = network.suppliers[1]!
    const account = network.devnet.accounts.find((a) => a.name === slot.name)!
    padding = await startSupplier({
      operator: { privateKey: account.privateKey!, address: account.address },
      chain: { rpcUrl: network.devnet.rpcUrl, gasPrice: '0upokt', pollingInterval: '100ms' },
      listenAddress: slot.url.replace('http://', ''),
      metricsAddress: false,
      storage: { dir: tempDir('decai-gateway-padding-') },
      services: [
        {
          id: SERVICE_ID,
          backendUrl: llm.url,
          timeout: '60s',
          tokenMetering: { ...METERING, quantum: 1 },
        },
      ],
      log: { level: 'silent' },
    })
    const application = network.devnet.accounts.find((a) => a.name === 'application')!.address
    gateway = await startGateway({
      listen: { port: 0 },
      chain: { rpcUrl: network.devnet.rpcUrl, pollingIntervalMs: 100, blockTransport: 'polling' },
      gateway: { privateKey: network.gatewayPrivateKey },
      // The model's declared metering (as its service card would declare it) drives the audit.
      models: [{ name: MODEL, serviceId: SERVICE_ID, tokenMetering: METERING }],
      store: { path: ':memory:' },
      auth: { adminToken: ADMIN_TOKEN },
      routing: { explorationRate: 0.5, hedge: false },
      claimAudit: { applications: [application], refreshMs: 300 },
      log: { level: 'silent' },
    })
  }, 180_000)

  afterAll(async () => {
    await gateway?.stop()
    await padding?.stop()
    await network?.stop()
    await llm?.stop()
  })

  it('counts verified quanta, clears the honest supplier and flags the padding one', async () => {
    const { key } = await gateway.createApiKey({ name: 'audit', rpm: 100_000 })
    const honestAddress = network.suppliers[0]!.address
    const paddingAddress = network.suppliers[1]!.address
    const audited = (supplier: string) =>
      gateway.claims!.report().results.filter((r) => r.supplier === supplier && r.delivered > 0)
    let sent = 0
    const failures: string[] = []
    await waitUntil(async () => {
      const stream = sent % 2 === 1
      sent++
      await fetch(`${gateway.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: MODEL,
          messages: [{ role: 'user', content: `Name a colour. (${sent})` }],
          max_tokens: 8,
          ...(stream ? { stream: true } : {}),
        }),
      }).then(async (r) => {
        const text = await r.text()
        if (r.status !== 200 || text.includes('"error"'))
          failures.push(`${r.status} ${text.slice(0, 200)}`)
      })
      return gateway.claims!.isFlagged(paddingAddress) && audited(honestAddress).length >= 4
    }, 300_000)
    const report = gateway.claims!.report()
    const honest = audited(honestAddress)
    expect(failures).toEqual([])
    // No honest claim holds more than the quanta counted for it (base difficulty: every quantum
    // is mined), and a session of answered requests only holds exactly those: a request refused
    // or lost (a session boundary) counts its worst case, which the supplier may not have mined.
    expect(honest.every((r) => !r.overClaimed && r.claimedRelays <= r.delivered)).toBe(true)
    expect(honest.some((r) => r.claimedRelays === r.delivered && r.delivered >= 5)).toBe(true)
    // Token metering, not one per request: about 5 quanta an answer (prompt ~35, 8 × 4).
    expect(report.quanta.verified).toBeGreaterThan(report.quanta.answers * 2)
    expect(report.quanta.notFound + report.quanta.unavailable).toBe(0)
    // The padding supplier's quanta were refused and kept, never counted.
    expect(report.quanta.rejected['QUANTUM_BEYOND_WORST_CASE']).toBeGreaterThan(0)
    expect(report.rejectedQuanta.every((r) => r.supplier === paddingAddress)).toBe(true)
    expect(report.rejectedQuanta[0]!.quanta).toBeGreaterThan(10)
    const [flagged] = report.flagged
    expect(flagged).toMatchObject({ supplier: paddingAddress, overClaimed: true })
    expect(flagged!.claimedRelays).toBeGreaterThan(flagged!.delivered * 5)
    expect(gateway.router.select(SERVICE_ID, [honestAddress, paddingAddress])).toBe(honestAddress)
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
    expect(
      metricValue(metrics, 'decai_gateway_claim_audit_quanta_verified'),
    ).toBeGreaterThanOrEqual(report.quanta.verified)
    expect(
      metricValue(metrics, 'decai_gateway_claim_audit_answers_uncounted', {
        reason: 'QUANTUM_BEYOND_WORST_CASE',
      }),
    ).toBeGreaterThan(0)
  }, 400_000)
})
