// x/shared query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import * as sharedQuery from '@decai/protocol/gen/pocket/shared/query_pb'
import { grpcError } from '../../app/abci-error.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import { getParams } from '../params.js'

/** The shared module's query service, keyed by gRPC method path. */
export const sharedQueries: readonly QueryRoute[] = [
  queryRoute(
    '/pocket.shared.Query/Params',
    sharedQuery.QueryParamsRequestSchema,
    sharedQuery.QueryParamsResponseSchema,
    (ctx) => create(sharedQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'shared') }),
  ),
  queryRoute(
    '/pocket.shared.Query/ParamsAtHeight',
    sharedQuery.QueryParamsAtHeightRequestSchema,
    sharedQuery.QueryParamsAtHeightResponseSchema,
    (ctx, req) => {
      if (req.height < 0n) throw grpcError('InvalidArgument', 'height must be non-negative')
      // The devnet's params never change, so every height has the genesis params.
      return create(sharedQuery.QueryParamsAtHeightResponseSchema, {
        params: getParams(ctx, 'shared'),
      })
    },
  ),
]
