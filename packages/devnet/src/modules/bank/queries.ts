// x/bank query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import { ParamsSchema as BankParamsSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/bank_pb'
import * as bankQuery from '@decai/protocol/gen/cosmos/bank/v1beta1/query_pb'
import type { PageRequest } from '@decai/protocol/gen/cosmos/base/query/v1beta1/pagination_pb'
import { grpcError } from '../../app/abci-error.js'
import { addressCodecError } from '../../app/bech32-errors.js'
import { addressBytes, coin } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { paginate, withKeys } from '../../app/pagination.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import { getAllBalances, getBalance, getSupply, getTotalSupply } from './keeper.js'

/** x/bank's check: the address codec's error in an InvalidArgument status. */
function requireAddress(address: string): void {
  const problem = addressCodecError(address)
  if (problem) throw grpcError('InvalidArgument', `invalid address: ${problem}`)
}

function allBalances(ctx: Context, address: string, page: PageRequest | undefined) {
  requireAddress(address)
  const balances = getAllBalances(ctx, addressBytes(address)).map((b) => coin(b.amount, b.denom))
  return paginate(
    withKeys(balances, (b) => b.denom),
    page,
  )
}

/** The bank module's query service, keyed by gRPC method path. */
export const bankQueries: readonly QueryRoute[] = [
  queryRoute(
    '/cosmos.bank.v1beta1.Query/Balance',
    bankQuery.QueryBalanceRequestSchema,
    bankQuery.QueryBalanceResponseSchema,
    (ctx, req) => {
      requireAddress(req.address)
      if (req.denom === '') throw grpcError('InvalidArgument', 'invalid denom')
      return create(bankQuery.QueryBalanceResponseSchema, {
        balance: coin(getBalance(ctx, addressBytes(req.address), req.denom), req.denom),
      })
    },
  ),
  queryRoute(
    '/cosmos.bank.v1beta1.Query/AllBalances',
    bankQuery.QueryAllBalancesRequestSchema,
    bankQuery.QueryAllBalancesResponseSchema,
    (ctx, req) => {
      const { items, pagination } = allBalances(ctx, req.address, req.pagination)
      return create(bankQuery.QueryAllBalancesResponseSchema, { balances: items, pagination })
    },
  ),
  queryRoute(
    '/cosmos.bank.v1beta1.Query/SpendableBalances',
    bankQuery.QuerySpendableBalancesRequestSchema,
    bankQuery.QuerySpendableBalancesResponseSchema,
    (ctx, req) => {
      const { items, pagination } = allBalances(ctx, req.address, req.pagination)
      return create(bankQuery.QuerySpendableBalancesResponseSchema, { balances: items, pagination })
    },
  ),
  queryRoute(
    '/cosmos.bank.v1beta1.Query/TotalSupply',
    bankQuery.QueryTotalSupplyRequestSchema,
    bankQuery.QueryTotalSupplyResponseSchema,
    (ctx, req) => {
      const supply = getTotalSupply(ctx).map((s) => coin(s.amount, s.denom))
      const { items, pagination } = paginate(
        withKeys(supply, (s) => s.denom),
        req.pagination,
      )
      return create(bankQuery.QueryTotalSupplyResponseSchema, { supply: items, pagination })
    },
  ),
  queryRoute(
    '/cosmos.bank.v1beta1.Query/SupplyOf',
    bankQuery.QuerySupplyOfRequestSchema,
    bankQuery.QuerySupplyOfResponseSchema,
    (ctx, req) =>
      create(bankQuery.QuerySupplyOfResponseSchema, {
        amount: coin(getSupply(ctx, req.denom), req.denom),
      }),
  ),
  queryRoute(
    '/cosmos.bank.v1beta1.Query/Params',
    bankQuery.QueryParamsRequestSchema,
    bankQuery.QueryParamsResponseSchema,
    () =>
      create(bankQuery.QueryParamsResponseSchema, {
        params: create(BankParamsSchema, { defaultSendEnabled: true }),
      }),
  ),
]
