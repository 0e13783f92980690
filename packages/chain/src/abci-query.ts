import type { Comet38Client } from '@cosmjs/tendermint-rpc'
import {
  create,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
  marshal,
  unmarshal,
} from '@decai/protocol'
import { PageRequestSchema } from '@decai/protocol/gen/cosmos/base/query/v1beta1/pagination_pb'
import { ChainError, createQueryError, isChainError } from './errors.js'
import { toSafeHeight } from './heights.js'

/** What every query needs: a CometBFT 0.38 client (cosmjs) over the node's RPC. */
export type QueryContext = {
  readonly comet: Comet38Client
}

export type AbciQueryParameters<Req extends DescMessage, Res extends DescMessage> = {
  /** The gRPC method path, e.g. `/pocket.session.Query/GetSession`. */
  path: string
  requestSchema: Req
  request: MessageInitShape<Req>
  responseSchema: Res
  /** Query the state as of this height (`abci_query`'s height); the latest by default. */
  height?: bigint | undefined
}

/**
 * Runs a Cosmos gRPC query over CometBFT's `abci_query`, as cosmjs's `QueryClient` does, with the
 * request and response encoded by protobuf-es; a failure keeps the chain's codespace, code and log.
 *
 * @example
 * const res = await queryAbci(ctx, {
 *   path: '/pocket.shared.Query/Params',
 *   requestSchema: QueryParamsRequestSchema, request: {},
 *   responseSchema: QueryParamsResponseSchema,
 * })
 */
export async function queryAbci<Req extends DescMessage, Res extends DescMessage>(
  ctx: QueryContext,
  parameters: AbciQueryParameters<Req, Res>,
): Promise<MessageShape<Res>> {
  const { path, requestSchema, request, responseSchema, height } = parameters
  const data = marshal(requestSchema, create(requestSchema, request))
  const response = await ctx.comet.abciQuery({
    path,
    data,
    ...(height !== undefined && height > 0n ? { height: toSafeHeight(height) } : {}),
  })
  if (response.code) {
    throw createQueryError({
      path,
      codespace: response.codespace,
      abciCode: response.code,
      log: response.log,
      height,
    })
  }
  try {
    return unmarshal(responseSchema, response.value)
  } catch (cause) {
    throw new ChainError('DECODE_FAILED', `Cannot decode the response of ${path}.`, {
      cause,
    })
  }
}

/**
 * Runs a paginated list query to the end, following `pagination.next_key`.
 * `getItems` picks the list out of each response.
 */
export async function queryAllPages<Req extends DescMessage, Res extends DescMessage, Item>(
  ctx: QueryContext,
  parameters: AbciQueryParameters<Req, Res> & {
    getItems: (response: MessageShape<Res>) => readonly Item[]
  },
): Promise<Item[]> {
  const items: Item[] = []
  let key: Uint8Array = new Uint8Array()
  // A node caps the page size; a few hundred pages is far more than any list a test or a
  // dashboard reads, and stops a node that never ends its pagination.
  for (let page = 0; page < 10_000; page++) {
    const request = {
      ...(parameters.request as object),
      pagination: create(PageRequestSchema, { key, limit: 1000n }),
    } as unknown as MessageInitShape<Req>
    const response = await queryAbci(ctx, { ...parameters, request })
    items.push(...parameters.getItems(response))
    const next = (response as { pagination?: { nextKey: Uint8Array } }).pagination?.nextKey
    if (!next || next.length === 0) return items
    key = next
  }
  throw new ChainError('QUERY_FAILED', `Pagination of ${parameters.path} does not end.`)
}

/** Runs `query`, returning `undefined` instead of throwing when the object does not exist. */
export async function orUndefined<T>(query: Promise<T>): Promise<T | undefined> {
  try {
    return await query
  } catch (error) {
    if (isChainError(error) && error.code === 'NOT_FOUND') return undefined
    throw error
  }
}
