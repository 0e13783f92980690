// x/auth query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import { ParamsSchema as AuthParamsSchema } from '@decai/protocol/gen/cosmos/auth/v1beta1/auth_pb'
import * as authQuery from '@decai/protocol/gen/cosmos/auth/v1beta1/query_pb'
import { grpcError } from '../../app/abci-error.js'
import { addressCodecError } from '../../app/bech32-errors.js'
import { sdkErrors } from '../../app/chain-errors.js'
import { addressBytes } from '../../app/codec.js'
import { paginate, withKeys } from '../../app/pagination.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import {
  accountToAny,
  authParams,
  getAccount,
  getAllAccounts,
  moduleAddressBytes,
} from './keeper.js'

/** The auth module's query service, keyed by gRPC method path. */
export const authQueries: readonly QueryRoute[] = [
  queryRoute(
    '/cosmos.auth.v1beta1.Query/Account',
    authQuery.QueryAccountRequestSchema,
    authQuery.QueryAccountResponseSchema,
    (ctx, req) => {
      if (req.address === '') throw grpcError('InvalidArgument', 'Address cannot be empty')
      // x/auth returns the codec's plain error, which the query router reports as invalid request.
      const problem = addressCodecError(req.address)
      if (problem) throw sdkErrors.invalidRequest.wrap(problem)
      const account = getAccount(ctx, req.address)
      if (!account) throw grpcError('NotFound', `account ${req.address} not found`)
      return create(authQuery.QueryAccountResponseSchema, { account: accountToAny(account) })
    },
  ),
  queryRoute(
    '/cosmos.auth.v1beta1.Query/Accounts',
    authQuery.QueryAccountsRequestSchema,
    authQuery.QueryAccountsResponseSchema,
    (ctx, req) => {
      const all = withKeys(getAllAccounts(ctx), (a) =>
        Buffer.from(addressBytes(a.base.address)).toString('latin1'),
      )
      const { items, pagination } = paginate(all, req.pagination)
      return create(authQuery.QueryAccountsResponseSchema, {
        accounts: items.map(accountToAny),
        pagination,
      })
    },
  ),
  queryRoute(
    '/cosmos.auth.v1beta1.Query/Params',
    authQuery.QueryParamsRequestSchema,
    authQuery.QueryParamsResponseSchema,
    () =>
      create(authQuery.QueryParamsResponseSchema, {
        params: create(AuthParamsSchema, { ...authParams }),
      }),
  ),
  queryRoute(
    '/cosmos.auth.v1beta1.Query/ModuleAccountByName',
    authQuery.QueryModuleAccountByNameRequestSchema,
    authQuery.QueryModuleAccountByNameResponseSchema,
    (ctx, req) => {
      const account = getAccount(ctx, moduleAddressBytes(req.name))
      if (!account?.module) throw grpcError('NotFound', `account ${req.name} not found`)
      return create(authQuery.QueryModuleAccountByNameResponseSchema, {
        account: accountToAny(account),
      })
    },
  ),
]
