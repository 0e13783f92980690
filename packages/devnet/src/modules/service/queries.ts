// x/service query service, keyed by gRPC method path.

import { create, type DescMessage, type MessageShape } from '@decai/protocol'
import type { PageRequest } from '@decai/protocol/gen/cosmos/base/query/v1beta1/pagination_pb'
import { ServiceComputeUnitsPerRelayUpdateSchema } from '@decai/protocol/gen/pocket/service/compute_units_pb'
import * as serviceQuery from '@decai/protocol/gen/pocket/service/query_pb'
import {
  RelayMiningDifficultySchema,
  RelayMiningDifficultyUpdateSchema,
} from '@decai/protocol/gen/pocket/service/relay_mining_difficulty_pb'
import { ServiceSchema } from '@decai/protocol/gen/pocket/shared/service_pb'
import { grpcError } from '../../app/abci-error.js'
import { serviceErrors } from '../../app/chain-errors.js'
import { decode } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { paginate, withPageStatus } from '../../app/pagination.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import { getParams } from '../params.js'
import {
  cuprPrefix,
  DIFFICULTY_PREFIX,
  defaultDifficulty,
  difficultyHistoryPrefix,
  getComputeUnitsPerRelayAtHeight,
  getDifficultyAtHeight,
  getService,
  getStoredDifficulty,
  SERVICE_PREFIX,
} from './keeper.js'

/** A list query's page over one prefix of the service store, each entry decoded. */
function listPage<Desc extends DescMessage>(
  ctx: Context,
  prefix: string,
  schema: Desc,
  page: PageRequest | undefined,
  edit?: (item: MessageShape<Desc>) => void,
) {
  const items: MessageShape<Desc>[] = []
  const pagination = withPageStatus('Internal', () =>
    paginate(ctx.store('service'), prefix, page, (_, value) => {
      const item = decode(schema, value)
      edit?.(item)
      items.push(item)
    }),
  )
  return { items, pagination }
}

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
      const { items, pagination } = listPage(
        ctx,
        SERVICE_PREFIX,
        ServiceSchema,
        req.pagination,
        (s) => {
          if (req.dehydrated) s.metadata = undefined
        },
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
      const { items, pagination } = listPage(
        ctx,
        DIFFICULTY_PREFIX,
        RelayMiningDifficultySchema,
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
      const { items, pagination } = listPage(
        ctx,
        difficultyHistoryPrefix(req.serviceId),
        RelayMiningDifficultyUpdateSchema,
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
      const { items, pagination } = listPage(
        ctx,
        cuprPrefix(req.serviceId),
        ServiceComputeUnitsPerRelayUpdateSchema,
        req.pagination,
      )
      return create(serviceQuery.QueryComputeUnitsPerRelayHistoryResponseSchema, {
        computeUnitsPerRelayHistory: items,
        pagination,
      })
    },
  ),
]
