// x/gateway query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import * as gatewayQuery from '@decai/protocol/gen/pocket/gateway/query_pb'
import { type Gateway, GatewaySchema } from '@decai/protocol/gen/pocket/gateway/types_pb'
import { grpcError } from '../../app/abci-error.js'
import { decode } from '../../app/codec.js'
import { paginate, withPageStatus } from '../../app/pagination.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import { getParams } from '../params.js'
import { GATEWAY_PREFIX, getGateway } from './keeper.js'

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
      const gateways: Gateway[] = []
      const pagination = withPageStatus('Internal', () =>
        paginate(ctx.store('gateway'), GATEWAY_PREFIX, req.pagination, (_, value) => {
          const gateway = decode(GatewaySchema, value)
          if (req.dehydrated) gateway.metadata = undefined
          gateways.push(gateway)
        }),
      )
      return create(gatewayQuery.QueryAllGatewaysResponseSchema, { gateways, pagination })
    },
  ),
]
