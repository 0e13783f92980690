// x/service genesis: `GenesisState.Validate` of the genesis services, and InitGenesis.

import { create } from '@decai/protocol'
import { ServiceSchema } from '@decai/protocol/gen/pocket/shared/service_pb'
import type { Context } from '../../app/context.js'
import type { ResolvedGenesis } from '../../config/types.js'
import { validateService } from '../shared/validation.js'
import { serviceDuplicateIndex } from './errors.js'
import { setService } from './keeper.js'

/** `GenesisState.Validate` for the services a devnet config stakes at genesis. */
export function validateServiceGenesis(services: ResolvedGenesis['services']): void {
  const ids = new Set<string>()
  const names = new Set<string>()
  for (const s of services) {
    const service = create(ServiceSchema, { ...s })
    validateService(service)
    // Go's %v of the Service struct.
    const shown = `{${s.id} ${s.name} ${s.computeUnitsPerRelay} ${s.ownerAddress} <nil>}`
    if (ids.has(s.id)) throw serviceDuplicateIndex.wrap(`duplicated ID for service: ${shown}`)
    ids.add(s.id)
    if (names.has(s.name)) {
      throw serviceDuplicateIndex.wrap(`duplicated name for service: ${shown}`)
    }
    names.add(s.name)
  }
}

/** InitGenesis: the genesis services. */
export function initServiceGenesis(ctx: Context, services: ResolvedGenesis['services']): void {
  for (const s of services) {
    setService(ctx, create(ServiceSchema, { ...s }))
  }
}
