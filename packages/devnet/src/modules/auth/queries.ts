// x/auth query service, keyed by gRPC method path.

import { type Any, create } from '@decai/protocol'
import { ParamsSchema as AuthParamsSchema } from '@decai/protocol/gen/cosmos/auth/v1beta1/auth_pb'
import * as authQuery from '@decai/protocol/gen/cosmos/auth/v1beta1/query_pb'
import { grpcError } from '../../app/abci-error.js'
import { addressCodecError } from '../../app/bech32-errors.js'
import { sdkErrors } from '../../app/chain-errors.js'
import { paginateCollection } from '../../app/pagination.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import {
  ACCOUNT_PREFIX,
  accountToAny,
  authParams,
  decodeAccount,
  getAccount,
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
      // x/auth returns the paginator's error as is, which the query router reports as invalid request.
      const accounts: Any[] = []
      const pagination = paginateCollection(
        ctx.store('acc'),
        ACCOUNT_PREFIX,
        req.pagination,
        (_, value) => {
          accounts.push(accountToAny(decodeAccount(value)))
        },
      )
      return create(authQuery.QueryAccountsResponseSchema, { accounts, pagination })
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
