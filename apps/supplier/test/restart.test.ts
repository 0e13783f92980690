// Restarts at each point of the claim/proof lifecycle: the supplier neither claims nor proves
// twice, and loses neither. The crash points are recreated exactly by stopping the supplier and
// putting its persisted state where a crash would have left it.
import { type ChainClient, createChainClient } from '@decai/chain'
import type { Devnet } from '@decai/devnet'
import { type LlmServer, startLlmServer } from '@decai/llm-server'
import { getSessionWindows } from '@decai/session'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Supplier, type SupplierConfigInput, startSupplier } from '../src/index.js'
import { openSessionStore, type SessionState } from '../src/session-store.js'
import { AppClient, account, chatBody, driveUntil, startChain, supplierConfig } from './helpers.js'

let devnet: Devnet
let llm: LlmServer
let chain: ChainClient
let config: SupplierConfigInput
let supplier: Supplier | undefined

beforeAll(async () => {
  ;[devnet, llm] = await Promise.all([
    startChain(),
    startLlmServer({ port: 0, threads: 1, parallel: 2, embeddings: false }),
  ])
  await devnet.produceBlock()
  chain = createChainClient({ rpcUrl: devnet.rpcUrl })
  config = supplierConfig(devnet, llm.url)
})

afterAll(async () => {
  await supplier?.stop()
  await Promise.all([llm?.stop(), devnet?.stop()])
})

/** Counts the transaction events of each type on the whole chain. */
async function countEvents(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  const latest = await chain.getLatestHeight()
  for (let h = 1n; h <= latest; h++) {
    const results = await chain.getBlockResults({ height: h })
    for (const tx of results.txResults)
      for (const e of tx.events) counts[e.type] = (counts[e.type] ?? 0) + 1
  }
  return counts
}

/** Stops the supplier and moves a session's persisted state as a crash at that point would. */
async function crashInto(sessionId: string, from: SessionState, to: SessionState, root?: boolean) {
  await supplier!.stop()
  supplier = undefined
  const store = openSessionStore(config.storage!.dir, { synchronous: 'normal' })
  try {
    const address = account(devnet, 'supplier1').address
    const rootHash = root ? store.getRoot(address, sessionId) : undefined
    expect(store.transition(sessionId, address, from, to, rootHash ? { rootHash } : {})).toBe(true)
  } finally {
    store.close()
  }
}

describe('restarts during the claim and proof lifecycle', () => {
  it('claims once, proves once, and the claim settles', async () => {
    supplier = await startSupplier(config)
    const app = AppClient.for(devnet, supplier)
    const header = await app.session()
    const id = header.sessionId
    for (let i = 0; i < 3; i++) {
      const result = await app.send(
        supplier.url,
        await app.signRelay({ path: '/v1/chat/completions', body: chatBody(`Hello ${i}`) }, header),
      )
      expect(result.ok).toBe(true)
    }

    // 1. A crash right after sealing the trie, before the claim was sent; the supplier stays
    //    down until the claim window is open.
    await crashInto(id, 'open', 'claiming', true)
    const shared = await chain.getParams({ module: 'shared' })
    const windows = getSessionWindows(shared, header.sessionEndBlockHeight)
    while (devnet.height < windows.claimWindowOpenHeight) await devnet.produceBlock()
    supplier = await startSupplier(config)
    await driveUntil(devnet, () => supplier!.getSession(id)?.state === 'claimed', {
      suppliers: [supplier!],
    })
    const claim = await chain.getClaim({
      sessionId: id,
      supplierOperatorAddress: supplier.operatorAddress,
    })
    expect(claim.rootHash).toEqual(supplier.getSession(id)!.rootHash)

    // 2. A crash after the claim landed, before it was recorded: found on chain, not resent.
    await crashInto(id, 'claimed', 'claiming')
    supplier = await startSupplier(config)
    await driveUntil(devnet, () => supplier!.getSession(id)?.state === 'claimed', {
      suppliers: [supplier!],
    })
    expect(await supplier.renderMetrics()).toMatch(/supplier_claims_total\{result="found"\} 1/)

    // 3. A crash after the proof landed, before it was recorded: found on chain, not resent.
    await driveUntil(devnet, () => supplier!.getSession(id)?.state === 'proved', {
      suppliers: [supplier!],
    })
    await crashInto(id, 'proved', 'proving')
    supplier = await startSupplier(config)
    await driveUntil(devnet, () => supplier!.getSession(id)?.state !== 'proving', {
      suppliers: [supplier!],
    })
    expect(await supplier.renderMetrics()).toMatch(/supplier_proofs_total\{result="found"\} 1/)

    await driveUntil(devnet, () => supplier!.getSession(id)?.state === 'settled', {
      suppliers: [supplier!],
    })
    const events = await countEvents()
    expect(events['pocket.proof.EventClaimCreated']).toBe(1)
    expect(events['pocket.proof.EventClaimUpdated']).toBeUndefined()
    expect(events['pocket.proof.EventProofSubmitted']).toBe(1)
    expect(events['pocket.proof.EventProofUpdated']).toBeUndefined()
    const settlements = await chain.getClaimSettlements({ fromHeight: 1n })
    expect(settlements.filter((s) => s.sessionId === id)).toMatchObject([
      { status: 'settled', numRelays: 3n },
    ])
  })

  it('a supplier down for the whole claim window loses that claim, and says so', async () => {
    const app = new AppClient(
      devnet,
      account(devnet, 'application'),
      supplier!.operatorAddress,
      supplier!.publicKey,
    )
    const header = await app.session()
    const result = await app.send(
      supplier!.url,
      await app.signRelay({ path: '/v1/chat/completions', body: chatBody('Late') }, header),
    )
    expect(result.ok).toBe(true)
    await supplier!.stop()
    const shared = await chain.getParams({ module: 'shared' })
    const windows = getSessionWindows(shared, header.sessionEndBlockHeight)
    while (devnet.height <= windows.claimWindowCloseHeight) await devnet.produceBlock()
    supplier = await startSupplier(config)
    await driveUntil(
      devnet,
      () => supplier!.getSession(header.sessionId)?.state === 'claim_failed',
      {
        maxBlocks: 2,
      },
    )
    expect(supplier.getSession(header.sessionId)!.error).toMatch(/claim window closed/)
    expect(await supplier.renderMetrics()).toMatch(/supplier_claims_total\{result="missed"\} 1/)
  })
})
