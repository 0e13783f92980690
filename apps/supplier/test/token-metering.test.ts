// Token metering end to end on the devnet (docs/tokenomics.md): a service that opts in gets one
// mined relay per token quantum of each answer, buffered or streamed; the claims count the
// quanta, the proofs (over quantum leaves) are accepted, and the settlements follow the quanta.
// A service that does not opt in keeps one relay per request.
import { createServer, type IncomingMessage } from 'node:http'
import type { Logger } from '@decai/app-kit/logger'
import { createPrivateKeySigner, createSigningChainClient } from '@decai/chain'
import type { Devnet } from '@decai/devnet'
import { getRootCount } from '@decai/relay-mining'
import {
  countQuanta,
  decodeRelayQuanta,
  getRelayRequestHash,
  getWorstCaseQuanta,
  readServiceCardMetering,
  type TokenMetering,
  verifyRelayQuanta,
} from '@decai/session'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QUANTA_CONTENT_TYPE, type Supplier, startSupplier } from '../src/index.js'
import { checkTokenMetering } from '../src/supplier.js'
import { AppClient, account, driveUntil, startChain, supplierConfig } from './helpers.js'

const METERING: TokenMetering = { quantum: 100, inputWeight: 1, outputWeight: 4 }
const PROMPT_TOKENS = 20
const usageOf = (completionTokens: number) => ({
  prompt_tokens: PROMPT_TOKENS,
  completion_tokens: completionTokens,
  total_tokens: PROMPT_TOKENS + completionTokens,
})

/** An OpenAI-shaped backend reporting the completion length each request asks for. */
async function startTokenBackend() {
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      completionTokens: number
      stream?: boolean
    }
    if (body.stream) {
      response.setHeader('content-type', 'text/event-stream')
      response.write(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'x' } }] })}\n\n`,
      )
      response.write(
        `data: ${JSON.stringify({ choices: [], usage: usageOf(body.completionTokens) })}\n\n`,
      )
      response.end('data: [DONE]\n\n')
      return
    }
    response.setHeader('content-type', 'application/json')
    response.end(
      JSON.stringify({
        choices: [
          { index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'stop' },
        ],
        usage: usageOf(body.completionTokens),
      }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() }
}

let devnet: Devnet
let backend: Awaited<ReturnType<typeof startTokenBackend>>
let supplier: Supplier
let longApp: AppClient
let shortApp: AppClient

beforeAll(async () => {
  ;[devnet, backend] = await Promise.all([
    // Two claims and two proofs from one supplier in the same windows: wider windows than the
    // devnet's default 3 blocks, so a loaded machine still gets both proofs in.
    startChain({
      params: {
        shared: {
          numBlocksPerSession: '4',
          gracePeriodEndOffsetBlocks: '1',
          claimWindowOpenOffsetBlocks: '1',
          claimWindowCloseOffsetBlocks: '4',
          proofWindowOpenOffsetBlocks: '0',
          proofWindowCloseOffsetBlocks: '4',
          supplierUnbondingPeriodSessions: '3',
          applicationUnbondingPeriodSessions: '3',
        },
      },
    }),
    startTokenBackend(),
  ])
  await devnet.produceBlock()
  supplier = await startSupplier(
    supplierConfig(devnet, backend.url, { service: { tokenMetering: METERING } }),
  )
  const client = (name: string) =>
    new AppClient(devnet, account(devnet, name), supplier.operatorAddress, supplier.publicKey)
  longApp = client('application')
  shortApp = client('user2')
})

afterAll(async () => {
  await supplier?.stop()
  backend?.close()
  await devnet?.stop()
})

const ask = async (app: AppClient, completionTokens: number, stream = false) => {
  const request = await app.signRelay({
    path: '/v1/chat/completions',
    // max_tokens bounds the worst case the rate limit reserves up front.
    body: { completionTokens, max_tokens: completionTokens, ...(stream ? { stream: true } : {}) },
  })
  if (stream) {
    const result = await app.stream(supplier.url, request)
    expect(result.streamed && result.error === undefined && result.relay).toBeTruthy()
    return
  }
  const result = await app.send(supplier.url, request)
  if (!result.ok) throw new Error(result.minerError.message)
  return { request, answerHash: result.response.payloadHash }
}

describe('token metering', () => {
  it('mines one relay per quantum, claims and settles in proportion to the tokens', async () => {
    const quanta = (completionTokens: number) =>
      countQuanta({ promptTokens: PROMPT_TOKENS, completionTokens }, METERING)
    // Long: two buffered answers and one streamed, 2,000 tokens each (81 quanta each).
    const first = await ask(longApp, 2_000)
    await ask(longApp, 2_000)
    await ask(longApp, 2_000, true)

    // The client fetches the signed quanta of its answer and verifies every one.
    const hash = Buffer.from(getRelayRequestHash(first!.request)).toString('hex')
    const fetched = await fetch(`${supplier.url}/quanta/${hash}`)
    expect(fetched.headers.get('content-type')).toBe(QUANTA_CONTENT_TYPE)
    const verified = verifyRelayQuanta(
      decodeRelayQuanta(new Uint8Array(await fetched.arrayBuffer())),
      {
        request: first!.request,
        answerHash: first!.answerHash,
        worstCase: getWorstCaseQuanta({ promptTokens: PROMPT_TOKENS, maxTokens: 2_000 }, METERING),
        sessionHeader: first!.request.meta!.sessionHeader!,
        supplierOperatorAddress: supplier.operatorAddress,
        supplierPublicKey: supplier.publicKey,
      },
    )
    expect(verified.ok && verified.count).toBe(81)
    expect((await fetch(`${supplier.url}/quanta/${'0'.repeat(64)}`)).status).toBe(404)
    // Short: three 5-token answers (1 quantum each).
    for (let i = 0; i < 3; i++) await ask(shortApp, 5)
    const expected = { long: 3 * quanta(2_000), short: 3 * quanta(5) }
    expect(expected).toEqual({ long: 243, short: 3 })

    const shared = await longApp.client.getParams({ module: 'shared' })
    expect(shared.proofWindowCloseOffsetBlocks).toBe(4n)
    const long = await longApp.session()
    const short = await shortApp.session()
    expect(supplier.getSession(long.sessionId)?.relaysServed).toBe(3)
    const terminal = new Set(['settled', 'expired', 'failed'])
    await driveUntil(
      devnet,
      () => [long, short].every((h) => terminal.has(supplier.getSession(h.sessionId)?.state ?? '')),
      { suppliers: [supplier], maxBlocks: 60 },
    ).catch((error: Error) => {
      const states = [long, short].map((h) => supplier.getSession(h.sessionId)?.state)
      throw new Error(`${error.message}; sessions ${states.join(', ')}`)
    })
    expect([long, short].map((h) => supplier.getSession(h.sessionId)?.state)).toEqual([
      'settled',
      'settled',
    ])
    const settlements = await longApp.client.getClaimSettlements({ fromHeight: 1n })
    const of = (sessionId: string) => settlements.find((s) => s.sessionId === sessionId)!
    expect(of(long.sessionId)).toMatchObject({ status: 'settled', numRelays: 243n })
    expect(of(short.sessionId)).toMatchObject({ status: 'settled', numRelays: 3n })
    expect(getRootCount(supplier.getSession(long.sessionId)!.rootHash!)).toBe(243n)
    // Same difficulty and params: the amounts are in the exact ratio of the quanta.
    expect(of(long.sessionId).settledUpokt * 3n).toBe(of(short.sessionId).settledUpokt * 243n)
  })
})

describe('the service card', () => {
  it("refuses to start with weights other than the card's; the gateway's reader agrees", async () => {
    const owner = account(devnet, 'owner')
    const signer = await createSigningChainClient({
      rpcUrl: devnet.rpcUrl,
      signer: createPrivateKeySigner(owner.privateKey),
      gasPrice: '0upokt',
      pollingInterval: 50,
    })
    const card = {
      schema: 'pocket-service-card/v1',
      token_metering: { quantum: 100, input_weight: 1, output_weight: 4 },
    }
    let added = false
    const adding = signer
      .addService({
        id: 'llm',
        name: 'LLM',
        computeUnitsPerRelay: 10n,
        card: new TextEncoder().encode(JSON.stringify(card)),
      })
      .finally(() => {
        added = true
      })
    while (!added) {
      await devnet.produceBlock()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await adding
    const service = await longApp.client.getService({ id: 'llm' })
    expect(readServiceCardMetering(service)).toEqual(METERING)

    const start = (tokenMetering: Record<string, unknown> | undefined) =>
      startSupplier(
        supplierConfig(devnet, backend.url, { service: tokenMetering ? { tokenMetering } : {} }),
      )
    for (const configured of [
      { quantum: 100, inputWeight: 1, outputWeight: 2 },
      { quantum: 50, inputWeight: 1, outputWeight: 4 },
      undefined,
    ])
      await expect(start(configured)).rejects.toMatchObject({ code: 'TOKEN_METERING_MISMATCH' })
    // The running supplier's weights are the card's: the same check passes.
    const warnings: unknown[] = []
    const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger
    await checkTokenMetering(
      longApp.client,
      { services: [{ id: 'llm', tokenMetering: { ...METERING, maxQuanta: 10_000 } }] as never },
      logger,
    )
    expect(warnings).toEqual([])
  })
})
