// x/supplier query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import type { PageResponse } from '@decai/protocol/gen/cosmos/base/query/v1beta1/pagination_pb'
import {
  ServiceConfigUpdateSchema,
  type Supplier,
  SupplierSchema,
} from '@decai/protocol/gen/pocket/shared/supplier_pb'
import * as supplierQuery from '@decai/protocol/gen/pocket/supplier/query_pb'
import { grpcError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { supplierErrors } from '../../app/chain-errors.js'
import { decode } from '../../app/codec.js'
import { paginate, withPageStatus } from '../../app/pagination.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import { getParams } from '../params.js'
import {
  getDehydratedSupplier,
  getPartiallyHydratedSupplier,
  getSupplier,
  isConfigActive,
  SUPPLIER_PREFIX,
  serviceConfigUpdatesPrefix,
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
      const store = ctx.store('supplier')
      const suppliers: Supplier[] = []
      const keep = (supplier: Supplier | undefined) => {
        if (!supplier) return
        if (req.ownerAddress !== '' && supplier.ownerAddress !== req.ownerAddress) return
        const hydrated = hydrate(supplier.operatorAddress)
        if (hydrated) suppliers.push(hydrated)
      }

      // Upstream picks one of three walks, and only the last two page.
      if (req.operatorAddress !== '' && req.serviceId === '' && req.ownerAddress === '') {
        const supplier = hydrate(req.operatorAddress)
        return create(supplierQuery.QueryAllSuppliersResponseSchema, {
          supplier: supplier ? [supplier] : [],
        })
      }
      let pagination: PageResponse
      if (req.serviceId !== '') {
        // The service's config updates, each supplier once per page, active ones only.
        const seen = new Set<string>()
        pagination = withPageStatus('Internal', () =>
          paginate(store, serviceConfigUpdatesPrefix(req.serviceId), req.pagination, (_, value) => {
            const update = decode(ServiceConfigUpdateSchema, value)
            if (!isConfigActive(update, ctx.height)) return
            const operator = update.operatorAddress
            if (req.operatorAddress !== '' && operator !== req.operatorAddress) return
            if (seen.has(operator)) return
            seen.add(operator)
            keep(getDehydratedSupplier(ctx, operator))
          }),
        )
      } else {
        pagination = withPageStatus('Internal', () =>
          paginate(store, SUPPLIER_PREFIX, req.pagination, (_, value) => {
            const supplier = decode(SupplierSchema, value)
            if (req.operatorAddress !== '' && supplier.operatorAddress !== req.operatorAddress)
              return
            keep(supplier)
          }),
        )
      }
      return create(supplierQuery.QueryAllSuppliersResponseSchema, {
        supplier: suppliers,
        pagination,
      })
    },
  ),
]
