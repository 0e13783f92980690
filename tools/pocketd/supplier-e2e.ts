// Our supplier (apps/supplier) and gateway (apps/gateway) on pocketd, beside poktroll's
// RelayMiner. Two suppliers staked for one service: `supplier1` runs poktroll's
// `pocketd relayminer`, `supplier2` runs ours, both in front of the same echo backend. The same
// relays (same payloads, ring-signed by the gateway key with our SDK) go through both; every
// answer must verify; both claims and both proofs must be accepted by pocketd and settled for
// the amount our formulas give. The supplier overhead of each (median round trip through it,
// minus straight to the backend) is measured side by side. Then our gateway serves OpenAI
// requests in the next session: for a second service that only our supplier serves (its claim
// and proof settled by pocketd too), and for the first, routed to either supplier.
//
//   pnpm pocketd e2e            (or: pnpm exec tsx tools/pocketd/supplier-e2e.ts)
//
// Prints "N passed, M failed"; exits non-zero on any failure.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Gateway, startGateway } from '../../apps/gateway/src/index.js'
import { type Supplier, startSupplier } from '../../apps/supplier/src/index.js'
import { createChainClient } from '../../packages/chain/src/index.js'
import { getPublicKey } from '../../packages/crypto/src/index.js'
import {
  fromBinary,
  POKTHTTPResponseSchema,
  ProofRequirementReason,
} from '../../packages/protocol/src/index.js'
import { getClaimedUpokt, getRootCount, getRootSum } from '../../packages/relay-mining/src/index.js'
import { verifyRelayResponse } from '../../packages/session/src/index.js'
import { createChecks, runChecks } from './lib/checks.mjs'
import {
  type Actor,
  findProof,
  getRing,
  loadActor,
  median,
  poll,
  proofReasonName,
  type SessionHeaderFields,
  signJsonRelay,
  startBackend,
  startRelayMiner,
  waitForSessionWithSuppliers,
} from './lib/harness.js'
import { startPocketd } from './localnet.mjs'

const SERVICE_ID = 'e2e'
/** Served by our supplier only: what the gateway sends for it lands on ours. */
const OURS_ONLY = 'e2e-ours'
const GATEWAY_REQUESTS = 10
// Every claim (10 + 40 relays of 100,000 compute units) is above the 20 POKT proof requirement
// threshold: both suppliers must prove, whatever the proof request probability.
const COMPUTE_UNITS_PER_RELAY = 100_000n
const RELAYS = 10
const TIMED_RELAYS = 40
const POKT = 1_000_000n

type Served = { name: string; actor: Actor; url: string; timings: number[] }

async function main(): Promise<number> {
  const port = Number(process.env['POCKETD_E2E_PORT'] ?? 27057)
  const { check, report } = createChecks()

  // One-second blocks: a session (4 blocks) must hold every relay to both suppliers.
  const node = await startPocketd({ port, blockTime: '1s' })
  const backend = await startBackend()
  const storage = mkdtempSync(join(tmpdir(), 'decai-supplier-e2e-'))
  let relayMiner: { stop(): Promise<void>; url: string } | undefined
  let ours: Supplier | undefined
  let ourGateway: Gateway | undefined
  try {
    const client = createChainClient({ rpcUrl: node.rpcUrl })
    const actor = (name: string) => loadActor(node, name)
    const [owner, app, app2, gateway, theirs, mine] = await Promise.all(
      ['owner', 'application', 'user1', 'gateway', 'supplier1', 'supplier2'].map(actor),
    )
    if (!owner || !app || !app2 || !gateway || !theirs || !mine) throw new Error('missing accounts')
    const relayMinerPort = port + 10
    const oursPort = port + 20
    const endpoint = (p: number) => [{ url: `http://127.0.0.1:${p}`, rpcType: 3 }]

    const staked = await check(
      'two services, a gateway, two delegating applications and two suppliers staked with our SDK',
      async () => {
        for (const id of [SERVICE_ID, OURS_ONLY]) {
          await owner.client.addService({
            id,
            name: 'Supplier e2e',
            computeUnitsPerRelay: COMPUTE_UNITS_PER_RELAY,
          })
        }
        await Promise.all([
          gateway.client.stakeGateway({ stake: 100n * POKT }),
          app.client.stakeApplication({ stake: 100_000n * POKT, serviceIds: [SERVICE_ID] }),
          app2.client.stakeApplication({ stake: 100_000n * POKT, serviceIds: [OURS_ONLY] }),
          theirs.client.stakeSupplier({
            stake: 1_000n * POKT,
            services: [{ serviceId: SERVICE_ID, endpoints: endpoint(relayMinerPort) }],
          }),
          mine.client.stakeSupplier({
            stake: 1_000n * POKT,
            services: [SERVICE_ID, OURS_ONLY].map((serviceId) => ({
              serviceId,
              endpoints: endpoint(oursPort),
            })),
          }),
        ])
        await Promise.all([
          app.client.delegateToGateway({ gatewayAddress: gateway.address }),
          app2.client.delegateToGateway({ gatewayAddress: gateway.address }),
        ])
        return undefined
      },
    )
    if (!staked) return report()

    const started = await check(
      "poktroll's RelayMiner (supplier1) and ours (supplier2) start",
      async () => {
        ;[relayMiner, ours] = await Promise.all([
          startRelayMiner(node, {
            supplierKey: 'supplier1',
            serviceId: SERVICE_ID,
            listenPort: relayMinerPort,
            backendUrl: backend.url,
          }),
          startSupplier({
            operator: { privateKey: Buffer.from(mine.key).toString('hex') },
            chain: { rpcUrl: node.rpcUrl, gasPrice: '0upokt', pollingInterval: '250ms' },
            listenAddress: `127.0.0.1:${oursPort}`,
            metricsAddress: false,
            storage: { dir: storage },
            services: [SERVICE_ID, OURS_ONLY].map((id) => ({
              id,
              backendUrl: backend.url,
              timeout: '30s',
            })),
            log: { level: 'warn' },
          }),
        ])
        return `${relayMiner.url}, ${ours.url}`
      },
    )
    if (!started || !relayMiner || !ours) return report()
    const suppliers: Served[] = [
      { name: "poktroll's RelayMiner", actor: theirs, url: relayMiner.url, timings: [] },
      { name: 'our supplier', actor: mine, url: ours.url, timings: [] },
    ]

    let header: SessionHeaderFields | undefined
    await check('a session starts with both suppliers in it', async () => {
      header = await waitForSessionWithSuppliers(client, {
        applicationAddress: app.address,
        serviceId: SERVICE_ID,
        supplierAddresses: [theirs.address, mine.address],
      })
      return `session ${header.sessionStartBlockHeight}-${header.sessionEndBlockHeight}`
    })
    if (!header) return report()
    const session = header
    const ring = await getRing(client, app.address, session.sessionEndBlockHeight)

    const total = RELAYS + TIMED_RELAYS
    await check(
      `the same ${total} relays through each, ring-signed by the gateway, every answer verified`,
      async () => {
        // Alternating, so both see the same load at the same time.
        for (let i = 0; i < total; i++) {
          for (const s of suppliers) {
            const request = signJsonRelay({
              session,
              supplier: s.actor.address,
              signer: gateway.key,
              ring,
              url: `/v1/chat/completions?n=${i}`,
              body: { prompt: `relay ${i}` },
            })
            const t0 = performance.now()
            const response = await fetch(s.url, { method: 'POST', body: new Uint8Array(request) })
            const bytes = new Uint8Array(await response.arrayBuffer())
            s.timings.push(performance.now() - t0)
            if (response.status !== 200) {
              throw new Error(`${s.name}, relay ${i}: HTTP ${response.status}`)
            }
            const verified = verifyRelayResponse(bytes, {
              sessionHeader: session,
              supplierOperatorAddress: s.actor.address,
              supplierPublicKey: getPublicKey(s.actor.key),
            })
            if (!verified.ok) throw new Error(`${s.name}, relay ${i}: ${verified.error.message}`)
            const http = fromBinary(POKTHTTPResponseSchema, verified.response.payload)
            const echo = JSON.parse(new TextDecoder().decode(http.bodyBz))
            if (echo.url !== `/v1/chat/completions?n=${i}`) {
              throw new Error(`${s.name}, relay ${i}: the backend saw ${echo.url}`)
            }
          }
        }
        const latest = await client.getLatestHeight()
        if (latest > session.sessionEndBlockHeight + 1n) {
          throw new Error(`relays took until height ${latest}, past the session's grace period`)
        }
        return undefined
      },
    )

    await check('supplier overhead per relay, side by side (benchmark)', async () => {
      const direct: number[] = []
      for (let i = 0; i < TIMED_RELAYS; i++) {
        const t0 = performance.now()
        const response = await fetch(`${backend.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: `direct ${i}` }),
        })
        await response.arrayBuffer()
        direct.push(performance.now() - t0)
      }
      const straight = median(direct)
      const line = suppliers.map((s) => {
        const through = median(s.timings.slice(RELAYS))
        return `${s.name} ${through.toFixed(2)} ms (overhead ${(through - straight).toFixed(2)} ms)`
      })
      return `median over ${TIMED_RELAYS} relays: ${line.join(', ')}; backend directly ${straight.toFixed(2)} ms`
    })

    const shared = await client.getParams({ module: 'shared' })
    const difficulty = await client.getRelayMiningDifficulty({
      serviceId: SERVICE_ID,
      height: session.sessionStartBlockHeight,
    })
    const expectedUpokt = getClaimedUpokt({
      computeUnits: BigInt(total) * COMPUTE_UNITS_PER_RELAY,
      target: difficulty.targetHash,
      computeUnitsToTokensMultiplier: shared.computeUnitsToTokensMultiplier,
      computeUnitCostGranularity: shared.computeUnitCostGranularity,
    })

    for (const s of suppliers) {
      await check(`${s.name} claims every relay; pocketd accepts the claim`, async () => {
        const claim = await poll(60_000, () =>
          client
            .getClaim({ sessionId: session.sessionId, supplierOperatorAddress: s.actor.address })
            .catch(() => undefined),
        )
        const count = getRootCount(claim.rootHash)
        const sum = getRootSum(claim.rootHash)
        if (count !== BigInt(total)) throw new Error(`claimed ${count} relays, sent ${total}`)
        if (sum !== BigInt(total) * COMPUTE_UNITS_PER_RELAY) {
          throw new Error(`claimed ${sum} compute units`)
        }
        return `${count} relays, ${sum} compute units`
      })
    }

    for (const s of suppliers) {
      await check(`${s.name} proves its claim; pocketd accepts the proof`, async () => {
        const found = await findProof(client, session, s.actor.address)
        return `height ${found.height}, ${found.numRelays} relays`
      })
    }

    for (const s of suppliers) {
      await check(
        `pocketd settles ${s.name}'s claim for the amount our formulas give`,
        async () => {
          const settlement = await poll(90_000, async () => {
            const settlements = await client.getClaimSettlements({
              fromHeight: session.sessionEndBlockHeight,
              serviceId: SERVICE_ID,
            })
            return settlements.find(
              (x) =>
                x.sessionEndBlockHeight === session.sessionEndBlockHeight &&
                x.supplierOperatorAddress === s.actor.address,
            )
          })
          if (settlement.status !== 'settled') {
            throw new Error(`the claim expired (${settlement.expirationReason})`)
          }
          if (settlement.proofRequirement !== ProofRequirementReason.THRESHOLD) {
            throw new Error(`proof requirement ${proofReasonName(settlement.proofRequirement)}`)
          }
          if (settlement.settledUpokt !== expectedUpokt) {
            throw new Error(`settled ${settlement.settledUpokt} upokt; expected ${expectedUpokt}`)
          }
          return `${settlement.numRelays} relays, ${settlement.settledUpokt} upokt, height ${settlement.height}`
        },
      )
    }

    await check('our supplier records the session as settled', async () => {
      const record = await poll(30_000, async () => {
        const r = ours?.getSession(session.sessionId)
        return r?.state === 'settled' ? r : undefined
      })
      return `state ${record.state}`
    })

    // Our gateway, in a later session: OpenAI requests in, relays to the suppliers out.
    const gatewayUp = await check(
      'our gateway starts (OpenAI API, open, websocket blocks)',
      async () => {
        ourGateway = await startGateway({
          listen: { port: 0 },
          chain: { rpcUrl: node.rpcUrl, pollingIntervalMs: 250 },
          gateway: { privateKey: Buffer.from(gateway.key).toString('hex') },
          models: [
            { name: 'echo', serviceId: SERVICE_ID, endpoints: ['chat'] },
            { name: 'echo-ours', serviceId: OURS_ONLY, endpoints: ['chat'] },
          ],
          discovery: { serviceCards: false },
          store: { path: ':memory:' },
          auth: { required: false },
          log: { level: 'warn' },
        })
        return ourGateway.baseUrl
      },
    )
    if (!gatewayUp || !ourGateway) return report()
    const gatewayUrl = ourGateway.baseUrl
    const ask = async (model: string, i: number) => {
      const response = await fetch(`${gatewayUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: `question ${i}` }] }),
      })
      const text = await response.text()
      if (response.status !== 200) throw new Error(`${model} ${i}: HTTP ${response.status} ${text}`)
      const answer = JSON.parse(text) as { choices?: { message?: { content?: string } }[] }
      if (answer.choices?.[0]?.message?.content !== 'echo') {
        throw new Error(`${model} ${i}: unexpected answer ${text.slice(0, 200)}`)
      }
    }
    const nextStart = session.sessionEndBlockHeight + 1n
    await client.waitForHeight({ height: nextStart, timeout: 60_000, pollingInterval: 100 })
    let oursOnly: SessionHeaderFields | undefined
    await check(
      `our gateway answers ${GATEWAY_REQUESTS} requests for a service only our supplier serves`,
      async () => {
        const found = await client.getSession({
          applicationAddress: app2.address,
          serviceId: OURS_ONLY,
        })
        oursOnly = found.header
        for (let i = 0; i < GATEWAY_REQUESTS; i++) await ask('echo-ours', i)
        const record = oursOnly && ours?.getSession(oursOnly.sessionId)
        if (!record || record.relaysServed < GATEWAY_REQUESTS) {
          throw new Error(`our supplier served ${record?.relaysServed ?? 0} relays in that session`)
        }
        return `session ${oursOnly?.sessionStartBlockHeight}-${oursOnly?.sessionEndBlockHeight}, ${record.relaysServed} relays served`
      },
    )
    await check(
      `our gateway answers ${GATEWAY_REQUESTS} requests for the service both suppliers serve`,
      async () => {
        for (let i = 0; i < GATEWAY_REQUESTS; i++) await ask('echo', i)
        // Which supplier answered how often, as the gateway's router saw it.
        const samples = (ourGateway?.router.snapshot() ?? [])
          .filter((x) => x.serviceId === SERVICE_ID)
          .map((x) => {
            const s = suppliers.find((y) => y.actor.address === x.supplier)
            return `${s?.name ?? x.supplier}: ${x.samples} (${x.state})`
          })
        return samples.join(', ')
      },
    )
    if (oursOnly) {
      const gatewaySession = oursOnly
      await check(
        "pocketd settles our supplier's claim for the gateway's relays (proof accepted)",
        async () => {
          const fromHeight = gatewaySession.sessionEndBlockHeight
          const settlement = await poll(90_000, async () => {
            if ((await client.getLatestHeight()) < fromHeight) return undefined
            const settlements = await client.getClaimSettlements({
              fromHeight,
              serviceId: OURS_ONLY,
            })
            return settlements.find((x) => x.supplierOperatorAddress === mine.address)
          })
          if (settlement.status !== 'settled') {
            throw new Error(`the claim expired (${settlement.expirationReason})`)
          }
          return `${settlement.numRelays} relays, ${settlement.settledUpokt} upokt, proof requirement ${proofReasonName(settlement.proofRequirement)}`
        },
      )
    }
  } finally {
    await ourGateway?.stop()
    await ours?.stop()
    await relayMiner?.stop()
    backend.close()
    await node.stop()
    rmSync(storage, { recursive: true, force: true })
  }
  return report()
}

runChecks(main)
