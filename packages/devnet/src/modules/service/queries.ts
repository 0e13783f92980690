// x/service query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import * as serviceQuery from '@decai/protocol/gen/pocket/service/query_pb'
import { grpcError } from '../../app/abci-error.js'
import { serviceErrors } from '../../app/chain-errors.js'
import type { Context } from '../../app/context.js'
import { paginate, withKeys } from '../../app/pagination.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import { getParams } from '../params.js'
import {
  defaultDifficulty,
  getAllServices,
  getAllStoredDifficulties,
  getComputeUnitsPerRelayAtHeight,
  getComputeUnitsPerRelayHistory,
  getDifficultyAtHeight,
  getDifficultyHistory,
  getService,
  getStoredDifficulty,
} from './keeper.js'

function requireService(ctx: Context, serviceId: string): void {
  if (!getService(ctx, serviceId)) {
    throw grpcError('NotFound', serviceErrors.notFound.wrap(`serviceID: ${serviceId}`))
  }
}

/** The service module's query service, keyed by gRPC method path. */
export const serviceQueries: readonly QueryRoute[] = [
  queryRoute(
    '/pocket.service.Query/Params',
    serviceQuery.QueryParamsRequestSchema,
    serviceQuery.QueryParamsResponseSchema,
    (ctx) => create(serviceQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'service') }),
  ),
  queryRoute(
    '/pocket.service.Query/Service',
    serviceQuery.QueryGetServiceRequestSchema,
    serviceQuery.QueryGetServiceResponseSchema,
    (ctx, req) => {
      const service = getService(ctx, req.id)
      if (!service) throw grpcError('NotFound', `service ID not found: "${req.id}"`)
      if (req.dehydrated) service.metadata = undefined
      return create(serviceQuery.QueryGetServiceResponseSchema, { service })
    },
  ),
  queryRoute(
    '/pocket.service.Query/AllServices',
    serviceQuery.QueryAllServicesRequestSchema,
    serviceQuery.QueryAllServicesResponseSchema,
    (ctx, req) => {
      const services = getAllServices(ctx)
      if (req.dehydrated) for (const s of services) s.metadata = undefined
      const { items, pagination } = paginate(
        withKeys(services, (s) => `${s.id}/`),
        req.pagination,
      )
      return create(serviceQuery.QueryAllServicesResponseSchema, { service: items, pagination })
    },
  ),
  queryRoute(
    '/pocket.service.Query/RelayMiningDifficulty',
    serviceQuery.QueryGetRelayMiningDifficultyRequestSchema,
    serviceQuery.QueryGetRelayMiningDifficultyResponseSchema,
    (ctx, req) => {
      requireService(ctx, req.serviceId)
      const stored = getStoredDifficulty(ctx, req.serviceId)
      // A service without a stored difficulty reports the base target seeded at target_num_relays.
      const difficulty = stored ?? {
        ...defaultDifficulty(ctx, req.serviceId),
        blockHeight: ctx.height,
      }
      return create(serviceQuery.QueryGetRelayMiningDifficultyResponseSchema, {
        relayMiningDifficulty: difficulty,
      })
    },
  ),
  queryRoute(
    '/pocket.service.Query/RelayMiningDifficultyAll',
    serviceQuery.QueryAllRelayMiningDifficultyRequestSchema,
    serviceQuery.QueryAllRelayMiningDifficultyResponseSchema,
    (ctx, req) => {
      const { items, pagination } = paginate(
        withKeys(getAllStoredDifficulties(ctx), (d) => `${d.serviceId}/`),
        req.pagination,
      )
      return create(serviceQuery.QueryAllRelayMiningDifficultyResponseSchema, {
        relayMiningDifficulty: items,
        pagination,
      })
    },
  ),
  queryRoute(
    '/pocket.service.Query/RelayMiningDifficultyAtHeight',
    serviceQuery.QueryGetRelayMiningDifficultyAtHeightRequestSchema,
    serviceQuery.QueryGetRelayMiningDifficultyAtHeightResponseSchema,
    (ctx, req) => {
      if (req.serviceId === '') throw grpcError('InvalidArgument', 'service ID is required')
      if (req.blockHeight < 0n)
        throw grpcError('InvalidArgument', 'block height must be non-negative')
      requireService(ctx, req.serviceId)
      return create(serviceQuery.QueryGetRelayMiningDifficultyAtHeightResponseSchema, {
        relayMiningDifficulty: getDifficultyAtHeight(ctx, req.serviceId, req.blockHeight),
      })
    },
  ),
  queryRoute(
    '/pocket.service.Query/RelayMiningDifficultyHistory',
    serviceQuery.QueryRelayMiningDifficultyHistoryRequestSchema,
    serviceQuery.QueryRelayMiningDifficultyHistoryResponseSchema,
    (ctx, req) => {
      if (req.serviceId === '') throw grpcError('InvalidArgument', 'service ID is required')
      requireService(ctx, req.serviceId)
      const { items, pagination } = paginate(
        withKeys(getDifficultyHistory(ctx, req.serviceId), (u) =>
          u.effectiveHeight.toString().padStart(20, '0'),
        ),
        req.pagination,
      )
      return create(serviceQuery.QueryRelayMiningDifficultyHistoryResponseSchema, {
        relayMiningDifficultyHistory: items,
        pagination,
      })
    },
  ),
  queryRoute(
    '/pocket.service.Query/ComputeUnitsPerRelayAtHeight',
    serviceQuery.QueryComputeUnitsPerRelayAtHeightRequestSchema,
    serviceQuery.QueryComputeUnitsPerRelayAtHeightResponseSchema,
    (ctx, req) => {
      if (req.serviceId === '') throw grpcError('InvalidArgument', 'service ID is required')
      if (req.blockHeight < 0n)
        throw grpcError('InvalidArgument', 'block height must be non-negative')
      requireService(ctx, req.serviceId)
      return create(serviceQuery.QueryComputeUnitsPerRelayAtHeightResponseSchema, {
        computeUnitsPerRelay:
          getComputeUnitsPerRelayAtHeight(ctx, req.serviceId, req.blockHeight) ?? 0n,
      })
    },
  ),
  queryRoute(
    '/pocket.service.Query/ComputeUnitsPerRelayHistory',
    serviceQuery.QueryComputeUnitsPerRelayHistoryRequestSchema,
    serviceQuery.QueryComputeUnitsPerRelayHistoryResponseSchema,
    (ctx, req) => {
      if (req.serviceId === '') throw grpcError('InvalidArgument', 'service ID is required')
      requireService(ctx, req.serviceId)
      const { items, pagination } = paginate(
        withKeys(getComputeUnitsPerRelayHistory(ctx, req.serviceId), (u) =>
          u.effectiveHeight.toString().padStart(20, '0'),
        ),
        req.pagination,
      )
      return create(serviceQuery.QueryComputeUnitsPerRelayHistoryResponseSchema, {
        computeUnitsPerRelayHistory: items,
        pagination,
      })
    },
  ),
]
