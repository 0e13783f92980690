// x/tokenomics query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import * as tokenomicsQuery from '@decai/protocol/gen/pocket/tokenomics/query_pb'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import { getParams } from '../params.js'

/** The tokenomics module's query service, keyed by gRPC method path. */
export const tokenomicsQueries: readonly QueryRoute[] = [
  queryRoute(
    '/pocket.tokenomics.Query/Params',
    tokenomicsQuery.QueryParamsRequestSchema,
    tokenomicsQuery.QueryParamsResponseSchema,
    (ctx) =>
      create(tokenomicsQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'tokenomics') }),
  ),
]
