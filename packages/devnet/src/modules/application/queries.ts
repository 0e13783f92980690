// x/application query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import * as applicationQuery from '@decai/protocol/gen/pocket/application/query_pb'
import { grpcError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { appErrors } from '../../app/chain-errors.js'
import { paginate, withKeys } from '../../app/pagination.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import { getParams } from '../params.js'
import { getAllApplications, getApplication } from './keeper.js'

/** The application module's query service, keyed by gRPC method path. */
export const applicationQueries: readonly QueryRoute[] = [
  queryRoute(
    '/pocket.application.Query/Params',
    applicationQuery.QueryParamsRequestSchema,
    applicationQuery.QueryParamsResponseSchema,
    (ctx) =>
      create(applicationQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'application') }),
  ),
  queryRoute(
    '/pocket.application.Query/Application',
    applicationQuery.QueryGetApplicationRequestSchema,
    applicationQuery.QueryGetApplicationResponseSchema,
    (ctx, req) => {
      const application = getApplication(ctx, req.address)
      if (!application)
        throw grpcError('NotFound', appErrors.notFound.wrap(`app address: ${req.address}`))
      return create(applicationQuery.QueryGetApplicationResponseSchema, { application })
    },
  ),
  queryRoute(
    '/pocket.application.Query/AllApplications',
    applicationQuery.QueryAllApplicationsRequestSchema,
    applicationQuery.QueryAllApplicationsResponseSchema,
    (ctx, req) => {
      const gatewayError =
        req.delegateeGatewayAddress === ''
          ? undefined
          : accAddressError(req.delegateeGatewayAddress)
      if (gatewayError) {
        throw grpcError(
          'InvalidArgument',
          appErrors.queryAppsInvalidGatewayAddress.wrap(
            `${JSON.stringify(req.delegateeGatewayAddress)}; (${gatewayError})`,
          ),
        )
      }
      const apps = getAllApplications(ctx)
      const keyed = withKeys(apps, (a) => `${a.address}/`)
      const { items, pagination } = paginate(keyed, req.pagination)
      const filtered =
        req.delegateeGatewayAddress === ''
          ? items
          : items.filter((a) => a.delegateeGatewayAddresses.includes(req.delegateeGatewayAddress))
      return create(applicationQuery.QueryAllApplicationsResponseSchema, {
        applications: filtered,
        pagination,
      })
    },
  ),
]
