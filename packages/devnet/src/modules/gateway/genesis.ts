// x/gateway genesis: `GenesisState.Validate` of the genesis gateways, and InitGenesis.

import { create } from '@decai/protocol'
import { GatewaySchema } from '@decai/protocol/gen/pocket/gateway/types_pb'
import { gatewayErrors } from '../../app/chain-errors.js'
import { coin, DENOM } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import type { ResolvedGenesis } from '../../config/types.js'
import { moduleAddressBytes } from '../auth/keeper.js'
import { initBalance } from '../bank/keeper.js'
import { requirePositiveStake } from '../shared/genesis.js'
import { setGateway } from './keeper.js'

/** `GenesisState.Validate` for the gateways a devnet config stakes at genesis. */
export function validateGatewayGenesis(gateways: ResolvedGenesis['gateways']): void {
  const seen = new Set<string>()
  for (const gateway of gateways) {
    if (seen.has(gateway.address)) {
      throw gatewayErrors.invalidAddress.wrap('duplicated index for gateway')
    }
    seen.add(gateway.address)
    requirePositiveStake(gateway.stake, 'gateway', gatewayErrors.invalidStake)
  }
}

/** InitGenesis: the genesis gateways; their stakes are held by the gateway module account. */
export function initGatewayGenesis(ctx: Context, gateways: ResolvedGenesis['gateways']): void {
  for (const g of gateways) {
    setGateway(ctx, create(GatewaySchema, { address: g.address, stake: coin(g.stake) }))
    initBalance(ctx, moduleAddressBytes('gateway'), [{ denom: DENOM, amount: g.stake }])
  }
}
