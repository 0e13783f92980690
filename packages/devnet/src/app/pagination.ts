// `query.Paginate` over a keyed list, shared by every module's list queries.

import { create } from '@decai/protocol'
import {
  type PageRequest,
  PageResponseSchema,
} from '@decai/protocol/gen/cosmos/base/query/v1beta1/pagination_pb'

/** Paginates a keyed list the way `query.Paginate` does (key or offset, limit, total). */
export function paginate<T>(items: [string, T][], page: PageRequest | undefined) {
  const limit = page && page.limit > 0n ? Number(page.limit) : 100
  let ordered = items
  if (page?.reverse) ordered = [...items].reverse()
  let start = 0
  if (page && page.key.length > 0) {
    const key = Buffer.from(page.key).toString('latin1')
    start = ordered.findIndex(([k]) => (page.reverse ? k <= key : k >= key))
    if (start < 0) start = ordered.length
  } else if (page && page.offset > 0n) start = Number(page.offset)
  const slice = ordered.slice(start, start + limit)
  const next = ordered[start + limit]
  const pagination = create(PageResponseSchema, {
    nextKey: next ? Buffer.from(next[0], 'latin1') : new Uint8Array(),
    total: page?.countTotal && !(page.key.length > 0) ? BigInt(items.length) : 0n,
  })
  return { items: slice.map(([, v]) => v), pagination }
}

/** Pairs each item with its store key, the order `paginate` walks. */
export const withKeys = <T>(items: T[], keyOf: (t: T) => string): [string, T][] =>
  items.map((t) => [keyOf(t), t])
