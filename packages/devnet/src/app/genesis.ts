import type { ResolvedGenesis } from '../config/types.js'
import { initApplicationGenesis } from '../modules/application/genesis.js'
import {
  getAccount,
  getModuleAccount,
  moduleAccountPermissions,
  moduleAddressBytes,
  newAccount,
  pubKeyToAny,
  setAccount,
} from '../modules/auth/keeper.js'
import { getBalance, initBalance } from '../modules/bank/keeper.js'
import { initGatewayGenesis } from '../modules/gateway/genesis.js'
import { type ModuleParams, setParams } from '../modules/params.js'
import { initServiceGenesis } from '../modules/service/genesis.js'
import { initSupplierGenesis } from '../modules/supplier/genesis.js'
import { addressBytes, DENOM } from './codec.js'
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
  // The module accounts the SDK modules' InitGenesis create, in their order (x/auth's fee
  // collector, x/distribution, x/staking's pools, x/gov, x/mint), so account numbers are
  // pocketd's; the others are created on first use, as upstream.
  for (const name of GENESIS_MODULE_ACCOUNTS) getModuleAccount(ctx, name)

  // The gentx: the validator's self-delegation moves to the bonded pool, and the transaction
  // uses the validator account's first sequence.
  moveToModule(ctx, genesis.validator.address, 'bonded_tokens_pool', genesis.validator.stake)
  if (genesis.validator.stake > 0n) {
    const validator = getAccount(ctx, genesis.validator.address)
    if (validator) {
      validator.base.sequence += 1n
      setAccount(ctx, validator)
    }
  }

  initServiceGenesis(ctx, genesis.services)
  initGatewayGenesis(ctx, genesis.gateways)
  initApplicationGenesis(ctx, genesis.applications)
  initSupplierGenesis(ctx, genesis.suppliers)
  // Modules holding genesis actors' stakes get their accounts now.
  for (const name of Object.keys(moduleAccountPermissions)) {
    if (getBalance(ctx, moduleAddressBytes(name)) > 0n) getModuleAccount(ctx, name)
  }
}

const GENESIS_MODULE_ACCOUNTS = [
  'fee_collector',
  'distribution',
  'bonded_tokens_pool',
  'not_bonded_tokens_pool',
  'gov',
  'mint',
] as const

function moveToModule(ctx: Context, from: string, module: string, amount: bigint): void {
  if (amount === 0n) return
  const bytes = addressBytes(from)
  initBalance(ctx, bytes, [{ denom: DENOM, amount: -amount }])
  initBalance(ctx, moduleAddressBytes(module), [{ denom: DENOM, amount }])
}
