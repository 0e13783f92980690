// The dashboard's figures against the chain, to the unit: a champion's share equals the sum of
// its owner rewards in the settlement events and its bank balance change over the settlement
// block. Then every view, the CSV export, bad input (4xx with a code, never a 500) and a node
// that is down (the last indexed height is served). All of it on each store (SQLite, and
// PostgreSQL where its suites run).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ChainClient, createChainClient, sumRewards } from '@decai/chain'
import { generatePrivateKey, getAddress } from '@decai/crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type Dashboard, openStore, startDashboard, startIndexer } from '../src/index.js'
import { storeCases } from './helpers/stores.js'

const chain = inject('chain')
describe.each(storeCases)('on the $kind store', ({ config }) => {
  const dir = mkdtempSync(join(tmpdir(), 'decai-dashboard-'))
  const store = config('revenue', dir)
  let client: ChainClient
  let dashboard: Dashboard
  let indexedTo: bigint

  async function get(path: string, base = dashboard.url) {
    const res = await fetch(`${base}${path}`)
    const text = await res.text()
    const isJson = res.headers.get('content-type')?.startsWith('application/json')
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      text,
      // biome-ignore lint/suspicious/noExplicitAny: the tests read the JSON API loosely
      body: (isJson ? JSON.parse(text) : undefined) as any,
    }
  }

  beforeAll(async () => {
    client = createChainClient({ rpcUrl: chain.rpcUrl })
    dashboard = await startDashboard({
      rpcUrl: chain.rpcUrl,
      store,
      port: 0,
      indexer: { networkIntervalMs: 500 },
    })
    indexedTo = await client.getCommittedHeight()
    await dashboard.indexer!.waitForHeight(indexedTo, 120_000)
    // A network snapshot taken after the scenario staked everything.
    while ((await dashboard.store.getNetworkHeight()) < indexedTo)
      await new Promise((r) => setTimeout(r, 100))
  })

  afterAll(async () => {
    await dashboard?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  describe(`a champion's revenue on ${chain.kind}`, () => {
    it('equals the owner rewards in the settlement events and the bank balance change, to the unit', async () => {
      const { status, body } = await get(`/api/champions/${chain.owner}`)
      expect(status).toBe(200)
      const settlements = await client.getClaimSettlements({ fromHeight: 1n, toHeight: indexedTo })
      const fromEvents = sumRewards(settlements, { role: 'sourceOwner' }).get(chain.owner) ?? 0n
      expect(fromEvents).toBeGreaterThan(0n)
      expect(BigInt(body.championShareUpokt)).toBe(fromEvents)
      // Every owner reward was paid in one block; the scenario measured the owner's balance
      // right before it and right after it.
      const paidAt = new Set(
        settlements
          .filter((s) => s.rewards.some((r) => r.recipient === chain.owner))
          .map((s) => s.height),
      )
      expect(paidAt.size).toBe(1)
      expect(body.championShareUpokt).toBe(chain.ownerBalanceChange)
      expect(body.championSharePokt).toMatch(/^\d+(\.\d{1,6})?$/)
      expect(body.roles).toContain('champion')

      const [service] = body.services.rows
      expect(service.service_id).toBe(chain.serviceId)
      expect(service.champion_share_upokt).toBe(body.championShareUpokt)
      const settledRelays = BigInt(chain.relays['supA']! + chain.relays['supB']!)
      expect(BigInt(service.relays)).toBe(settledRelays)
      expect(BigInt(service.compute_units)).toBe(settledRelays * BigInt(chain.computeUnitsPerRelay))
      const settled = settlements
        .filter((s) => s.serviceId === chain.serviceId)
        .reduce((sum, s) => sum + s.settledUpokt, 0n)
      expect(BigInt(service.settled_upokt)).toBe(settled)
      expect(service.settled_claims).toBe('2')
      expect(service.expired_claims).toBe('1')
    })

    it('breaks a service down by supplier and application, per hour and per day', async () => {
      const settlements = (
        await client.getClaimSettlements({ fromHeight: 1n, toHeight: indexedTo })
      ).filter((s) => s.serviceId === chain.serviceId && s.status === 'settled')
      const suppliers = (await get(`/api/services/${chain.serviceId}/suppliers`)).body
      expect(suppliers.rows).toHaveLength(2)
      for (const row of suppliers.rows) {
        const s = settlements.find((x) => x.supplierOperatorAddress === row.address)!
        expect(row.settled_upokt).toBe(String(s.settledUpokt))
        expect(row.relays).toBe(String(s.numRelays))
        const supplierRewards = s.rewards
          .filter((r) => r.role === 'supplier')
          .reduce((a, r) => a + r.amount, 0n)
        expect(row.supplier_rewards_upokt).toBe(String(supplierRewards))
      }
      const applications = (await get(`/api/services/${chain.serviceId}/applications`)).body
      expect(applications.rows).toHaveLength(1)
      expect(applications.rows[0].address).toBe(settlements[0]!.applicationAddress)

      const total = (await get(`/api/champions/${chain.owner}`)).body.championShareUpokt
      for (const bucket of ['hour', 'day']) {
        const series = (
          await get(
            `/api/services/${chain.serviceId}/series?bucket=${bucket}&address=${chain.owner}`,
          )
        ).body
        expect(series.rows.length).toBeGreaterThan(0)
        const sum = series.rows.reduce(
          (a: bigint, r: { owner_share_upokt: string }) => a + BigInt(r.owner_share_upokt),
          0n,
        )
        expect(String(sum)).toBe(total)
      }
    })

    it('links each settlement to its block, lists the expired claim, and exports CSV', async () => {
      const list = (await get(`/api/services/${chain.serviceId}/settlements`)).body
      expect(list.rows).toHaveLength(3)
      for (const row of list.rows) {
        const block = (await get(`/api/blocks/${row.height}`)).body
        expect(
          block.settlements.rows.map((r: { supplier_operator: string }) => r.supplier_operator),
        ).toContain(row.supplier_operator)
      }
      const expired = (await get(`/api/champions/${chain.owner}/expired`)).body
      expect(expired.rows).toHaveLength(1)
      expect(expired.rows[0].expiration_reason).toBe('PROOF_MISSING')
      expect(expired.rows[0].num_relays).toBe(String(chain.relays['supC']))
      // Settled or expired: no claim of the scenario is pending any more.
      expect((await get(`/api/champions/${chain.owner}/pending`)).body.rows).toEqual([])

      const csv = await get(`/api/champions/${chain.owner}?format=csv`)
      expect(csv.type).toMatch(/^text\/csv/)
      const lines = csv.text.trim().split('\r\n')
      expect(lines[0]).toBe(
        'service_id,name,current_owner,settled_claims,expired_claims,relays,compute_units,settled_upokt,champion_share_upokt',
      )
      expect(lines[1]).toContain(`,${chain.ownerBalanceChange}`)
      for (const path of [
        `/api/services/${chain.serviceId}/suppliers`,
        `/api/services/${chain.serviceId}/applications`,
        `/api/services/${chain.serviceId}/series?bucket=day`,
        `/api/services/${chain.serviceId}/settlements`,
        `/api/services/${chain.serviceId}/pending`,
        '/api/claims/expired',
        '/api/network/services',
        '/api/network/suppliers',
        '/api/network/applications',
        '/api/network/gateways',
      ]) {
        const res = await get(`${path}${path.includes('?') ? '&' : '?'}format=csv`)
        expect(res.status, path).toBe(200)
        expect(res.type, path).toMatch(/^text\/csv/)
      }
    })

    it('shows the network: services with owners, suppliers, applications and gateways', async () => {
      const network = (await get('/api/network')).body
      const service = network.services.rows.find((s: { id: string }) => s.id === chain.serviceId)
      expect(service.owner).toBe(chain.owner)
      const onChain = await Promise.all([
        client.getSuppliers(),
        client.getApplications(),
        client.getGateways(),
      ])
      expect(network.suppliers.rows).toHaveLength(onChain[0].length)
      expect(network.applications.rows).toHaveLength(onChain[1].length)
      expect(network.gateways.rows).toHaveLength(onChain[2].length)
    })

    it('finds a champion, a service and a block by search', async () => {
      expect((await get(`/api/search?q=${chain.owner}`)).body).toEqual({
        kind: 'address',
        id: chain.owner,
      })
      expect((await get(`/api/search?q=${chain.serviceId}`)).body).toEqual({
        kind: 'service',
        id: chain.serviceId,
      })
      expect((await get('/api/search?q=1')).body).toEqual({ kind: 'block', id: '1' })
    })
  })

  describe('bad input', () => {
    const unknown = getAddress(generatePrivateKey())
    it.each([
      ['/api/champions/pokt1notanaddress', 400, 'INVALID_ADDRESS'],
      // One character changed: the checksum no longer holds.
      [
        `/api/champions/${chain.owner.slice(0, -1)}${chain.owner.endsWith('q') ? 'p' : 'q'}`,
        400,
        'INVALID_ADDRESS',
      ],
      [`/api/champions/${unknown}`, 404, 'UNKNOWN_ADDRESS'],
      ['/api/services/no-such-service', 404, 'UNKNOWN_SERVICE'],
      ['/api/services/bad%20id!', 400, 'INVALID_SERVICE_ID'],
      ['/api/services/no-such-service/series', 404, 'UNKNOWN_SERVICE'],
      [`/api/services/${chain.serviceId}/series?bucket=week`, 400, 'INVALID_PARAMETER'],
      [`/api/services/${chain.serviceId}/suppliers?format=xml`, 400, 'INVALID_PARAMETER'],
      ['/api/blocks/abc', 400, 'INVALID_HEIGHT'],
      ['/api/blocks/0', 400, 'INVALID_HEIGHT'],
      ['/api/blocks/99999999999', 404, 'HEIGHT_NOT_INDEXED'],
      ['/api/search?q=', 400, 'INVALID_PARAMETER'],
      [`/api/search?q=${unknown}`, 404, 'UNKNOWN_ADDRESS'],
      ['/api/search?q=pokt1zzz', 400, 'INVALID_ADDRESS'],
      ['/api/no-such-route', 404, 'NOT_FOUND'],
    ])('%s answers %i %s', async (path, status, code) => {
      const res = await get(path)
      expect(res.status).toBe(status)
      expect(res.body.error.code).toBe(code)
      expect(res.body.error.message).not.toBe('')
      expect(res.body.indexedHeight).toMatch(/^\d+$/)
    })

    it('serves the page (not a blank one) on any other path', async () => {
      for (const path of ['/', '/nope']) {
        const res = await get(path)
        expect(res.text).toContain('<script type="module" src="/ui/app.js">')
      }
      const js = await get('/ui/app.js')
      expect(js.status).toBe(200)
      expect(js.text.length).toBeGreaterThan(10_000)
    })
  })

  describe('an index of another chain', () => {
    it('is left alone, and the status says why (a devnet started again keeps its chain ID)', async () => {
      const store = await openStore(config('other_chain', dir))
      await store.setMeta('chain_id', await client.getChainId())
      await store.setMeta('anchor_height', '1')
      await store.setMeta('anchor_hash', '00'.repeat(32))
      const indexer = startIndexer({ client, store, retryMs: 50 })
      const deadline = Date.now() + 10_000
      while (indexer.status().lastError === undefined && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20))
      expect(indexer.status().lastError).toMatch(/another chain/)
      expect(await store.getHeight()).toBe(0n)
      await indexer.stop()
      await store.close()
    })
  })

  describe('a node that is down', () => {
    it('keeps serving the index and shows the last indexed height', async () => {
      await dashboard.stop()
      const share = (await getJsonFromStore()).championShareUpokt
      // The same index, now pointed at a port where no node listens.
      dashboard = await startDashboard({
        rpcUrl: 'http://127.0.0.1:9',
        store,
        port: 0,
        indexer: { retryMs: 100 },
      })
      const deadline = Date.now() + 10_000
      let status = (await get('/api/status')).body
      while (status.lastError === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100))
        status = (await get('/api/status')).body
      }
      expect(status.rpcUp).toBe(false)
      expect(status.lastError).toBeTruthy()
      expect(BigInt(status.indexedHeight)).toBeGreaterThanOrEqual(indexedTo)
      const champion = await get(`/api/champions/${chain.owner}`)
      expect(champion.status).toBe(200)
      expect(champion.body.championShareUpokt).toBe(share)
      expect((await get('/')).status).toBe(200)
    })
  })

  async function getJsonFromStore() {
    // Read through a second, index-only dashboard so the figure comes from the file on disk.
    const reader = await startDashboard({
      rpcUrl: chain.rpcUrl,
      store,
      port: 0,
      index: false,
    })
    try {
      return (await get(`/api/champions/${chain.owner}`, reader.url)).body
    } finally {
      await reader.stop()
    }
  }
})
