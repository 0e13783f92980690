// The module manager: which modules the app runs, and in which order their block hooks run
// (poktroll's app config order for the modules the devnet implements).

import { applicationModule } from '../modules/application/module.js'
import { authModule } from '../modules/auth/module.js'
import { bankModule } from '../modules/bank/module.js'
import { distributionModule } from '../modules/distribution/module.js'
import { gatewayModule } from '../modules/gateway/module.js'
import { migrationModule } from '../modules/migration/module.js'
import { mintModule } from '../modules/mint/module.js'
import { proofModule } from '../modules/proof/module.js'
import { serviceModule } from '../modules/service/module.js'
import { sessionModule } from '../modules/session/module.js'
import { sharedModule } from '../modules/shared/module.js'
import { supplierModule } from '../modules/supplier/module.js'
import { tokenomicsModule } from '../modules/tokenomics/module.js'
import type { Context } from './context.js'
import type { AppModule, MsgRoute } from './module.js'
import type { QueryRoute } from './query-router.js'

export const appModules: readonly AppModule[] = [
  authModule,
  bankModule,
  mintModule,
  distributionModule,
  sharedModule,
  sessionModule,
  serviceModule,
  applicationModule,
  gatewayModule,
  supplierModule,
  proofModule,
  tokenomicsModule,
  migrationModule,
]

/**
 * `SetOrderBeginBlockers`: the SDK's mint, then distribution (both every block), then the
 * supplier module's service activations.
 */
const beginBlockers: readonly AppModule[] = [mintModule, distributionModule, supplierModule]

/**
 * `SetOrderEndBlockers`: record the block hash, validate proofs, settle claims (and update
 * difficulties), then finish unbondings.
 */
const endBlockers: readonly AppModule[] = [
  sessionModule,
  proofModule,
  tokenomicsModule,
  gatewayModule,
  applicationModule,
  supplierModule,
]

export function beginBlock(ctx: Context): void {
  for (const module of beginBlockers) module.beginBlock?.(ctx)
}

export function endBlock(ctx: Context): void {
  for (const module of endBlockers) module.endBlock?.(ctx)
}

/** Every module's query methods. */
export function moduleQueryRoutes(): QueryRoute[] {
  return appModules.flatMap((m) => m.queries ?? [])
}

/** Every message a module's MsgServer handles. */
export function moduleMsgRoutes(): MsgRoute[] {
  return appModules.flatMap((m) => m.msgs ?? [])
}
