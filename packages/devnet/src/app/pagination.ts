// Pagination of list queries over a module's store, as cosmos-sdk v0.53.7's `query.Paginate`
// (a prefix store: poktroll's modules) and `query.CollectionPaginate` (collections: x/bank,
// x/auth) walk it. Both page over the stored entries themselves, so `next_key` is the raw key
// under the prefix, and a handler that filters in its callback still pages and counts over
// every entry, as upstream does.
//
// What both share: a missing request or `limit` 0 means the default limit (100) and counts the
// total; `count_total` counts it too, except when paging by `key`; `key` and `offset` together
// are refused; there is no maximum limit. They differ at the edges: an `offset` past the end
// gives an empty page with the total under `Paginate` and an empty response (total 0) under
// `CollectionPaginate`; `reverse` from a `key` starts at the first stored key at or after it
// under `Paginate`, and at the last key starting with it (or below it) under collections.

import { create } from '@decai/protocol'
import {
  type PageRequest,
  type PageResponse,
  PageResponseSchema,
} from '@decai/protocol/gen/cosmos/base/query/v1beta1/pagination_pb'
import { bytesToKey, keyToBytes, prefixEnd } from '../store/keys.js'
import type { KVStore } from '../store/kv-store.js'
import { AbciError, type GrpcCode, grpcError } from './abci-error.js'

/** `query.DefaultLimit`: the page size when the request gives none. */
export const DEFAULT_PAGE_LIMIT = 100n

/** The error text both paginators return when a request sets both `key` and `offset`. */
export const KEY_AND_OFFSET_ERROR = 'invalid request, either offset or key is expected, got both'

/** The plain error a paginator returns for a bad request; each handler wraps it its own way. */
export class PaginationRequestError extends Error {
  override readonly name = 'PaginationRequestError'
}

/**
 * Go's `prefixIterator` panics when asked for the key past its end, which `Paginate` does when
 * a reverse page starts from the last stored key; baseapp's query recovery answers
 * `errorsmod.Wrapf(ErrPanic, "%v", r)`: codespace "undefined", code 111222.
 */
const reverseFromLastKeyPanic = () =>
  new AbciError('undefined', 111222, 'prefixIterator invalid, cannot call Key(): panic')

/**
 * Runs a paginated read, turning a paginator's refusal into the gRPC status the handler returns
 * (`status.Error(code, prefix + err.Error())`); anything else passes through.
 */
export function withPageStatus<T>(code: GrpcCode, read: () => T, prefix = ''): T {
  try {
    return read()
  } catch (error) {
    if (error instanceof PaginationRequestError) throw grpcError(code, prefix + error.message)
    throw error
  }
}

type Request = {
  key: string | undefined
  offset: bigint
  limit: bigint
  countTotal: boolean
  reverse: boolean
}

/** `initPageRequestDefaults`, then the key-and-offset check both paginators make first. */
function readRequest(page: PageRequest | undefined): Request {
  const limit = page?.limit ?? 0n
  const request: Request = {
    key: page && page.key.length > 0 ? bytesToKey(page.key) : undefined,
    offset: page?.offset ?? 0n,
    limit: limit === 0n ? DEFAULT_PAGE_LIMIT : limit,
    countTotal: limit === 0n || (page?.countTotal ?? false),
    reverse: page?.reverse ?? false,
  }
  if (request.offset > 0n && request.key !== undefined)
    throw new PaginationRequestError(KEY_AND_OFFSET_ERROR)
  return request
}

const pageResponse = (nextKey: string | undefined, total = 0n): PageResponse =>
  create(PageResponseSchema, {
    nextKey: nextKey === undefined ? new Uint8Array() : keyToBytes(nextKey),
    total,
  })

/** Entries under `prefix` with keys relative to it, in [start, end), ascending or not. */
function entriesUnder(
  store: KVStore,
  prefix: string,
  range: { start?: string | undefined; end?: string | undefined },
  reverse: boolean,
): [string, Uint8Array][] {
  const start = prefix + (range.start ?? '')
  const end = range.end === undefined ? prefixEnd(prefix) : prefix + range.end
  return store
    .entries({ start, end }, reverse)
    .map(([key, value]) => [key.slice(prefix.length), value] as [string, Uint8Array])
}

/**
 * `query.Paginate` over the entries of `store` under `prefix` (a `prefix.NewStore`): calls
 * `onResult` with each entry of the page (key relative to the prefix) and returns the page
 * response. A bad request throws a plain error, which each handler wraps as upstream does.
 */
export function paginate(
  store: KVStore,
  prefix: string,
  page: PageRequest | undefined,
  onResult: (key: string, value: Uint8Array) => void,
): PageResponse {
  const request = readRequest(page)
  if (request.key !== undefined) {
    let entries: [string, Uint8Array][]
    if (request.reverse) {
      // The reverse iterator ends just after the first stored key at or after `key`.
      const after = entriesUnder(store, prefix, { start: request.key }, false)
      if (after.length === 1) throw reverseFromLastKeyPanic()
      entries = entriesUnder(store, prefix, { end: after[1]?.[0] }, true)
    } else {
      entries = entriesUnder(store, prefix, { start: request.key }, false)
    }
    let count = 0n
    for (const [key, value] of entries) {
      if (count === request.limit) return pageResponse(key)
      onResult(key, value)
      count++
    }
    return pageResponse(undefined)
  }

  // Go adds the two as uint64s, so a huge offset or limit wraps.
  const end = BigInt.asUintN(64, request.offset + request.limit)
  let count = 0n
  let nextKey: string | undefined
  for (const [key, value] of entriesUnder(store, prefix, {}, request.reverse)) {
    count++
    if (count <= request.offset) continue
    if (count <= end) onResult(key, value)
    else if (count === end + 1n) {
      nextKey = key
      if (!request.countTotal) break
    }
  }
  return pageResponse(nextKey, request.countTotal ? count : 0n)
}

/**
 * `query.CollectionPaginate` over a collection stored under `prefix` (the collection's prefix,
 * then the encoded key prefix `WithCollectionPaginationPairPrefix` adds, if any): calls
 * `onResult` with each entry of the page and returns the page response, whose `next_key` has
 * both prefixes stripped.
 */
export function paginateCollection(
  store: KVStore,
  prefix: string,
  page: PageRequest | undefined,
  onResult: (key: string, value: Uint8Array) => void,
): PageResponse {
  const request = readRequest(page)
  if (request.key !== undefined) {
    // Reverse from a key: everything below the end of the key's own prefix range.
    const entries = request.reverse
      ? entriesUnder(store, prefix, { end: prefixEnd(request.key) }, true)
      : entriesUnder(store, prefix, { start: request.key }, false)
    let count = 0n
    for (const [key, value] of entries) {
      if (count === request.limit) return pageResponse(key)
      onResult(key, value)
      count++
    }
    return pageResponse(undefined)
  }

  const entries = entriesUnder(store, prefix, {}, request.reverse)
  // Advancing past the end is an invalid iterator, which upstream answers with an empty response.
  if (request.offset > BigInt(entries.length)) return pageResponse(undefined)
  let count = 0n
  let nextKey: string | undefined
  for (const [key, value] of entries.slice(Number(request.offset))) {
    if (count < request.limit) {
      onResult(key, value)
      count++
    } else {
      if (count === request.limit) {
        nextKey = key
        if (!request.countTotal) return pageResponse(nextKey)
      }
      count++
    }
  }
  return pageResponse(nextKey, request.countTotal ? count + request.offset : 0n)
}
