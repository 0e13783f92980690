// x/application genesis: `GenesisState.Validate` of the genesis applications, and InitGenesis.

import { create } from '@decai/protocol'
import { ApplicationSchema } from '@decai/protocol/gen/pocket/application/types_pb'
import { ApplicationServiceConfigSchema } from '@decai/protocol/gen/pocket/shared/service_pb'
import { errorText } from '../../app/abci-error.js'
import { appErrors } from '../../app/chain-errors.js'
import { coin, DENOM, isValidAddress } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import type { ResolvedGenesis } from '../../config/types.js'
import { moduleAddressBytes } from '../auth/keeper.js'
import { initBalance } from '../bank/keeper.js'
import { requirePositiveStake } from '../shared/genesis.js'
import { validateAppServiceConfigs } from '../shared/validation.js'
import { setApplication } from './keeper.js'

/** `GenesisState.Validate` for the applications a devnet config stakes at genesis. */
export function validateApplicationGenesis(applications: ResolvedGenesis['applications']): void {
  const seen = new Set<string>()
  for (const app of applications) {
    if (seen.has(app.address)) throw new Error('duplicated index for application')
    seen.add(app.address)
  }
  for (const app of applications) {
    requirePositiveStake(app.stake, 'application', appErrors.invalidStake)
    for (const gateway of app.gateways) {
      if (!isValidAddress(gateway)) {
        throw appErrors.invalidGatewayAddress.wrap(`invalid gateway address ${gateway}`)
      }
    }
    try {
      validateAppServiceConfigs([
        create(ApplicationServiceConfigSchema, { serviceId: app.serviceId }),
      ])
    } catch (error) {
      throw appErrors.invalidServiceConfigs.wrap(errorText(error))
    }
  }
}

/** InitGenesis: the genesis applications; their stakes are held by the application module account. */
export function initApplicationGenesis(
  ctx: Context,
  applications: ResolvedGenesis['applications'],
): void {
  for (const a of applications) {
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
}
