// x/session query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import * as sessionQuery from '@decai/protocol/gen/pocket/session/query_pb'
import { errorText, grpcError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { sessionErrors } from '../../app/chain-errors.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import { getParams } from '../params.js'
import { getSession } from './keeper.js'

/** The session module's query service, keyed by gRPC method path. */
export const sessionQueries: readonly QueryRoute[] = [
  queryRoute(
    '/pocket.session.Query/Params',
    sessionQuery.QueryParamsRequestSchema,
    sessionQuery.QueryParamsResponseSchema,
    (ctx) => create(sessionQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'session') }),
  ),
  queryRoute(
    '/pocket.session.Query/GetSession',
    sessionQuery.QueryGetSessionRequestSchema,
    sessionQuery.QueryGetSessionResponseSchema,
    (ctx, req) => {
      const appError = accAddressError(req.applicationAddress)
      if (appError)
        throw grpcError('InvalidArgument', sessionErrors.invalidAppAddress.wrap(appError))
      if (req.blockHeight < 0n) {
        throw grpcError(
          'InvalidArgument',
          `invalid block height for session being retrieved ${req.blockHeight};: invalid block height for session`,
        )
      }
      try {
        return create(sessionQuery.QueryGetSessionResponseSchema, {
          session: getSession(ctx, req.applicationAddress, req.serviceId, req.blockHeight),
        })
      } catch (error) {
        throw grpcError('Internal', errorText(error))
      }
    },
  ),
]
