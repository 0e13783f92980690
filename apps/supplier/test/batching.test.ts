// Several sessions of one supplier that end at the same height, driven by the whole lifecycle
// (lifecycle.ts) against the devnet: their claims go in one transaction, their proofs in
// another, and each lands in its window.
import { createLogger } from '@decai/app-kit/logger'
import {
  type ChainClient,
  createChainClient,
  createPrivateKeySigner,
  createSigningChainClient,
} from '@decai/chain'
import type { Devnet } from '@decai/devnet'
import { mineRelay } from '@decai/relay-mining'
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
import { createLifecycle, type Lifecycle } from '../src/lifecycle.js'
import type { LifecycleContext } from '../src/lifecycle-context.js'
import { createSupplierMetrics } from '../src/metrics.js'
import { RelayMeter } from '../src/rate-limit.js'
import { openSessionStore, type SessionState } from '../src/session-store.js'
import { AppClient, account, startChain, tempDir, waitUntil } from './helpers.js'

const APPS = ['application', 'user2', 'user1', 'supplier2', 'owner'] as const

let devnet: Devnet
let chain: ChainClient
let ctx: LifecycleContext
let apps: AppClient[]

beforeAll(async () => {
  devnet = await startChain({
    applications: APPS.slice(2).map((address) => ({
      address,
      stake: '100000000',
      serviceId: 'llm',
    })),
  })
  await devnet.produceBlocks(2)
  const supplier = account(devnet, 'supplier1')
  chain = createChainClient({ rpcUrl: devnet.rpcUrl })
  ctx = {
    store: openSessionStore(tempDir(), { synchronous: 'normal' }),
    chain: createChainView(chain, await chain.getLatestHeight()),
    signer: await createSigningChainClient({
      rpcUrl: devnet.rpcUrl,
      signer: createPrivateKeySigner(supplier.privateKey),
      gasPrice: '0upokt',
      pollingInterval: 25,
    }),
    supplier: supplier.address,
    meter: new RelayMeter(),
    metrics: createSupplierMetrics(),
    logger: createLogger({ level: (process.env['SUPPLIER_LOG'] ?? 'silent') as 'silent' }),
    sealed: new Set(),
  }
  apps = APPS.map(
    (name) => new AppClient(devnet, account(devnet, name), supplier.address, new Uint8Array()),
  )
})

afterAll(async () => {
  ctx?.store.close()
  await devnet?.stop()
})

function startLifecycle(): Lifecycle {
  return createLifecycle({
    store: ctx.store,
    chain: ctx.chain,
    signer: ctx.signer,
    operatorAddress: ctx.supplier,
    meter: ctx.meter,
    metrics: ctx.metrics,
    logger: ctx.logger,
    keepBlocks: 1000,
  })
}

/** Serves and mines `n` real relays of `app`'s current session. */
async function mineRelays(app: AppClient, n: number): Promise<{ id: string; w: SessionWindows }> {
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
  return { id: header.sessionId, w: getSessionWindows(shared, header.sessionEndBlockHeight) }
}

/**
 * Waits until the lifecycle has done what the last block made due: idle, or with its
 * transactions in the mempool and nothing more arriving.
 */
async function settleBlock(lifecycle: Lifecycle) {
  let last = -1
  let since = Date.now()
  await waitUntil(() => {
    if (!lifecycle.busy) return true
    const n = devnet.node.pendingTxs.length
    if (n !== last) {
      last = n
      since = Date.now()
      return false
    }
    return n > 0 && Date.now() - since > 400
  }, 30_000)
}

/** Produces blocks, one at a time, telling the lifecycle of each, until `done()` holds. */
async function driveUntil(lifecycle: Lifecycle, done: () => boolean, maxBlocks = 30) {
  for (let i = 0; i < maxBlocks; i++) {
    if (done()) return
    await devnet.produceBlock()
    ctx.chain.setHeight(devnet.height)
    lifecycle.onBlock(devnet.height)
    await settleBlock(lifecycle)
  }
  throw new Error(`not done after ${maxBlocks} blocks`)
}

/** Per block from `from`: how many transactions carried claims and proofs, and how many of each. */
async function countTxs(from: bigint) {
  const out = { claimTxs: 0, claims: 0, proofTxs: 0, proofs: 0, claimBlocks: 0, proofBlocks: 0 }
  for (let h = from; h <= devnet.height; h++) {
    const results = await chain.getBlockResults({ height: h })
    let claimTx = false
    let proofTx = false
    for (const tx of results.txResults) {
      const claims = tx.events.filter((e) => e.type === 'pocket.proof.EventClaimCreated').length
      const proofs = tx.events.filter((e) => e.type === 'pocket.proof.EventProofSubmitted').length
      if (claims > 0) out.claimTxs++
      if (proofs > 0) out.proofTxs++
      out.claims += claims
      out.proofs += proofs
      claimTx ||= claims > 0
      proofTx ||= proofs > 0
    }
    if (claimTx) out.claimBlocks++
    if (proofTx) out.proofBlocks++
  }
  return out
}

const stateOf = (id: string): SessionState => ctx.store.getSession(id, ctx.supplier)!.state

describe('sessions that end together', () => {
  it('are claimed in one transaction and proven in one, each in its window, and settle', async () => {
    const sessions = await Promise.all(apps.map((app) => mineRelays(app, 3)))
    const ends = new Set(sessions.map((s) => s.w.claimWindowOpenHeight))
    expect(ends.size).toBe(1)
    const from = devnet.height + 1n
    const lifecycle = startLifecycle()
    try {
      await driveUntil(lifecycle, () =>
        sessions.every((s) => ['settled', 'claim_failed', 'proof_failed'].includes(stateOf(s.id))),
      )
    } finally {
      await lifecycle.stop()
    }
    const counts = await countTxs(from)
    expect(sessions.map((s) => stateOf(s.id))).toEqual(sessions.map(() => 'settled'))
    expect(counts).toMatchObject({
      claims: sessions.length,
      proofs: sessions.length,
      claimTxs: 1,
      proofTxs: 1,
      claimBlocks: 1,
      proofBlocks: 1,
    })
  })

  it('a batch with one bad message still lands the rest', async () => {
    const sessions = await Promise.all(apps.slice(0, 4).map((app) => mineRelays(app, 3)))
    // A session the chain does not know: its claim fails the transaction it is in.
    const header = await apps[0]!.session()
    const bad = { ...header, sessionId: `${header.sessionId}-unknown` }
    ctx.store.ensureSession(bad, ctx.supplier, ctx.chain.height)
    const real = ctx.store.getSession(header.sessionId, ctx.supplier)!
    ctx.store.insertRelay(
      ctx.supplier,
      bad.sessionId,
      new Uint8Array(32).fill(7),
      new Uint8Array([1]),
      10n,
    )
    expect(real.sessionEndHeight).toBe(bad.sessionEndBlockHeight)
    const from = devnet.height + 1n
    const lifecycle = startLifecycle()
    try {
      await driveUntil(lifecycle, () =>
        [...sessions.map((s) => s.id), bad.sessionId].every((id) =>
          ['settled', 'claim_failed', 'proof_failed'].includes(stateOf(id)),
        ),
      )
    } finally {
      await lifecycle.stop()
    }
    expect(sessions.map((s) => stateOf(s.id))).toEqual(sessions.map(() => 'settled'))
    expect(stateOf(bad.sessionId)).toBe('claim_failed')
    const counts = await countTxs(from)
    // The first transaction failed on the bad claim; the good ones went again, together.
    expect(counts).toMatchObject({ claims: 4, claimTxs: 1, claimBlocks: 1, proofs: 4, proofTxs: 1 })
  })

  it('a crash between broadcast and inclusion neither loses nor repeats a batched message', async () => {
    const sessions = await Promise.all(apps.slice(0, 4).map((app) => mineRelays(app, 3)))
    const ids = sessions.map((s) => s.id)
    const from = devnet.height + 1n
    /**
     * Drives until a batch is in the mempool, then lets it land while the process "dies": the
     * store is put back to the state before the send, as a crash before recording it leaves it.
     */
    const crashAfterBroadcast = async (at: SessionState, recorded: SessionState) => {
      const lifecycle = startLifecycle()
      await driveUntil(lifecycle, () => devnet.node.pendingTxs.length > 0)
      const stopped = lifecycle.stop()
      await devnet.produceBlock()
      ctx.chain.setHeight(devnet.height)
      await stopped
      for (const id of ids) {
        expect(stateOf(id)).toBe(recorded)
        expect(ctx.store.transition(id, ctx.supplier, recorded, at)).toBe(true)
      }
    }
    await crashAfterBroadcast('claiming', 'claimed')
    await crashAfterBroadcast('proving', 'proved')
    const lifecycle = startLifecycle()
    try {
      await driveUntil(lifecycle, () => ids.every((id) => stateOf(id) === 'settled'))
    } finally {
      await lifecycle.stop()
    }
    const counts = await countTxs(from)
    expect(counts).toMatchObject({ claims: 4, claimTxs: 1, proofs: 4, proofTxs: 1 })
    const updates = []
    for (let h = from; h <= devnet.height; h++)
      for (const tx of (await chain.getBlockResults({ height: h })).txResults)
        updates.push(...tx.events.filter((e) => e.type === 'pocket.proof.EventClaimUpdated'))
    expect(updates).toEqual([])
  })
})
