import { createLogger } from '@decai/app-kit/logger'
import { getMetricValue } from '@decai/app-kit/metrics'
// The lifecycle's phases one by one (src/lifecycle-*.ts), against the devnet: real relays
// (signed by the application and the supplier) mined into a SQLite store, then sealed and
// claimed, proven, and settled, each phase called on its own.
import {
  type ClaimSettlement,
  createChainClient,
  createPrivateKeySigner,
  createSigningChainClient,
} from '@decai/chain'
import type { Devnet } from '@decai/devnet'
import { getRootCount, mineRelay } from '@decai/relay-mining'
import {
  buildRelayResponse,
  createPoktHttpResponse,
  getSessionWindows,
  type SessionWindows,
  serializeRelay,
  signRelayResponse,
} from '@decai/session'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChainView } from '../src/chain-view.js'
import { getDuePhase } from '../src/lifecycle.js'
import { claimSession, sealSession } from '../src/lifecycle-claim.js'
import type { LifecycleContext } from '../src/lifecycle-context.js'
import { decideProof } from '../src/lifecycle-proof.js'
import { findSettlement, settleSession } from '../src/lifecycle-settle.js'
import { createSupplierMetrics } from '../src/metrics.js'
import { RelayMeter } from '../src/rate-limit.js'
import { openSessionStore, type SessionRecord } from '../src/session-store.js'
import { AppClient, account, startChain, tempDir, waitUntil } from './helpers.js'

let devnet: Devnet
let ctx: LifecycleContext
let app: AppClient

beforeAll(async () => {
  devnet = await startChain()
  await devnet.produceBlocks(2)
  const supplier = account(devnet, 'supplier1')
  const client = createChainClient({ rpcUrl: devnet.rpcUrl })
  ctx = {
    store: openSessionStore(tempDir(), { synchronous: 'normal' }),
    chain: createChainView(client, await client.getLatestHeight()),
    signer: await createSigningChainClient({
      rpcUrl: devnet.rpcUrl,
      signer: createPrivateKeySigner(supplier.privateKey),
      gasPrice: '0upokt',
      pollingInterval: 25,
    }),
    supplier: supplier.address,
    meter: new RelayMeter(),
    metrics: createSupplierMetrics(),
    logger: createLogger({ level: 'silent' }),
    sealed: new Set(),
  }
  app = new AppClient(devnet, account(devnet, 'application'), supplier.address, new Uint8Array())
})

afterAll(async () => {
  ctx?.store.close()
  await devnet?.stop()
})

/** Produces blocks up to `height` and tells the chain view. */
async function advanceTo(height: bigint) {
  while (devnet.height < height) await devnet.produceBlock()
  ctx.chain.setHeight(devnet.height)
}

/** Runs a phase that sends a transaction: the next block includes it. */
async function withBlock(phase: Promise<void>) {
  const included = (async () => {
    await waitUntil(() => devnet.node.pendingTxs.length > 0)
    await devnet.produceBlock()
  })()
  await Promise.all([phase, included])
  ctx.chain.setHeight(devnet.height)
}

const session = (id: string): SessionRecord => ctx.store.getSession(id, ctx.supplier)!

/** Serves and mines `n` real relays of the application's current session. */
async function mineRelays(n: number): Promise<{ sessionId: string; w: SessionWindows }> {
  const header = await app.session()
  const { targetHash, computeUnitsPerRelay } = await ctx.chain.getMiningParams(
    header.serviceId,
    header.sessionStartBlockHeight,
  )
  ctx.store.ensureSession(header, ctx.supplier, ctx.chain.height)
  for (let i = 0; i < n; i++) {
    const request = await app.signRelay({ path: '/v1/chat/completions', body: { n: i } })
    const response = signRelayResponse(
      buildRelayResponse({
        sessionHeader: header,
        payload: createPoktHttpResponse({ status: 200, headers: [], body: new Uint8Array([i]) }),
      }),
      account(devnet, 'supplier1').privateKey,
    )
    const mined = mineRelay({
      relay: serializeRelay(request, response),
      target: targetHash,
      computeUnitsPerRelay,
    })
    if (mined)
      ctx.store.insertRelay(ctx.supplier, header.sessionId, mined.key, mined.value, mined.weight)
  }
  const shared = await ctx.chain.getSharedParams(header.sessionEndBlockHeight)
  return {
    sessionId: header.sessionId,
    w: getSessionWindows(shared, header.sessionEndBlockHeight),
  }
}

describe('lifecycle phases', () => {
  it('each phase is due from its window on, and not before', async () => {
    const header = await app.session()
    const shared = await ctx.chain.getSharedParams(header.sessionEndBlockHeight)
    const w = getSessionWindows(shared, header.sessionEndBlockHeight)
    expect(getDuePhase('open', w, w.claimWindowOpenHeight - 1n)).toBeUndefined()
    expect(getDuePhase('open', w, w.claimWindowOpenHeight)).toBe('claim')
    expect(getDuePhase('claiming', w, 0n)).toBe('claim')
    expect(getDuePhase('claimed', w, w.proofWindowOpenHeight - 1n)).toBeUndefined()
    expect(getDuePhase('claimed', w, w.proofWindowOpenHeight)).toBe('decide_proof')
    expect(getDuePhase('proving', w, 0n)).toBe('submit_proof')
    expect(getDuePhase('proof_not_required', w, w.settlementHeight - 1n)).toBeUndefined()
    expect(getDuePhase('proved', w, w.settlementHeight)).toBe('settle')
    for (const done of ['settled', 'expired', 'empty', 'claim_failed'] as const)
      expect(getDuePhase(done, w, w.settlementHeight + 100n)).toBeUndefined()
  })

  it('an empty session seals to `empty` and is never claimed', async () => {
    const header = await app.session()
    const empty = { ...header, sessionId: `${header.sessionId}-empty` }
    ctx.store.ensureSession(empty, ctx.supplier, ctx.chain.height)
    expect(sealSession(ctx, session(empty.sessionId))).toBe(false)
    expect(session(empty.sessionId).state).toBe('empty')
    expect(await getMetricValue(ctx.metrics.claims, { result: 'empty' })).toBe(1)
  })

  it('claims, proves and settles a session of real relays, one phase at a time', async () => {
    const { sessionId, w } = await mineRelays(3)
    await advanceTo(w.claimWindowOpenHeight)

    await withBlock(claimSession(ctx, session(sessionId), w, ctx.chain.height))
    const claimed = session(sessionId)
    expect(claimed.state).toBe('claimed')
    expect(claimed.claimTxHash).toBeDefined()
    expect(getRootCount(claimed.rootHash!)).toBe(3n)
    expect(ctx.sealed.has(sessionId)).toBe(true)
    // Resumed after the claim landed: found on chain, not sent twice.
    ctx.store.transition(sessionId, ctx.supplier, 'claimed', 'claiming')
    await claimSession(ctx, session(sessionId), w, ctx.chain.height)
    expect(session(sessionId).state).toBe('claimed')
    expect(await getMetricValue(ctx.metrics.claims, { result: 'found' })).toBe(1)

    await advanceTo(w.proofWindowOpenHeight)
    // The devnet's proof threshold is 1 uPOKT: every claim must be proven.
    await withBlock(decideProof(ctx, session(sessionId), w, ctx.chain.height))
    expect(session(sessionId)).toMatchObject({
      state: 'proved',
      proofRequirement: expect.any(String),
    })

    await advanceTo(w.settlementHeight)
    await settleSession(ctx, session(sessionId), w, ctx.chain.height)
    const settled = session(sessionId)
    expect(settled.state).toBe('settled')
    expect(settled.settledUpokt).toBeGreaterThan(0n)
    expect(ctx.sealed.has(sessionId)).toBe(false)
  })

  it('matches a settlement by session, or by what an expired claim’s event names', () => {
    const r = {
      sessionId: 's1',
      sessionEndHeight: 8n,
      applicationAddress: 'pokt1app',
      serviceId: 'llm',
    }
    const event = (over: Partial<ClaimSettlement>) =>
      ({
        supplierOperatorAddress: 'pokt1sup',
        sessionId: 's1',
        sessionEndBlockHeight: 8n,
        applicationAddress: 'pokt1app',
        serviceId: 'llm',
        ...over,
      }) as ClaimSettlement
    const other = event({ supplierOperatorAddress: 'pokt1other' })
    const mine = event({})
    expect(findSettlement([other, mine], 'pokt1sup', r)).toBe(mine)
    const expired = event({ sessionId: '' })
    expect(findSettlement([expired], 'pokt1sup', r)).toBe(expired)
    expect(
      findSettlement([event({ sessionId: '', sessionEndBlockHeight: 12n })], 'pokt1sup', r),
    ).toBeUndefined()
    expect(findSettlement([event({ sessionId: 's2' })], 'pokt1sup', r)).toBeUndefined()
  })
})
