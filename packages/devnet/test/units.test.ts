// Unit checks of the pieces under the chain: the state digest and branches, the event query
// language, the exact rationals of the tokenomics and the merkle root of block hashing.

import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { floatToRat, formatFloat, goFormatG, mulCeil, mulFloor } from '../src/app/rational.js'
import { merkleRoot } from '../src/node/block-hash.js'
import { matchesQuery, parseQuery, QueryError } from '../src/rpc/query-language.js'
import { BranchStore, MemoryStore } from '../src/store/kv-store.js'
import { CommitStore } from '../src/store/multi-store.js'

const bytes = (text: string) => new TextEncoder().encode(text)

describe('state digest', () => {
  it('depends on the entries only, not on the order or history of writes', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ minLength: 1 }), fc.string()), {
          selector: ([k]) => k,
          maxLength: 20,
        }),
        (entries) => {
          const a = new MemoryStore()
          const b = new MemoryStore()
          for (const [k, v] of entries) a.set(`k:${k}`, bytes(v))
          // Other values first, extra keys written and removed: the digest must not remember.
          for (const [k, v] of [...entries].reverse()) {
            b.set(`k:${k}`, bytes(`${v}!`))
            b.set(`x:${k}`, bytes(v))
          }
          for (const [k, v] of entries) {
            b.set(`k:${k}`, bytes(v))
            b.delete(`x:${k}`)
          }
          expect(b.digest()).toEqual(a.digest())
        },
      ),
      { numRuns: 50 },
    )
  })

  it('changes when any value changes, and returns when it is restored', () => {
    const store = new MemoryStore()
    store.set('a', bytes('1'))
    store.set('b', bytes('2'))
    const before = store.digest()
    store.set('b', bytes('3'))
    expect(store.digest()).not.toEqual(before)
    store.set('b', bytes('2'))
    expect(store.digest()).toEqual(before)
    store.delete('a')
    expect(store.digest()).not.toEqual(before)
  })

  it('gives an app hash over every module store that changes with any of them', () => {
    const state = new CommitStore()
    const empty = state.appHash()
    state.stores.bank.set('k', bytes('v'))
    const one = state.appHash()
    expect(one).not.toEqual(empty)
    state.stores.bank.delete('k')
    state.stores.acc.set('k', bytes('v'))
    expect(state.appHash()).not.toEqual(one)
  })
})

describe('branch store', () => {
  it('keeps writes until write(), and merges them into ranges', () => {
    const parent = new MemoryStore()
    for (const k of ['a', 'b', 'c', 'd']) parent.set(k, bytes(k))
    const branch = new BranchStore(parent)
    branch.set('bb', bytes('bb'))
    branch.delete('c')
    branch.set('a', bytes('A'))
    expect(parent.get('c')).toEqual(bytes('c'))
    expect(branch.get('c')).toBeUndefined()
    expect(branch.entries({ start: 'a', end: 'd' }).map(([k]) => k)).toEqual(['a', 'b', 'bb'])
    expect(branch.entries({}, true).map(([k]) => k)).toEqual(['d', 'bb', 'b', 'a'])
    const digest = parent.digest()
    expect(parent.digest()).toEqual(digest)
    branch.write()
    expect(parent.entries().map(([k, v]) => [k, new TextDecoder().decode(v)])).toEqual([
      ['a', 'A'],
      ['b', 'b'],
      ['bb', 'bb'],
      ['d', 'd'],
    ])
  })
})

describe('event query language', () => {
  const values = new Map([
    ['tm.event', ['Tx']],
    ['tx.height', ['12']],
    ['message.sender', ['pokt1abc', 'pokt1def']],
  ])

  it('matches =, comparisons, CONTAINS and EXISTS joined by AND', () => {
    const match = (q: string) => matchesQuery(parseQuery(q), values)
    expect(match("tm.event='Tx'")).toBe(true)
    expect(match("tm.event = 'NewBlock'")).toBe(false)
    expect(match("tm.event='Tx' AND tx.height>11 AND tx.height<=12")).toBe(true)
    expect(match('tx.height>=13')).toBe(false)
    expect(match("message.sender='pokt1def'")).toBe(true)
    expect(match("message.sender CONTAINS 'abc'")).toBe(true)
    expect(match('message.sender EXISTS')).toBe(true)
    expect(match('transfer.amount EXISTS')).toBe(false)
  })

  it('rejects malformed queries', () => {
    for (const q of ["tm.event='Tx", 'tx.height >', "tm.event='Tx' OR tx.height=1", '= 5']) {
      expect(() => parseQuery(q), q).toThrow(QueryError)
    }
  })
})

describe('rationals for the tokenomics', () => {
  it('reads a float as its shortest decimal, like Go', () => {
    expect(floatToRat(0.1)).toEqual({ num: 1n, den: 10n })
    expect(floatToRat(1e-7)).toEqual({ num: 1n, den: 10_000_000n })
    expect(floatToRat(0.7)).toEqual({ num: 7n, den: 10n })
    expect(floatToRat(2.5e21)).toEqual({ num: 2_500_000_000_000_000_000_000n, den: 1n })
  })

  it('rounds products down and up exactly', () => {
    expect(mulFloor(999n, floatToRat(0.7))).toBe(699n)
    expect(mulCeil(999n, floatToRat(0.1))).toBe(100n)
    expect(mulCeil(1000n, floatToRat(0.1))).toBe(100n)
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 18n }),
        fc.integer({ min: 0, max: 1000 }),
        (x, p) => {
          const r = floatToRat(p / 1000)
          const floor = mulFloor(x, r)
          const ceil = mulCeil(x, r)
          expect(floor * r.den <= x * r.num).toBe(true)
          expect(ceil - floor).toBe((x * r.num) % r.den === 0n ? 0n : 1n)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('prints floats as Go does', () => {
    expect(formatFloat(1e-7)).toBe('0.0000001')
    expect(formatFloat(0.975)).toBe('0.975')
    expect(goFormatG(1e-7)).toBe('1e-07')
    expect(goFormatG(0.123456789)).toBe('0.123456789')
    expect(goFormatG(0.0001)).toBe('0.0001')
    expect(goFormatG(1234567)).toBe('1.234567e+06')
    expect(goFormatG(123456)).toBe('123456')
  })
})

describe('merkle root (RFC 6962, CometBFT)', () => {
  const leaf = (b: Uint8Array) => sha256(Uint8Array.of(0, ...b))
  const inner = (l: Uint8Array, r: Uint8Array) => sha256(Uint8Array.of(1, ...l, ...r))

  it('hashes empty, single and unbalanced lists as CometBFT does', () => {
    const [a, b, c] = [bytes('a'), bytes('b'), bytes('c')]
    expect(merkleRoot([])).toEqual(sha256(new Uint8Array()))
    expect(merkleRoot([a])).toEqual(leaf(a))
    expect(merkleRoot([a, b])).toEqual(inner(leaf(a), leaf(b)))
    expect(merkleRoot([a, b, c])).toEqual(inner(inner(leaf(a), leaf(b)), leaf(c)))
  })
})
