import { create } from '@decai/protocol'
import { ApplicationSchema } from '@decai/protocol/gen/pocket/application/types_pb'
import { GatewaySchema } from '@decai/protocol/gen/pocket/gateway/types_pb'
import {
  ApplicationServiceConfigSchema,
  ServiceRevenueShareSchema,
  ServiceSchema,
  SupplierEndpointSchema,
  SupplierServiceConfigSchema,
} from '@decai/protocol/gen/pocket/shared/service_pb'
import {
  ServiceConfigUpdateSchema,
  SupplierSchema,
} from '@decai/protocol/gen/pocket/shared/supplier_pb'
import type { ResolvedGenesis } from '../config/resolve.js'
import { setApplication } from '../modules/application/keeper.js'
import {
  getAccount,
  getModuleAccount,
  moduleAccountPermissions,
  moduleAddressBytes,
  newAccount,
  pubKeyToAny,
  setAccount,
} from '../modules/auth/keeper.js'
import { initBalance } from '../modules/bank/keeper.js'
import { setGateway } from '../modules/gateway/keeper.js'
import { type ModuleParams, setParams } from '../modules/params.js'
import { setService } from '../modules/service/keeper.js'
import { setAndIndexSupplier } from '../modules/supplier/keeper.js'
import { addressBytes, coin, DENOM } from './codec.js'
import type { Context } from './context.js'

/**
 * InitChain: params, accounts and balances, the validator's bonded stake (as a gentx would
 * move it), then the pre-registered services and actors. Stakes of genesis actors are held by
 * their module accounts, as a genesis file lists them, and add to the supply.
 */
export function initGenesis(ctx: Context, genesis: ResolvedGenesis): void {
  for (const module of Object.keys(genesis.params) as (keyof ModuleParams)[]) {
    setParams(ctx, module, genesis.params[module] as never)
  }
  for (const account of genesis.accounts) {
    const bytes = addressBytes(account.address)
    const created = getAccount(ctx, bytes) ?? newAccount(ctx, bytes)
    if (genesis.publishPubKeys && account.publicKey)
      created.base.pubKey = pubKeyToAny(account.publicKey)
    setAccount(ctx, created)
    initBalance(ctx, bytes, [{ denom: DENOM, amount: account.balance }])
  }
  for (const name of Object.keys(moduleAccountPermissions)) getModuleAccount(ctx, name)

  // The gentx: the validator's self-delegation moves to the bonded pool.
  moveToModule(ctx, genesis.validator.address, 'bonded_tokens_pool', genesis.validator.stake)

  for (const s of genesis.services) {
    setService(ctx, create(ServiceSchema, { ...s }))
  }
  for (const g of genesis.gateways) {
    setGateway(ctx, create(GatewaySchema, { address: g.address, stake: coin(g.stake) }))
    initBalance(ctx, moduleAddressBytes('gateway'), [{ denom: DENOM, amount: g.stake }])
  }
  for (const a of genesis.applications) {
    setApplication(
      ctx,
      create(ApplicationSchema, {
        address: a.address,
        stake: coin(a.stake),
        serviceConfigs: [create(ApplicationServiceConfigSchema, { serviceId: a.serviceId })],
        delegateeGatewayAddresses: a.gateways,
      }),
    )
    initBalance(ctx, moduleAddressBytes('application'), [{ denom: DENOM, amount: a.stake }])
  }
  for (const s of genesis.suppliers) {
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

function moveToModule(ctx: Context, from: string, module: string, amount: bigint): void {
  if (amount === 0n) return
  const bytes = addressBytes(from)
  initBalance(ctx, bytes, [{ denom: DENOM, amount: -amount }])
  initBalance(ctx, moduleAddressBytes(module), [{ denom: DENOM, amount }])
}
