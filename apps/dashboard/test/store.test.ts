// The store's bookkeeping on hand-made blocks, on SQLite and on PostgreSQL: a block is written
// once, in order, with its cursor; a claim is pending until its settlement (or expiry) is
// indexed; sums are exact beyond 2^53.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeAddress } from '@decai/crypto'
import { afterAll, describe, expect, it } from 'vitest'
import {
  type BlockRows,
  formatPokt,
  getChampion,
  getExpiredClaims,
  getPendingClaims,
  isDashboardError,
  openStore,
  type Store,
  toCsv,
} from '../src/index.js'
import { storeCases } from './helpers/stores.js'

const dir = mkdtempSync(join(tmpdir(), 'decai-dashboard-store-'))
const opened: Store[] = []
let stores = 0
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()))
  rmSync(dir, { recursive: true, force: true })
})

const owner = encodeAddress(new Uint8Array(20).fill(1))
const supplier = encodeAddress(new Uint8Array(20).fill(2))
const app = encodeAddress(new Uint8Array(20).fill(3))

const claim = {
  supplierOperator: supplier,
  application: app,
  serviceId: 'llm',
  sessionEndHeight: 10n,
  numRelays: 5n,
  computeUnits: 50n,
  claimedUpokt: 2_100n,
}

function settlementBlock(height: bigint, amount: bigint): BlockRows {
  return {
    height,
    timeMs: 1_700_000_000_000,
    claims: [],
    settlements: [
      {
        eventIndex: 3,
        status: 'settled',
        serviceId: 'llm',
        application: app,
        supplierOperator: supplier,
        supplierOwner: supplier,
        sessionId: 'abc',
        sessionEndHeight: 10n,
        numRelays: 5n,
        computeUnits: 50n,
        estimatedComputeUnits: 50n,
        claimedUpokt: 2_100n,
        settledUpokt: 2_100n,
        mintedUpokt: 2_100n,
        expirationReason: '',
        rewards: [
          {
            recipient: owner,
            role: 'sourceOwner',
            tlm: 'relayBurnEqualsMint',
            opReason: 'X',
            amount,
          },
          {
            recipient: supplier,
            role: 'supplier',
            tlm: 'relayBurnEqualsMint',
            opReason: 'Y',
            amount: 7n,
          },
        ],
      },
    ],
  }
}

describe.each(storeCases)('the $kind store', ({ config }) => {
  const open = async () => {
    const store = await openStore(config(`store_${++stores}`, dir))
    opened.push(store)
    return store
  }

  it('writes a block once: a replayed height changes nothing', async () => {
    const store = await open()
    expect(await store.commitBlock({ height: 1n, timeMs: 0, claims: [], settlements: [] })).toBe(
      true,
    )
    expect(await store.commitBlock(settlementBlock(2n, 315n))).toBe(true)
    expect(await store.commitBlock(settlementBlock(2n, 315n))).toBe(false)
    expect(await store.commitBlock(settlementBlock(1n, 999n))).toBe(false)
    expect(await store.getHeight()).toBe(2n)
    expect((await getChampion(store, owner)).championShareUpokt).toBe(315n)
  })

  it('refuses a gap: a block after a missing one is not written', async () => {
    const store = await open()
    await store.commitBlock({ height: 5n, timeMs: 0, claims: [], settlements: [] })
    await expect(store.commitBlock(settlementBlock(7n, 1n))).rejects.toThrow(/in order/)
    expect(await store.getHeight()).toBe(5n)
    expect(await store.all('SELECT * FROM settlements')).toEqual([])
  })

  it('writes a block whole or not at all: a failing row takes the cursor back with it', async () => {
    const store = await open()
    await store.commitBlock({ height: 1n, timeMs: 0, claims: [], settlements: [] })
    const block = settlementBlock(2n, 315n)
    // The same event twice: its primary key fails the second insert, after the first is written.
    block.settlements.push(block.settlements[0]!)
    await expect(store.commitBlock(block)).rejects.toThrow()
    expect(await store.getHeight()).toBe(1n)
    expect(await store.all('SELECT * FROM settlements')).toEqual([])
    expect(await store.all('SELECT * FROM rewards')).toEqual([])
    expect(await store.commitBlock(settlementBlock(2n, 315n))).toBe(true)
    expect((await getChampion(store, owner)).championShareUpokt).toBe(315n)
  })

  it('keeps a claim pending until its settlement is indexed', async () => {
    const store = await open()
    await store.commitBlock({ height: 1n, timeMs: 0, claims: [claim], settlements: [] })
    await store.replaceNetwork({
      height: 1n,
      services: [{ id: 'llm', name: 'LLM', owner, computeUnitsPerRelay: 10n }],
      suppliers: [],
      applications: [],
      gateways: [],
    })
    expect((await getPendingClaims(store, { owner })).rows).toHaveLength(1)
    await store.commitBlock(settlementBlock(2n, 315n))
    expect((await getPendingClaims(store, { owner })).rows).toHaveLength(0)
    expect((await getExpiredClaims(store)).rows).toHaveLength(0)
    expect(await store.getNetworkHeight()).toBe(1n)
  })

  it('sums amounts beyond 2^53 exactly, as bigints', async () => {
    const store = await open()
    const big = 2n ** 60n + 1n
    await store.commitBlock(settlementBlock(1n, big))
    await store.commitBlock({ ...settlementBlock(2n, big), height: 2n })
    const champion = await getChampion(store, owner)
    expect(champion.championShareUpokt).toBe(2n * big)
    expect(champion.services.rows[0]!.champion_share_upokt).toBe(2n * big)
    expect(champion.services.rows[0]!.settled_claims).toBe(2n)
  })

  it('reopens where it was: the cursor and the rows are kept', async () => {
    const name = `store_${++stores}`
    const first = await openStore(config(name, dir))
    await first.commitBlock(settlementBlock(1n, 315n))
    await first.setMeta('chain_id', 'c')
    await first.close()
    const again = await openStore(config(name, dir))
    opened.push(again)
    expect(await again.getHeight()).toBe(1n)
    expect(await again.getHeightTime()).toBe(1_700_000_000_000)
    expect(await again.getMeta('chain_id')).toBe('c')
    expect((await getChampion(again, owner)).championShareUpokt).toBe(315n)
  })

  it('takes each block once from two writers on one index', async () => {
    const name = `store_${++stores}`
    const [a, b] = [await openStore(config(name, dir)), await openStore(config(name, dir))]
    opened.push(a, b)
    const blocks = [1n, 2n, 3n, 4n].map((h) => settlementBlock(h, 100n))
    // Both write the same blocks in order, at the same time; each block lands once.
    const written = await Promise.all(
      [a, b].map(async (store) => {
        let count = 0
        for (const block of blocks) if (await store.commitBlock(block)) count++
        return count
      }),
    )
    expect(written[0]! + written[1]!).toBe(4)
    expect(await a.getHeight()).toBe(4n)
    expect((await getChampion(b, owner)).championShareUpokt).toBe(400n)
  })

  it('gives a typed error for a malformed address', async () => {
    const store = await open()
    await expect(getChampion(store, 'pokt1nope')).rejects.toSatisfy(
      (error) => isDashboardError(error) && error.code === 'INVALID_ADDRESS',
    )
  })
})

describe('formatting', () => {
  it('shows POKT exactly', () => {
    expect(formatPokt(0n)).toBe('0')
    expect(formatPokt(1n)).toBe('0.000001')
    expect(formatPokt(1_500_000n)).toBe('1.5')
    expect(formatPokt(2n ** 64n)).toBe('18446744073709.551616')
  })

  it('quotes CSV cells that need it', () => {
    expect(
      toCsv({
        columns: ['a', 'b'],
        rows: [
          { a: 'x,y', b: 'say "hi"' },
          { a: 1n, b: null },
        ],
      }),
    ).toBe('a,b\r\n"x,y","say ""hi"""\r\n1,\r\n')
  })
})
