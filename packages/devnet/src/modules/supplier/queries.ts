// x/supplier query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import * as supplierQuery from '@decai/protocol/gen/pocket/supplier/query_pb'
import { grpcError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { supplierErrors } from '../../app/chain-errors.js'
import { paginate, withKeys } from '../../app/pagination.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import { getParams } from '../params.js'
import {
  getAllDehydratedSuppliers,
  getPartiallyHydratedSupplier,
  getSupplier,
  getSupplierConfigUpdates,
  isConfigActive,
} from './keeper.js'

/** The supplier module's query service, keyed by gRPC method path. */
export const supplierQueries: readonly QueryRoute[] = [
  queryRoute(
    '/pocket.supplier.Query/Params',
    supplierQuery.QueryParamsRequestSchema,
    supplierQuery.QueryParamsResponseSchema,
    (ctx) =>
      create(supplierQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'supplier') }),
  ),
  queryRoute(
    '/pocket.supplier.Query/Supplier',
    supplierQuery.QueryGetSupplierRequestSchema,
    supplierQuery.QueryGetSupplierResponseSchema,
    (ctx, req) => {
      const supplier = req.dehydrated
        ? getPartiallyHydratedSupplier(ctx, req.operatorAddress)
        : getSupplier(ctx, req.operatorAddress)
      if (!supplier) {
        throw grpcError(
          'NotFound',
          supplierErrors.notFound.wrap(`supplier with operator address: "${req.operatorAddress}"`),
        )
      }
      return create(supplierQuery.QueryGetSupplierResponseSchema, { supplier })
    },
  ),
  queryRoute(
    '/pocket.supplier.Query/AllSuppliers',
    supplierQuery.QueryAllSuppliersRequestSchema,
    supplierQuery.QueryAllSuppliersResponseSchema,
    (ctx, req) => {
      for (const [what, address] of [
        ['operator', req.operatorAddress],
        ['owner', req.ownerAddress],
      ] as const) {
        const problem = address === '' ? undefined : accAddressError(address)
        if (problem) {
          throw grpcError(
            'InvalidArgument',
            supplierErrors.invalidAddress.wrap(`invalid ${what} address ${address}; (${problem})`),
          )
        }
      }
      const hydrate = (op: string) =>
        req.dehydrated ? getPartiallyHydratedSupplier(ctx, op) : getSupplier(ctx, op)
      let operators = getAllDehydratedSuppliers(ctx)
        .filter((s) => req.ownerAddress === '' || s.ownerAddress === req.ownerAddress)
        .filter((s) => req.operatorAddress === '' || s.operatorAddress === req.operatorAddress)
        .map((s) => s.operatorAddress)
      if (req.serviceId !== '') {
        operators = operators.filter((op) =>
          getSupplierConfigUpdates(ctx, op, req.serviceId).some((u) =>
            isConfigActive(u, ctx.height),
          ),
        )
      }
      const suppliers = operators.map(hydrate).filter((s) => s !== undefined)
      const { items, pagination } = paginate(
        withKeys(suppliers, (s) => `${s.operatorAddress}/`),
        req.pagination,
      )
      return create(supplierQuery.QueryAllSuppliersResponseSchema, { supplier: items, pagination })
    },
  ),
]
