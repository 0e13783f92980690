// x/bank query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import { ParamsSchema as BankParamsSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/bank_pb'
import * as bankQuery from '@decai/protocol/gen/cosmos/bank/v1beta1/query_pb'
import type { PageRequest } from '@decai/protocol/gen/cosmos/base/query/v1beta1/pagination_pb'
import type { Coin } from '@decai/protocol/gen/cosmos/base/v1beta1/coin_pb'
import { grpcError } from '../../app/abci-error.js'
import { addressCodecError } from '../../app/bech32-errors.js'
import { addressBytes, coin } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { paginateCollection, withPageStatus } from '../../app/pagination.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import { balancePrefix, getBalance, getSupply, readAmount, SUPPLY_PREFIX } from './keeper.js'

/** x/bank's check: the address codec's error in an InvalidArgument status. */
function requireAddress(address: string): void {
  const problem = addressCodecError(address)
  if (problem) throw grpcError('InvalidArgument', `invalid address: ${problem}`)
}

/** An address's balances, a page of the `Balances` collection under its address prefix. */
function allBalances(ctx: Context, address: string, page: PageRequest | undefined) {
  requireAddress(address)
  const items: Coin[] = []
  const pagination = withPageStatus(
    'InvalidArgument',
    () =>
      paginateCollection(
        ctx.store('bank'),
        balancePrefix(addressBytes(address)),
        page,
        (denom, value) => {
          items.push(coin(readAmount(value), denom))
        },
      ),
    'paginate: ',
  )
  return { items, pagination }
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
      const supply: Coin[] = []
      const pagination = withPageStatus('Internal', () =>
        paginateCollection(ctx.store('bank'), SUPPLY_PREFIX, req.pagination, (denom, value) => {
          supply.push(coin(readAmount(value), denom))
        }),
      )
      return create(bankQuery.QueryTotalSupplyResponseSchema, { supply, pagination })
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
