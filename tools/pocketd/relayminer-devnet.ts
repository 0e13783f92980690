// poktroll's own Go clients against the devnet's gRPC, with no bridge:
//
// 1. `pocketd query <module> …` with `--grpc-addr <devnet>` (and a dead `--node`, so gRPC is
//    the only way) for every module's params and list queries and the show queries: each must
//    succeed and print exactly what the same command prints over the devnet's CometBFT RPC.
// 2. poktroll's RelayMiner (`pocketd relayminer start`) with `query_node_grpc_url` pointing at
//    the devnet serves one supplier on two services; relays built and ring-signed by our SDK
//    for two applications must verify; the RelayMiner's claims and proofs must land on the
//    devnet and settle for the amounts our formulas give.
//
//   pnpm pocketd relayminer-devnet     (or: pnpm exec tsx tools/pocketd/relayminer-devnet.ts)
//
// Prints "N passed, M failed"; exits non-zero on any failure.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChainClient } from '../../packages/chain/src/index.js'
import { getPublicKey } from '../../packages/crypto/src/index.js'
import { startDevnet } from '../../packages/devnet/src/index.js'
import {
  fromBinary,
  POKTHTTPResponseSchema,
  ProofRequirementReason,
} from '../../packages/protocol/src/index.js'
import { getClaimedUpokt, getRootCount, getRootSum } from '../../packages/relay-mining/src/index.js'
import { verifyRelayResponse } from '../../packages/session/src/index.js'
import { createChecks, runChecks } from './lib/checks.mjs'
import {
  findProof,
  getRing,
  loadActor,
  poll,
  proofReasonName,
  type SessionHeaderFields,
  signJsonRelay,
  startBackend,
  startRelayMiner,
  waitForSessionWithSuppliers,
} from './lib/harness.js'
import { initPocketd, pocketd } from './localnet.mjs'

const SERVICES = ['devnet-grpc-a', 'devnet-grpc-b'] as const
// 25 relays of 100,000 compute units claim about 105 POKT, above the 20 POKT proof requirement
// threshold: the RelayMiner must prove each claim, whatever the proof request probability.
const COMPUTE_UNITS_PER_RELAY = 100_000n
const RELAYS_PER_SERVICE = 25
const POKT = 1_000_000n

async function main(): Promise<number> {
  const port = Number(process.env['DEVNET_GRPC_PORT'] ?? 27357)
  const binary = process.env['POCKETD_BINARY']
  if (!binary) throw new Error('POCKETD_BINARY is not set (run through `pnpm pocketd`)')
  const { check, report } = createChecks()

  // One-second blocks, as the interop check on pocketd: a session (4 blocks) holds the relays.
  const devnet = await startDevnet({
    port,
    grpcPort: port + 2,
    blockTimeMs: 1000,
    onError: (error) => console.error('[devnet]', error),
  })
  const grpcAddress = devnet.grpcAddress!
  // A pocketd home for its keyring (the TEST keys, as the devnet's) and the RelayMiner's files.
  const home = mkdtempSync(join(tmpdir(), 'decai-relayminer-devnet-'))
  const backend = await startBackend()
  let relayMiner: { stop(): Promise<void>; url: string } | undefined
  try {
    await initPocketd({ binary, home })
    const client = createChainClient({ rpcUrl: devnet.rpcUrl })
    const actor = (name: string) => loadActor(devnet, name)
    const [owner, gateway, supplier, appA, appB] = await Promise.all(
      ['owner', 'gateway', 'supplier1', 'application', 'user1'].map(actor),
    )
    if (!owner || !gateway || !supplier || !appA || !appB) throw new Error('missing actors')
    const apps = [appA, appB] as const
    const listenPorts = [port + 10, port + 20] as const

    const staked = await check(
      'two services, a gateway, two delegating applications, one supplier on both, staked with our SDK',
      async () => {
        for (const serviceId of SERVICES) {
          await owner.client.addService({
            id: serviceId,
            name: serviceId,
            computeUnitsPerRelay: COMPUTE_UNITS_PER_RELAY,
          })
        }
        await Promise.all([
          gateway.client.stakeGateway({ stake: 100n * POKT }),
          ...apps.map((app, i) =>
            app.client.stakeApplication({ stake: 100_000n * POKT, serviceIds: [SERVICES[i]!] }),
          ),
          supplier.client.stakeSupplier({
            stake: 1_000n * POKT,
            services: SERVICES.map((serviceId, i) => ({
              serviceId,
              endpoints: [{ url: `http://127.0.0.1:${listenPorts[i]}`, rpcType: 3 }],
            })),
          }),
        ])
        await Promise.all(
          apps.map((app) => app.client.delegateToGateway({ gatewayAddress: gateway.address })),
        )
        return undefined
      },
    )
    if (!staked) return report()

    await check(
      `pocketd's CLI queries every module over the devnet's gRPC (${grpcAddress}), as over its RPC`,
      async () => {
        // A height whose session has the supplier in it: staked a block ago, it joins at the
        // next session start, and before that the session query fails on both transports.
        const sessionHeight = await poll(60_000, async () => {
          const height = devnet.height
          const found = await client
            .getSession({ applicationAddress: appA.address, serviceId: SERVICES[0], height })
            .catch(() => undefined)
          return found?.suppliers.some((s) => s.operatorAddress === supplier.address)
            ? height
            : undefined
        })
        const queries = [
          ...['application', 'gateway', 'supplier', 'service', 'session', 'shared'].map((m) => [
            m,
            'params',
          ]),
          ['tokenomics', 'params'],
          ['proof', 'params'],
          ['migration', 'params'],
          ['auth', 'params'],
          ['bank', 'params'],
          ['application', 'list-application'],
          ['gateway', 'list-gateway'],
          ['supplier', 'list-suppliers'],
          ['service', 'all-services'],
          ['service', 'relay-mining-difficulty-all'],
          ['proof', 'list-claims'],
          ['proof', 'list-proofs'],
          ['auth', 'accounts'],
          ['bank', 'total'],
          ['bank', 'balances', supplier.address],
          ['application', 'show-application', appA.address],
          ['gateway', 'show-gateway', gateway.address],
          ['supplier', 'show-supplier', supplier.address],
          ['service', 'show-service', SERVICES[0]],
          // With its block height: the SDK's CLI sends `--height` over RPC but not over gRPC
          // (`client.Context.Invoke`), so "now" would be two different blocks.
          ['session', 'get-session', appA.address, SERVICES[0], String(sessionHeight)],
        ]
        const rpc = new URL(devnet.rpcUrl)
        const cli = (args: string[]) =>
          pocketd(binary, home, ['query', ...args, '--output', 'json']).then((r) => r.stdout)
        // A height both answers are for.
        const height = String(devnet.height)
        for (const query of queries) {
          const args = query.map(String)
          const viaGrpc = await cli([
            ...args,
            '--grpc-addr',
            grpcAddress,
            '--grpc-insecure',
            '--node',
            'tcp://127.0.0.1:1',
            '--height',
            height,
          ]).catch((error: unknown) => {
            throw new Error(`${args.join(' ')} over gRPC: ${String(error)}`)
          })
          const viaRpc = await cli([...args, '--node', `tcp://${rpc.host}`, '--height', height])
          if (JSON.stringify(JSON.parse(viaGrpc)) !== JSON.stringify(JSON.parse(viaRpc)))
            throw new Error(`${args.join(' ')}: gRPC printed ${viaGrpc}, RPC printed ${viaRpc}`)
        }
        return `${queries.length} queries`
      },
    )

    const started = await check(
      "poktroll's RelayMiner starts against the devnet's gRPC, for two services",
      async () => {
        relayMiner = await startRelayMiner(
          { binary, home, rpcUrl: devnet.rpcUrl, grpcUrl: grpcAddress },
          {
            supplierKey: 'supplier1',
            backendUrl: backend.url,
            services: SERVICES.map((serviceId, i) => ({ serviceId, listenPort: listenPorts[i]! })),
          },
        )
        return `${SERVICES.map((_, i) => `http://127.0.0.1:${listenPorts[i]}`).join(', ')}; gRPC ${grpcAddress}`
      },
    )
    if (!started) return report()

    // The first session of each application that includes the supplier, caught at its start.
    const sessions: SessionHeaderFields[] = []
    await check('a session starts with the supplier in it, for each application', async () => {
      const first = await waitForSessionWithSuppliers(client, {
        applicationAddress: appA.address,
        serviceId: SERVICES[0],
        supplierAddresses: [supplier.address],
      })
      const second = await client.getSession({
        applicationAddress: appB.address,
        serviceId: SERVICES[1],
        height: first.sessionStartBlockHeight,
      })
      if (!second.suppliers.some((s) => s.operatorAddress === supplier.address))
        throw new Error(`the supplier is not in ${SERVICES[1]}'s session`)
      sessions.push(first, second.header!)
      return `session ${first.sessionStartBlockHeight}-${first.sessionEndBlockHeight}`
    })
    if (sessions.length !== 2) return report()

    const supplierPublicKey = getPublicKey(supplier.key)
    await check(
      `${2 * RELAYS_PER_SERVICE} relays on two services, ring-signed by the gateway, answered and signed by the RelayMiner`,
      async () => {
        for (const [s, session] of sessions.entries()) {
          const ring = await getRing(
            client,
            session.applicationAddress,
            session.sessionEndBlockHeight,
          )
          for (let i = 0; i < RELAYS_PER_SERVICE; i++) {
            const body = signJsonRelay({
              session,
              supplier: supplier.address,
              signer: gateway.key,
              ring,
              url: `/v1/chat/completions?n=${s}-${i}`,
              body: { prompt: `relay ${i}` },
            })
            const response = await fetch(`http://127.0.0.1:${listenPorts[s]}`, {
              method: 'POST',
              body: new Uint8Array(body),
            })
            const bytes = new Uint8Array(await response.arrayBuffer())
            if (response.status !== 200)
              throw new Error(
                `${session.serviceId} relay ${i}: HTTP ${response.status}: ${new TextDecoder().decode(bytes)}`,
              )
            const verified = verifyRelayResponse(bytes, {
              sessionHeader: session,
              supplierOperatorAddress: supplier.address,
              supplierPublicKey,
            })
            if (!verified.ok) throw new Error(`relay ${i}: ${verified.error.message}`)
            const http = fromBinary(POKTHTTPResponseSchema, verified.response.payload)
            const echo = JSON.parse(new TextDecoder().decode(http.bodyBz))
            if (echo.url !== `/v1/chat/completions?n=${s}-${i}`)
              throw new Error(`${session.serviceId} relay ${i}: the backend saw ${echo.url}`)
          }
        }
        const latest = await client.getLatestHeight()
        const session = sessions[0]!
        if (latest > session.sessionEndBlockHeight + 1n)
          throw new Error(`relays took until height ${latest}, past the session's grace period`)
        return undefined
      },
    )

    const shared = await client.getParams({ module: 'shared' })
    // Claims first, for both services: settlement deletes them a few blocks later.
    const expected = new Map<string, bigint>()
    for (const session of sessions) {
      const { serviceId } = session
      const difficulty = await client.getRelayMiningDifficulty({
        serviceId,
        height: session.sessionStartBlockHeight,
      })
      const relays = BigInt(RELAYS_PER_SERVICE)
      const expectedUpokt = getClaimedUpokt({
        computeUnits: relays * COMPUTE_UNITS_PER_RELAY,
        target: difficulty.targetHash,
        computeUnitsToTokensMultiplier: shared.computeUnitsToTokensMultiplier,
        computeUnitCostGranularity: shared.computeUnitCostGranularity,
      })
      expected.set(serviceId, expectedUpokt)
    }
    for (const session of sessions) {
      const { serviceId } = session
      const relays = BigInt(RELAYS_PER_SERVICE)
      await check(`${serviceId}: the RelayMiner's claim lands on the devnet`, async () => {
        const claim = await poll(60_000, () =>
          client
            .getClaim({ sessionId: session.sessionId, supplierOperatorAddress: supplier.address })
            .catch(() => undefined),
        )
        const count = getRootCount(claim.rootHash)
        const sum = getRootSum(claim.rootHash)
        if (count !== relays) throw new Error(`claimed ${count} relays, sent ${relays}`)
        if (sum !== relays * COMPUTE_UNITS_PER_RELAY)
          throw new Error(`claimed ${sum} compute units`)
        return `${count} relays, ${sum} compute units`
      })
    }
    for (const session of sessions) {
      const { serviceId } = session
      await check(`${serviceId}: the RelayMiner's proof lands on the devnet`, async () => {
        const found = await findProof(client, session, supplier.address)
        return `height ${found.height}, ${found.numRelays} relays`
      })
    }
    for (const session of sessions) {
      const { serviceId } = session
      const expectedUpokt = expected.get(serviceId)!
      await check(
        `${serviceId}: the devnet settles the claim for what our formulas give`,
        async () => {
          const settlement = await poll(90_000, async () => {
            const settlements = await client.getClaimSettlements({
              fromHeight: session.sessionEndBlockHeight,
              serviceId,
            })
            return settlements.find((s) => s.sessionId === session.sessionId)
          })
          if (settlement.status !== 'settled')
            throw new Error(`the claim expired (${settlement.expirationReason})`)
          if (settlement.proofRequirement !== ProofRequirementReason.THRESHOLD)
            throw new Error(`proof requirement ${proofReasonName(settlement.proofRequirement)}`)
          if (settlement.settledUpokt !== expectedUpokt)
            throw new Error(`settled ${settlement.settledUpokt} upokt; expected ${expectedUpokt}`)
          return `${settlement.numRelays} relays, ${settlement.settledUpokt} upokt, proof requirement THRESHOLD, height ${settlement.height}`
        },
      )
    }
  } finally {
    await relayMiner?.stop()
    backend.close()
    await devnet.stop()
    rmSync(home, { recursive: true, force: true })
  }
  return report()
}

runChecks(main)
