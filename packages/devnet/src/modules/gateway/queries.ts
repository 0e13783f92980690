// x/gateway query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import * as gatewayQuery from '@decai/protocol/gen/pocket/gateway/query_pb'
import { grpcError } from '../../app/abci-error.js'
import { paginate, withKeys } from '../../app/pagination.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import { getParams } from '../params.js'
import { getAllGateways, getGateway } from './keeper.js'

/** The gateway module's query service, keyed by gRPC method path. */
export const gatewayQueries: readonly QueryRoute[] = [
  queryRoute(
    '/pocket.gateway.Query/Params',
    gatewayQuery.QueryParamsRequestSchema,
    gatewayQuery.QueryParamsResponseSchema,
    (ctx) => create(gatewayQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'gateway') }),
  ),
  queryRoute(
    '/pocket.gateway.Query/Gateway',
    gatewayQuery.QueryGetGatewayRequestSchema,
    gatewayQuery.QueryGetGatewayResponseSchema,
    (ctx, req) => {
      const gateway = getGateway(ctx, req.address)
      if (!gateway) throw grpcError('NotFound', `gateway not found: address ${req.address}`)
      if (req.dehydrated) gateway.metadata = undefined
      return create(gatewayQuery.QueryGetGatewayResponseSchema, { gateway })
    },
  ),
  queryRoute(
    '/pocket.gateway.Query/AllGateways',
    gatewayQuery.QueryAllGatewaysRequestSchema,
    gatewayQuery.QueryAllGatewaysResponseSchema,
    (ctx, req) => {
      const gateways = getAllGateways(ctx)
      if (req.dehydrated) for (const g of gateways) g.metadata = undefined
      const { items, pagination } = paginate(
        withKeys(gateways, (g) => `${g.address}/`),
        req.pagination,
      )
      return create(gatewayQuery.QueryAllGatewaysResponseSchema, { gateways: items, pagination })
    },
  ),
]
