// x/supplier genesis: `GenesisState.Validate` of the genesis suppliers, and InitGenesis.

import { create } from '@decai/protocol'
import {
  ServiceRevenueShareSchema,
  SupplierEndpointSchema,
  SupplierServiceConfigSchema,
} from '@decai/protocol/gen/pocket/shared/service_pb'
import {
  ServiceConfigUpdateSchema,
  SupplierSchema,
} from '@decai/protocol/gen/pocket/shared/supplier_pb'
import { errorText } from '../../app/abci-error.js'
import { supplierErrors } from '../../app/chain-errors.js'
import { coin, DENOM } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import type { ResolvedGenesis } from '../../config/types.js'
import { moduleAddressBytes } from '../auth/keeper.js'
import { initBalance } from '../bank/keeper.js'
import { requirePositiveStake } from '../shared/genesis.js'
import { validateSupplierServiceConfigs } from '../shared/validation.js'
import { setAndIndexSupplier } from './keeper.js'

/** `GenesisState.Validate` for the suppliers a devnet config stakes at genesis. */
export function validateSupplierGenesis(suppliers: ResolvedGenesis['suppliers']): void {
  const seen = new Set<string>()
  for (const supplier of suppliers) {
    if (seen.has(supplier.operatorAddress)) throw new Error('duplicated index for supplier')
    seen.add(supplier.operatorAddress)
  }
  for (const supplier of suppliers) {
    requirePositiveStake(supplier.stake, 'supplier', supplierErrors.invalidStake)
    try {
      validateSupplierServiceConfigs(
        supplier.services.map((svc) =>
          create(SupplierServiceConfigSchema, {
            serviceId: svc.serviceId,
            endpoints: svc.endpoints.map((e) => create(SupplierEndpointSchema, e)),
            revShare: svc.revShare.map((r) => create(ServiceRevenueShareSchema, r)),
          }),
        ),
      )
    } catch (error) {
      throw supplierErrors.invalidServiceConfig.wrap(errorText(error))
    }
  }
}

/** InitGenesis: the genesis suppliers, their configs active from block 1; their stakes are held by the supplier module account. */
export function initSupplierGenesis(ctx: Context, suppliers: ResolvedGenesis['suppliers']): void {
  for (const s of suppliers) {
    const services = s.services.map((svc) =>
      create(SupplierServiceConfigSchema, {
        serviceId: svc.serviceId,
        endpoints: svc.endpoints.map((e) =>
          create(SupplierEndpointSchema, { url: e.url, rpcType: e.rpcType }),
        ),
        revShare: svc.revShare.map((r) => create(ServiceRevenueShareSchema, r)),
      }),
    )
    setAndIndexSupplier(
      ctx,
      create(SupplierSchema, {
        ownerAddress: s.ownerAddress,
        operatorAddress: s.operatorAddress,
        stake: coin(s.stake),
        serviceConfigHistory: services.map((service) =>
          create(ServiceConfigUpdateSchema, {
            operatorAddress: s.operatorAddress,
            service,
            activationHeight: 1n,
          }),
        ),
      }),
    )
    initBalance(ctx, moduleAddressBytes('supplier'), [{ denom: DENOM, amount: s.stake }])
  }
}
