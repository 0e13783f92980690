// Interop with poktroll's own RelayMiner on pocketd: relays built and ring-signed by our SDK
// (@decai/session, @decai/crypto) go to `pocketd relayminer start`; its signed responses must
// verify with our code, and the claim and proof it submits must be accepted and settled by
// pocketd for the amount our formulas give. Also times the RelayMiner's overhead per relay.
//
//   pnpm pocketd interop            (or: pnpm exec tsx tools/pocketd/relayminer-interop.ts)
//
// Prints "N passed, M failed"; exits non-zero on any failure.
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

const SERVICE_ID = 'interop'
// Ten relays of 100,000 compute units claim 42 POKT, above the 20 POKT proof requirement
// threshold: the RelayMiner must submit a proof, whatever the proof request probability.
const COMPUTE_UNITS_PER_RELAY = 100_000n
const RELAYS = 10
const TIMED_RELAYS = 40
const POKT = 1_000_000n

async function main(): Promise<number> {
  const port = Number(process.env['POCKETD_INTEROP_PORT'] ?? 26957)
  const { check, report } = createChecks()

  // One-second blocks: a session (4 blocks) must hold the timed relays too.
  const node = await startPocketd({ port, blockTime: '1s' })
  const backend = await startBackend()
  let relayMiner: { stop(): Promise<void>; url: string } | undefined
  try {
    const client = createChainClient({ rpcUrl: node.rpcUrl })
    const actor = (name: string) => loadActor(node, name)
    const [owner, app, gateway, supplier] = (await Promise.all(
      ['owner', 'application', 'gateway', 'supplier1'].map(actor),
    )) as [Actor, Actor, Actor, Actor]
    const relayMinerPort = port + 10

    const staked = await check(
      'service, gateway, application (delegating), supplier staked with our SDK',
      async () => {
        await owner.client.addService({
          id: SERVICE_ID,
          name: 'Interop',
          computeUnitsPerRelay: COMPUTE_UNITS_PER_RELAY,
        })
        await Promise.all([
          gateway.client.stakeGateway({ stake: 100n * POKT }),
          app.client.stakeApplication({ stake: 100_000n * POKT, serviceIds: [SERVICE_ID] }),
          supplier.client.stakeSupplier({
            stake: 1_000n * POKT,
            services: [
              {
                serviceId: SERVICE_ID,
                endpoints: [{ url: `http://127.0.0.1:${relayMinerPort}`, rpcType: 3 }],
              },
            ],
          }),
        ])
        await app.client.delegateToGateway({ gatewayAddress: gateway.address })
        return undefined
      },
    )
    if (!staked) return report()

    const started = await check("poktroll's RelayMiner starts for the supplier", async () => {
      relayMiner = await startRelayMiner(node, {
        supplierKey: 'supplier1',
        serviceId: SERVICE_ID,
        listenPort: relayMinerPort,
        backendUrl: backend.url,
      })
      return relayMiner.url
    })
    if (!started || !relayMiner) return report()
    const relayMinerUrl = relayMiner.url

    // The first session that includes the supplier, caught at its start so all relays fit.
    let header: SessionHeaderFields | undefined
    await check('a session starts with the supplier in it', async () => {
      header = await waitForSessionWithSuppliers(client, {
        applicationAddress: app.address,
        serviceId: SERVICE_ID,
        supplierAddresses: [supplier.address],
      })
      return `session ${header.sessionStartBlockHeight}-${header.sessionEndBlockHeight}`
    })
    if (!header) return report()
    const session = header

    const ring = await getRing(client, app.address, session.sessionEndBlockHeight)
    const supplierPublicKey = getPublicKey(supplier.key)
    const relay = (i: number) =>
      signJsonRelay({
        session,
        supplier: supplier.address,
        signer: gateway.key,
        ring,
        url: `/v1/chat/completions?n=${i}`,
        headers: { 'x-decai-relay': [`${i}`, 'second'] },
        body: { prompt: `relay ${i}` },
      })

    const timings: number[] = []
    await check(
      `${RELAYS + TIMED_RELAYS} relays ring-signed by the gateway, answered and signed by the RelayMiner`,
      async () => {
        const requests = Array.from({ length: RELAYS + TIMED_RELAYS }, (_, i) => relay(i))
        for (const [i, body] of requests.entries()) {
          const t0 = performance.now()
          // fetch wants an ArrayBuffer-backed view.
          const response = await fetch(relayMinerUrl, {
            method: 'POST',
            body: new Uint8Array(body),
          })
          const bytes = new Uint8Array(await response.arrayBuffer())
          timings.push(performance.now() - t0)
          if (response.status !== 200)
            throw new Error(
              `relay ${i}: HTTP ${response.status}: ${new TextDecoder().decode(bytes)}`,
            )
          const verified = verifyRelayResponse(bytes, {
            sessionHeader: session,
            supplierOperatorAddress: supplier.address,
            supplierPublicKey,
          })
          if (!verified.ok) throw new Error(`relay ${i}: ${verified.error.message}`)
          // The backend echoes what it received: the RelayMiner decoded our POKTHTTPRequest (the
          // shannon-sdk stand-in) and re-encoded the backend's POKTHTTPResponse.
          const http = fromBinary(POKTHTTPResponseSchema, verified.response.payload)
          const echo = JSON.parse(new TextDecoder().decode(http.bodyBz))
          if (http.statusCode !== 200)
            throw new Error(`relay ${i}: backend status ${http.statusCode}`)
          if (echo.url !== `/v1/chat/completions?n=${i}`)
            throw new Error(`relay ${i}: backend saw ${echo.url}`)
          if (echo.body !== JSON.stringify({ prompt: `relay ${i}` }))
            throw new Error(`relay ${i}: body ${echo.body}`)
          if (JSON.stringify(echo.relayHeader) !== JSON.stringify([`${i}`, 'second'])) {
            throw new Error(`relay ${i}: headers ${JSON.stringify(echo.relayHeader)}`)
          }
          if (http.header['X-Decai-Backend']?.values[0] !== 'yes')
            throw new Error(`relay ${i}: response headers lost`)
        }
        const latest = await client.getLatestHeight()
        if (latest > session.sessionEndBlockHeight + 1n) {
          throw new Error(`relays took until height ${latest}, past the session's grace period`)
        }
        return undefined
      },
    )

    await check('overhead of the RelayMiner per relay (benchmark)', async () => {
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
      const through = median(timings.slice(RELAYS))
      const straight = median(direct)
      return `median ${through.toFixed(2)} ms through the RelayMiner, ${straight.toFixed(2)} ms to the backend directly: overhead ${(through - straight).toFixed(2)} ms`
    })

    const shared = await client.getParams({ module: 'shared' })
    const difficulty = await client.getRelayMiningDifficulty({
      serviceId: SERVICE_ID,
      height: session.sessionStartBlockHeight,
    })
    const totalRelays = BigInt(RELAYS + TIMED_RELAYS)
    const expectedUpokt = getClaimedUpokt({
      computeUnits: totalRelays * COMPUTE_UNITS_PER_RELAY,
      target: difficulty.targetHash,
      computeUnitsToTokensMultiplier: shared.computeUnitsToTokensMultiplier,
      computeUnitCostGranularity: shared.computeUnitCostGranularity,
    })

    await check('the RelayMiner claims every relay; pocketd accepts the claim', async () => {
      const claim = await poll(60_000, () =>
        client
          .getClaim({ sessionId: session.sessionId, supplierOperatorAddress: supplier.address })
          .catch(() => undefined),
      )
      const count = getRootCount(claim.rootHash)
      const sum = getRootSum(claim.rootHash)
      if (count !== totalRelays) throw new Error(`claimed ${count} relays, sent ${totalRelays}`)
      if (sum !== totalRelays * COMPUTE_UNITS_PER_RELAY)
        throw new Error(`claimed ${sum} compute units`)
      return `${count} relays, ${sum} compute units`
    })

    await check('the RelayMiner proves the claim; pocketd accepts the proof', async () => {
      const found = await findProof(client, session, supplier.address)
      return `height ${found.height}, ${found.numRelays} relays`
    })

    await check('pocketd settles the claim for the amount our formulas give', async () => {
      const fromHeight = session.sessionEndBlockHeight
      const settlement = await poll(90_000, async () => {
        const settlements = await client.getClaimSettlements({ fromHeight, serviceId: SERVICE_ID })
        return settlements.find((s) => s.sessionId === session.sessionId)
      })
      const expiredSettlement = settlement.status !== 'settled'
      if (expiredSettlement) throw new Error(`the claim expired (${settlement.expirationReason})`)
      if (settlement.proofRequirement !== ProofRequirementReason.THRESHOLD) {
        throw new Error(
          `proof requirement ${proofReasonName(settlement.proofRequirement)}, expected THRESHOLD`,
        )
      }
      if (settlement.claimedUpokt !== expectedUpokt || settlement.settledUpokt !== expectedUpokt) {
        throw new Error(
          `claimed ${settlement.claimedUpokt}, settled ${settlement.settledUpokt} upokt; expected ${expectedUpokt}`,
        )
      }
      return `${settlement.numRelays} relays, ${settlement.settledUpokt} upokt, proof requirement ${proofReasonName(settlement.proofRequirement)}, height ${settlement.height}`
    })
  } finally {
    await relayMiner?.stop()
    backend.close()
    await node.stop()
  }
  return report()
}

runChecks(main)
