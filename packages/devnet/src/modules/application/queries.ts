// x/application query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import * as applicationQuery from '@decai/protocol/gen/pocket/application/query_pb'
import {
  type Application,
  ApplicationSchema,
} from '@decai/protocol/gen/pocket/application/types_pb'
import { grpcError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { appErrors } from '../../app/chain-errors.js'
import { decode } from '../../app/codec.js'
import { paginate, withPageStatus } from '../../app/pagination.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import { getParams } from '../params.js'
import { APPLICATION_PREFIX, getApplication } from './keeper.js'

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
      // The delegatee filter runs inside the page, so a page can hold fewer than `limit`.
      const applications: Application[] = []
      const pagination = withPageStatus('Internal', () =>
        paginate(ctx.store('application'), APPLICATION_PREFIX, req.pagination, (_, value) => {
          const app = decode(ApplicationSchema, value)
          const gateway = req.delegateeGatewayAddress
          if (gateway === '' || app.delegateeGatewayAddresses.includes(gateway))
            applications.push(app)
        }),
      )
      return create(applicationQuery.QueryAllApplicationsResponseSchema, {
        applications,
        pagination,
      })
    },
  ),
]
