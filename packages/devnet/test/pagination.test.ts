// The paginators against cosmos-sdk v0.53.7's `query.Paginate` and `query.CollectionPaginate`,
// case by case; the chain suite also compares whole answers with pocketd's, byte for byte.
import { create, type MessageInitShape } from '@decai/protocol'
import { PageRequestSchema } from '@decai/protocol/gen/cosmos/base/query/v1beta1/pagination_pb'
import { describe, expect, it } from 'vitest'
import { AbciError } from '../src/app/abci-error.js'
import {
  KEY_AND_OFFSET_ERROR,
  PaginationRequestError,
  paginate,
  paginateCollection,
  withPageStatus,
} from '../src/app/pagination.js'
import { queryError } from '../src/app/query-router.js'
import { bytesToKey, keyToBytes } from '../src/store/keys.js'
import { MemoryStore } from '../src/store/kv-store.js'

const PREFIX = 'Thing/id/'
const name = (i: number) => `k${String(i).padStart(3, '0')}/`

/** A store with `count` entries under PREFIX (k000/, k001/, ...) and neighbours on both sides. */
function storeWith(count: number, prefix = PREFIX): MemoryStore {
  const store = new MemoryStore()
  store.set('Thing/ic/outside-before', new Uint8Array([1]))
  for (let i = 0; i < count; i++) store.set(prefix + name(i), new TextEncoder().encode(name(i)))
  store.set('Thing/ie/outside-after', new Uint8Array([2]))
  return store
}

type Page = { keys: string[]; nextKey: string; total: bigint }

function run(
  pager: typeof paginate,
  store: MemoryStore,
  request: MessageInitShape<typeof PageRequestSchema> | undefined,
  prefix = PREFIX,
): Page {
  const keys: string[] = []
  const response = pager(
    store,
    prefix,
    request === undefined ? undefined : create(PageRequestSchema, request),
    (key) => {
      keys.push(key)
    },
  )
  return { keys, nextKey: bytesToKey(response.nextKey), total: response.total }
}

const key = (i: number) => keyToBytes(name(i))
const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => name(from + i))

describe.each([
  ['Paginate', paginate],
  ['CollectionPaginate', paginateCollection],
] as const)('%s', (_, pager) => {
  it('uses the default limit of 100 and counts the total when no limit is given', () => {
    const store = storeWith(150)
    for (const request of [undefined, {}, { limit: 0n }]) {
      expect(run(pager, store, request)).toEqual({
        keys: range(0, 100),
        nextKey: name(100),
        total: 150n,
      })
    }
    // A count_total of false does not stop the count when the limit is 0.
    expect(run(pager, store, { limit: 0n, countTotal: false }).total).toBe(150n)
    // A short list: no next key, and still the total.
    expect(run(pager, storeWith(3), {})).toEqual({ keys: range(0, 3), nextKey: '', total: 3n })
  })

  it('counts the total with a limit only when count_total is set', () => {
    const store = storeWith(7)
    expect(run(pager, store, { limit: 2n })).toEqual({
      keys: range(0, 2),
      nextKey: name(2),
      total: 0n,
    })
    expect(run(pager, store, { limit: 2n, countTotal: true })).toEqual({
      keys: range(0, 2),
      nextKey: name(2),
      total: 7n,
    })
    // No maximum: a limit above the default is served in full.
    expect(run(pager, storeWith(250), { limit: 1000n }).keys).toHaveLength(250)
  })

  it('walks the whole list by next key, with no total on keyed pages', () => {
    const store = storeWith(5)
    const seen: string[] = []
    let page = run(pager, store, { limit: 2n, countTotal: true })
    seen.push(...page.keys)
    while (page.nextKey !== '') {
      page = run(pager, store, { limit: 2n, countTotal: true, key: keyToBytes(page.nextKey) })
      expect(page.total).toBe(0n)
      seen.push(...page.keys)
    }
    expect(seen).toEqual(range(0, 5))
  })

  it('skips by offset', () => {
    const store = storeWith(7)
    expect(run(pager, store, { offset: 2n, limit: 3n, countTotal: true })).toEqual({
      keys: range(2, 5),
      nextKey: name(5),
      total: 7n,
    })
    expect(run(pager, store, { offset: 5n, limit: 3n })).toEqual({
      keys: range(5, 7),
      nextKey: '',
      total: 0n,
    })
    expect(run(pager, store, { offset: 7n, countTotal: true, limit: 3n })).toEqual({
      keys: [],
      nextKey: '',
      total: 7n,
    })
  })

  it('walks backwards with reverse', () => {
    const store = storeWith(5)
    expect(run(pager, store, { reverse: true, limit: 2n, countTotal: true })).toEqual({
      keys: [name(4), name(3)],
      nextKey: name(2),
      total: 5n,
    })
    expect(run(pager, store, { reverse: true, limit: 2n, key: key(2) })).toEqual({
      keys: [name(2), name(1)],
      nextKey: name(0),
      total: 0n,
    })
  })

  it('refuses key and offset together with the SDK error', () => {
    expect(() => run(pager, storeWith(3), { offset: 1n, key: key(1) })).toThrow(
      new PaginationRequestError(KEY_AND_OFFSET_ERROR),
    )
    // An empty key is no key.
    expect(run(pager, storeWith(3), { offset: 1n, key: new Uint8Array() }).keys).toEqual(
      range(1, 3),
    )
  })
})

describe('Paginate only', () => {
  it('answers an offset past the end with an empty page and the total', () => {
    expect(run(paginate, storeWith(3), { offset: 9n, limit: 2n, countTotal: true })).toEqual({
      keys: [],
      nextKey: '',
      total: 3n,
    })
  })

  it('starts a reverse page from a key that is not stored at the first key after it', () => {
    // k001/ < k001x < k002/: the reverse iterator ends just after k002/.
    expect(run(paginate, storeWith(5), { reverse: true, key: keyToBytes('k001x') })).toEqual({
      keys: [name(2), name(1), name(0)],
      nextKey: '',
      total: 0n,
    })
    // Past every key: the whole list.
    expect(run(paginate, storeWith(3), { reverse: true, key: keyToBytes('z') }).keys).toEqual([
      name(2),
      name(1),
      name(0),
    ])
  })

  it('panics, as the prefix iterator does, on a reverse page from the last key', () => {
    const error = catchError(() => run(paginate, storeWith(3), { reverse: true, key: key(2) }))
    expect(error).toBeInstanceOf(AbciError)
    expect(error).toMatchObject({
      codespace: 'undefined',
      code: 111222,
      log: 'prefixIterator invalid, cannot call Key(): panic',
    })
  })

  it("wraps offset + limit as Go's uint64 sum does", () => {
    expect(run(paginate, storeWith(3), { offset: 1n, limit: (1n << 64n) - 1n }).keys).toEqual([])
  })
})

describe('CollectionPaginate only', () => {
  it('answers an offset past the end with an empty response: no total', () => {
    expect(
      run(paginateCollection, storeWith(3), { offset: 4n, limit: 2n, countTotal: true }),
    ).toEqual({ keys: [], nextKey: '', total: 0n })
  })

  it('starts a reverse page from a key at the last key it prefixes', () => {
    const store = storeWith(3)
    store.set(`${PREFIX}k001/more`, new Uint8Array([3]))
    expect(run(paginateCollection, store, { reverse: true, key: key(1) }).keys).toEqual([
      `${name(1)}more`,
      name(1),
      name(0),
    ])
  })
})

describe('handler errors', () => {
  it("become the handler's gRPC status, then the query router's ABCI error", () => {
    const refuse = () => {
      throw new PaginationRequestError(KEY_AND_OFFSET_ERROR)
    }
    // poktroll's handlers: Internal, which the router reports as unknown request.
    expect(queryError(catchError(() => withPageStatus('Internal', refuse)))).toMatchObject({
      codespace: 'sdk',
      code: 6,
      log: `rpc error: code = Internal desc = ${KEY_AND_OFFSET_ERROR}: unknown request`,
    })
    // x/bank's balances: InvalidArgument with its own prefix.
    expect(
      queryError(catchError(() => withPageStatus('InvalidArgument', refuse, 'paginate: '))),
    ).toMatchObject({
      code: 18,
      log: `rpc error: code = InvalidArgument desc = paginate: ${KEY_AND_OFFSET_ERROR}: invalid request`,
    })
    // x/auth returns it bare: invalid request.
    expect(queryError(catchError(refuse))).toMatchObject({
      code: 18,
      log: `${KEY_AND_OFFSET_ERROR}: invalid request`,
    })
  })
})

function catchError(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}
