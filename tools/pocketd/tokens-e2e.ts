// Token metering on pocketd (docs/tokenomics.md): our supplier serves a service with token
// metering, so it mines one relay per token quantum of each answer. Every leaf of its claims is
// then a "quantum relay": the application's ring-signed request with a supplier-signed quantum
// record as the response, many leaves sharing one request. Two applications in one session get
// short and long answers; pocketd must accept both claims and both proofs (whichever leaf is
// the closest, it is a quantum), and settle each for the amount relay mining gives for its
// quanta, so the long/short settlement ratio is the quanta ratio.
//
//   pnpm pocketd tokens         (or: pnpm exec tsx tools/pocketd/tokens-e2e.ts)
//
// Prints "N passed, M failed"; exits non-zero on any failure.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Supplier, startSupplier } from '../../apps/supplier/src/index.js'
import { createChainClient } from '../../packages/chain/src/index.js'
import { getPublicKey } from '../../packages/crypto/src/index.js'
import { ProofRequirementReason } from '../../packages/protocol/src/index.js'
import { getClaimedUpokt, getRootCount, getRootSum } from '../../packages/relay-mining/src/index.js'
import {
  buildRelayRequest,
  countQuanta,
  createClaimAuditLedger,
  createPoktHttpRequest,
  fetchRelayQuanta,
  getWorstCaseQuanta,
  serializeRelayRequest,
  signRelayRequest,
  type TokenMetering,
  verifyRelayResponse,
} from '../../packages/session/src/index.js'
import { createChecks, runChecks } from './lib/checks.mjs'
import {
  getRing,
  loadActor,
  poll,
  proofReasonName,
  type SessionHeaderFields,
  waitForSessionWithSuppliers,
} from './lib/harness.js'
import { startPocketd } from './localnet.mjs'

const SERVICE_ID = 'tokens'
const COMPUTE_UNITS_PER_RELAY = 1_000n
const POKT = 1_000_000n
/** One relay per 100 weighted tokens; a completion token weighs four prompt tokens. */
const METERING: TokenMetering = { quantum: 100, inputWeight: 1, outputWeight: 4 }
const PROMPT_TOKENS = 20
const SHORT = { completionTokens: 5, requests: 3 }
const LONG = { completionTokens: 2_000, requests: 3 }

/** An OpenAI-shaped backend whose `usage` reports the completion length the request asks for. */
async function startTokenBackend(): Promise<{ url: string; close(): void }> {
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const { completionTokens } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      completionTokens: number
    }
    response.setHeader('content-type', 'application/json')
    response.end(
      JSON.stringify({
        id: 'chatcmpl-tokens',
        object: 'chat.completion',
        model: 'tokens',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'x'.repeat(completionTokens) },
            finish_reason: 'stop',
          },
        ],
        usage: {
          prompt_tokens: PROMPT_TOKENS,
          completion_tokens: completionTokens,
          total_tokens: PROMPT_TOKENS + completionTokens,
        },
      }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('no backend address')
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() }
}

async function main(): Promise<number> {
  const port = Number(process.env['POCKETD_TOKENS_PORT'] ?? 27157)
  const { check, report } = createChecks()

  // Every claim must be proven (threshold 1 uPOKT), so the proof of each is checked by pocketd.
  const node = await startPocketd({
    port,
    blockTime: '1s',
    params: { proof: { proof_requirement_threshold: { denom: 'upokt', amount: '1' } } },
  })
  const backend = await startTokenBackend()
  const storage = mkdtempSync(join(tmpdir(), 'decai-tokens-e2e-'))
  let ours: Supplier | undefined
  try {
    const client = createChainClient({ rpcUrl: node.rpcUrl })
    const actor = (name: string) => loadActor(node, name)
    const [owner, shortApp, longApp, supplier] = await Promise.all(
      ['owner', 'application', 'user1', 'supplier2'].map(actor),
    )
    if (!owner || !shortApp || !longApp || !supplier) throw new Error('missing accounts')
    const supplierPort = port + 20

    const staked = await check(
      'a service, two applications and our supplier staked with our SDK',
      async () => {
        await owner.client.addService({
          id: SERVICE_ID,
          name: 'Token metering',
          computeUnitsPerRelay: COMPUTE_UNITS_PER_RELAY,
        })
        await Promise.all([
          ...[shortApp, longApp].map((a) =>
            a.client.stakeApplication({ stake: 100_000n * POKT, serviceIds: [SERVICE_ID] }),
          ),
          supplier.client.stakeSupplier({
            stake: 1_000n * POKT,
            services: [
              {
                serviceId: SERVICE_ID,
                endpoints: [{ url: `http://127.0.0.1:${supplierPort}`, rpcType: 3 }],
              },
            ],
          }),
        ])
        return undefined
      },
    )
    if (!staked) return report()

    const started = await check('our supplier starts with token metering on', async () => {
      ours = await startSupplier({
        operator: { privateKey: Buffer.from(supplier.key).toString('hex') },
        chain: { rpcUrl: node.rpcUrl, gasPrice: '0upokt', pollingInterval: '250ms' },
        listenAddress: `127.0.0.1:${supplierPort}`,
        metricsAddress: false,
        storage: { dir: storage },
        services: [
          { id: SERVICE_ID, backendUrl: backend.url, timeout: '30s', tokenMetering: METERING },
        ],
        log: { level: 'warn' },
      })
      return ours.url
    })
    if (!started || !ours) return report()
    const url = ours.url

    const sessions = new Map<string, SessionHeaderFields>()
    await check('a session starts with our supplier in it for both applications', async () => {
      const first = await waitForSessionWithSuppliers(client, {
        applicationAddress: shortApp.address,
        serviceId: SERVICE_ID,
        supplierAddresses: [supplier.address],
      })
      sessions.set(shortApp.address, first)
      const second = await client.getSession({
        applicationAddress: longApp.address,
        serviceId: SERVICE_ID,
        height: first.sessionStartBlockHeight,
      })
      if (!second.header) throw new Error('no session for the second application')
      sessions.set(longApp.address, second.header)
      return `session ${first.sessionStartBlockHeight}-${first.sessionEndBlockHeight}`
    })
    if (sessions.size !== 2) return report()

    const plan = [
      { app: shortApp, ...SHORT, name: 'short' },
      { app: longApp, ...LONG, name: 'long' },
    ]
    const quantaPerAnswer = (completionTokens: number) =>
      countQuanta({ promptTokens: PROMPT_TOKENS, completionTokens }, METERING)
    // The claim audit's ledger: verified quanta per supplier × application × session.
    const audit = createClaimAuditLedger()
    const auditKey = (application: string, sessionId: string) => ({
      supplier: supplier.address,
      application,
      sessionId,
    })
    await check(
      'short and long answers served; every answer and its signed quanta verified',
      async () => {
        for (const p of plan) {
          const header = sessions.get(p.app.address)!
          const ring = await getRing(client, p.app.address, header.sessionEndBlockHeight)
          for (let i = 0; i < p.requests; i++) {
            const signed = signRelayRequest(
              buildRelayRequest({
                sessionHeader: header,
                supplierOperatorAddress: supplier.address,
                payload: createPoktHttpRequest({
                  method: 'POST',
                  url: '/v1/chat/completions',
                  headers: { 'content-type': 'application/json' },
                  // max_tokens bounds the worst case the supplier's rate limit reserves;
                  // seq makes each request distinct.
                  body: JSON.stringify({
                    completionTokens: p.completionTokens,
                    max_tokens: p.completionTokens,
                    seq: i,
                  }),
                }),
              }),
              { signer: p.app.key, ring },
            )
            const request = serializeRelayRequest(signed)
            const response = await fetch(url, { method: 'POST', body: new Uint8Array(request) })
            const verified = verifyRelayResponse(new Uint8Array(await response.arrayBuffer()), {
              sessionHeader: header,
              supplierOperatorAddress: supplier.address,
              supplierPublicKey: getPublicKey(supplier.key),
            })
            if (!verified.ok) throw new Error(`${p.name} ${i}: ${verified.error.message}`)
            // The client fetches the answer's signed quanta, checks every one and counts them
            // for the claim audit, as the gateway and the watcher do.
            const quanta = await fetchRelayQuanta({
              url,
              request: signed,
              answerHash: verified.response.payloadHash,
              worstCase: getWorstCaseQuanta(
                { promptTokens: PROMPT_TOKENS, maxTokens: p.completionTokens },
                METERING,
              ),
              sessionHeader: header,
              supplierOperatorAddress: supplier.address,
              supplierPublicKey: getPublicKey(supplier.key),
            })
            if (!quanta.ok) throw new Error(`${p.name} ${i} quanta: ${quanta.error.message}`)
            if (quanta.count !== quantaPerAnswer(p.completionTokens))
              throw new Error(`${p.name} ${i}: ${quanta.count} quanta`)
            audit.recordRelay(auditKey(p.app.address, header.sessionId), quanta.count)
          }
        }
        const latest = await client.getLatestHeight()
        const end = sessions.get(shortApp.address)!.sessionEndBlockHeight
        if (latest > end + 1n) throw new Error(`relays took until ${latest}, past the grace period`)
        return plan
          .map((p) => `${p.name}: ${p.requests} × ${quantaPerAnswer(p.completionTokens)} quanta`)
          .join(', ')
      },
    )

    const shared = await client.getParams({ module: 'shared' })
    const settledBy = new Map<string, bigint>()
    for (const p of plan) {
      const header = sessions.get(p.app.address)!
      const quanta = BigInt(p.requests * quantaPerAnswer(p.completionTokens))
      await check(
        `pocketd accepts the ${p.name} answers' claim: one leaf per quantum`,
        async () => {
          const claim = await poll(60_000, () =>
            client
              .getClaim({ sessionId: header.sessionId, supplierOperatorAddress: supplier.address })
              .catch(() => undefined),
          )
          const count = getRootCount(claim.rootHash)
          const sum = getRootSum(claim.rootHash)
          if (count !== quanta) throw new Error(`claimed ${count} relays, expected ${quanta}`)
          if (sum !== quanta * COMPUTE_UNITS_PER_RELAY) throw new Error(`claimed ${sum} CU`)
          return `${count} relays, ${sum} compute units`
        },
      )
    }
    // Settlement deletes claims: both are read before either settles.
    for (const p of plan) {
      const header = sessions.get(p.app.address)!
      const quanta = BigInt(p.requests * quantaPerAnswer(p.completionTokens))
      await check(
        `pocketd accepts the proof (a quantum leaf) and settles the ${p.name} claim for its quanta`,
        async () => {
          const difficulty = await client.getRelayMiningDifficulty({
            serviceId: SERVICE_ID,
            height: header.sessionStartBlockHeight,
          })
          const expected = getClaimedUpokt({
            computeUnits: quanta * COMPUTE_UNITS_PER_RELAY,
            target: difficulty.targetHash,
            computeUnitsToTokensMultiplier: shared.computeUnitsToTokensMultiplier,
            computeUnitCostGranularity: shared.computeUnitCostGranularity,
          })
          const settlement = await poll(120_000, async () => {
            const all = await client.getClaimSettlements({
              fromHeight: header.sessionEndBlockHeight,
              serviceId: SERVICE_ID,
            })
            return all.find(
              (x) =>
                x.sessionEndBlockHeight === header.sessionEndBlockHeight &&
                x.applicationAddress === p.app.address &&
                x.supplierOperatorAddress === supplier.address,
            )
          })
          if (settlement.status !== 'settled')
            throw new Error(`the claim expired (${settlement.expirationReason})`)
          if (settlement.proofRequirement !== ProofRequirementReason.THRESHOLD)
            throw new Error(`proof requirement ${proofReasonName(settlement.proofRequirement)}`)
          if (settlement.numRelays !== quanta)
            throw new Error(`settled ${settlement.numRelays} relays, expected ${quanta}`)
          if (settlement.settledUpokt !== expected)
            throw new Error(`settled ${settlement.settledUpokt} upokt; expected ${expected}`)
          // The audit of the settled claim against the quanta fetched and verified.
          const verdict = audit.audit({
            ...auditKey(p.app.address, header.sessionId),
            numRelays: settlement.numRelays,
            target: difficulty.targetHash,
          })
          if (verdict.overClaimed || verdict.delivered !== Number(quanta))
            throw new Error(`audit: ${verdict.claimedRelays} claimed of ${verdict.delivered}`)
          settledBy.set(p.name, settlement.settledUpokt)
          return `${settlement.numRelays} relays (audited: ${verdict.delivered} quanta verified, not over-claimed), ${settlement.numEstimatedComputeUnits} estimated CU, ${settlement.settledUpokt} upokt (CUTTM ${shared.computeUnitsToTokensMultiplier}/${shared.computeUnitCostGranularity})`
        },
      )
    }

    await check('the long/short settlement ratio is the quanta ratio', async () => {
      const short = settledBy.get('short')
      const long = settledBy.get('long')
      if (short === undefined || long === undefined) throw new Error('a claim did not settle')
      const quantaRatio =
        (LONG.requests * quantaPerAnswer(LONG.completionTokens)) /
        (SHORT.requests * quantaPerAnswer(SHORT.completionTokens))
      // Exact: both settle the same per-relay amount (same difficulty, same params).
      if (
        long * BigInt(SHORT.requests * quantaPerAnswer(SHORT.completionTokens)) !==
        short * BigInt(LONG.requests * quantaPerAnswer(LONG.completionTokens))
      )
        throw new Error(`long ${long} / short ${short} is not ${quantaRatio}`)
      return `long ${long} upokt / short ${short} upokt = ${Number(long) / Number(short)}; per-request pricing would give 1`
    })
  } finally {
    await ours?.stop()
    backend.close()
    await node.stop()
    rmSync(storage, { recursive: true, force: true })
  }
  return report()
}

runChecks(main)
