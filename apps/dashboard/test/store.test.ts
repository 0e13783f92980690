// The store's bookkeeping on hand-made blocks: a block is written once, in order, with its
// cursor; a claim is pending until its settlement (or expiry) is indexed.
import { encodeAddress } from '@decai/crypto'
import { describe, expect, it } from 'vitest'
import {
  type BlockRows,
  formatPokt,
  getChampion,
  getExpiredClaims,
  getPendingClaims,
  isDashboardError,
  openStore,
  toCsv,
} from '../src/index.js'

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

describe('the store', () => {
  it('writes a block once: a replayed height changes nothing', () => {
    const store = openStore(':memory:')
    expect(store.commitBlock({ height: 1n, timeMs: 0, claims: [], settlements: [] })).toBe(true)
    expect(store.commitBlock(settlementBlock(2n, 315n))).toBe(true)
    expect(store.commitBlock(settlementBlock(2n, 315n))).toBe(false)
    expect(store.commitBlock(settlementBlock(1n, 999n))).toBe(false)
    expect(store.getHeight()).toBe(2n)
    expect(getChampion(store, owner).championShareUpokt).toBe(315n)
  })

  it('refuses a gap: a block after a missing one is not written', () => {
    const store = openStore(':memory:')
    store.commitBlock({ height: 5n, timeMs: 0, claims: [], settlements: [] })
    expect(() => store.commitBlock(settlementBlock(7n, 1n))).toThrow(/in order/)
    expect(store.getHeight()).toBe(5n)
    expect(store.all('SELECT * FROM settlements')).toEqual([])
  })

  it('keeps a claim pending until its settlement is indexed', () => {
    const store = openStore(':memory:')
    store.commitBlock({ height: 1n, timeMs: 0, claims: [claim], settlements: [] })
    store.replaceNetwork({
      height: 1n,
      services: [{ id: 'llm', name: 'LLM', owner, computeUnitsPerRelay: 10n }],
      suppliers: [],
      applications: [],
      gateways: [],
    })
    expect(getPendingClaims(store, { owner }).rows).toHaveLength(1)
    store.commitBlock(settlementBlock(2n, 315n))
    expect(getPendingClaims(store, { owner }).rows).toHaveLength(0)
    expect(getExpiredClaims(store).rows).toHaveLength(0)
  })

  it('sums amounts beyond 2^53 exactly', () => {
    const store = openStore(':memory:')
    const big = 2n ** 60n + 1n
    store.commitBlock(settlementBlock(1n, big))
    store.commitBlock({ ...settlementBlock(2n, big), height: 2n })
    expect(getChampion(store, owner).championShareUpokt).toBe(2n * big)
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

  it('gives a typed error for a malformed address', () => {
    const store = openStore(':memory:')
    try {
      getChampion(store, 'pokt1nope')
      expect.unreachable()
    } catch (error) {
      expect(isDashboardError(error) && error.code).toBe('INVALID_ADDRESS')
    }
  })
})
