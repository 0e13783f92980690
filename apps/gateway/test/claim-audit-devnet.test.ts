// The claim audit on the devnet: real suppliers serve relays through the gateway, submit claims
// and proofs, and the chain settles them; the gateway reads the settlement events and audits
// each claim against the relays it sent. The honest supplier mines one relay per request. The
// over-claiming one is the real supplier with token metering switched on for a service its
// applications price per request: it mines one relay per token (13 per answer of the stub), a
// padded claim the chain accepts and settles, and the audit must catch.
import { startSupplier } from '@decai/supplier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../src/index.js'
import {
  ADMIN_TOKEN,
  MODEL,
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
