// Every module's params in one table (schema, defaults, validation), and where the chain keeps
// them: key `p_<module>` in the module's own store.

import { create, type DescMessage, pocketModuleParams } from '@decai/protocol'
import { decode, encode } from '../app/codec.js'
import type { Context } from '../app/context.js'
import type { StoreName } from '../store/multi-store.js'
import {
  type ApplicationParams,
  defaultApplicationParams,
  validateApplicationParams,
} from './application/params.js'
import {
  defaultGatewayParams,
  type GatewayParams,
  validateGatewayParams,
} from './gateway/params.js'
import { defaultProofParams, type ProofParams, validateProofParams } from './proof/params.js'
import {
  defaultServiceParams,
  type ServiceParams,
  validateServiceParams,
} from './service/params.js'
import {
  defaultSessionParams,
  type SessionParams,
  validateSessionParams,
} from './session/params.js'
import { defaultSharedParams, type SharedParams, validateSharedParams } from './shared/params.js'
import {
  defaultSupplierParams,
  type SupplierParams,
  validateSupplierParams,
} from './supplier/params.js'
import {
  defaultTokenomicsParams,
  type TokenomicsParams,
  validateTokenomicsParams,
} from './tokenomics/params.js'

/** Every module's params, as genesis carries them. */
export type ModuleParams = {
  shared: SharedParams
  session: SessionParams
  proof: ProofParams
  tokenomics: TokenomicsParams
  service: ServiceParams
  application: ApplicationParams
  gateway: GatewayParams
  supplier: SupplierParams
}

type ParamsModule<P> = {
  defaults: () => P
  /** `Params.Validate`; throws the module's `Err…ParamInvalid`. */
  validate: (params: P) => void
}

const paramsModules: { readonly [M in keyof ModuleParams]: ParamsModule<ModuleParams[M]> } = {
  shared: {
    defaults: defaultSharedParams,
    validate: validateSharedParams,
  },
  session: {
    defaults: defaultSessionParams,
    validate: validateSessionParams,
  },
  proof: { defaults: defaultProofParams, validate: validateProofParams },
  tokenomics: {
    defaults: defaultTokenomicsParams,
    validate: validateTokenomicsParams,
  },
  service: {
    defaults: defaultServiceParams,
    validate: validateServiceParams,
  },
  application: {
    defaults: defaultApplicationParams,
    validate: validateApplicationParams,
  },
  gateway: {
    defaults: defaultGatewayParams,
    validate: validateGatewayParams,
  },
  supplier: {
    defaults: defaultSupplierParams,
    validate: validateSupplierParams,
  },
}

/** The names of the modules with params, in genesis order. */
export const paramsModuleNames = Object.keys(paramsModules) as (keyof ModuleParams)[]

/** A module's params schema (for proto3 JSON in config files). */
export function paramsSchema(module: keyof ModuleParams): DescMessage {
  return pocketModuleParams[module].params
}

/** poktroll v0.1.35's module defaults (each module's types/params.go). */
export function defaultModuleParams(): ModuleParams {
  return {
    shared: defaultSharedParams(),
    session: defaultSessionParams(),
    proof: defaultProofParams(),
    tokenomics: defaultTokenomicsParams(),
    service: defaultServiceParams(),
    application: defaultApplicationParams(),
    gateway: defaultGatewayParams(),
    supplier: defaultSupplierParams(),
  }
}

/**
 * Validates one module's params as poktroll v0.1.35 does on a genesis file (`pocketd genesis
 * validate`, InitChain) and on `MsgUpdateParam(s)`: the same checks in the same order, failing
 * with the same registered error and text, so a config the devnet accepts is one pocketd accepts.
 */
export function validateModuleParams<M extends keyof ModuleParams>(
  module: M,
  params: ModuleParams[M],
): void {
  paramsModules[module].validate(params)
}

/** Where poktroll keeps a module's params: key `p_<module>` in its own store. */
function paramsKey(module: keyof ModuleParams): string {
  return `p_${module}`
}

export function getParams<M extends keyof ModuleParams>(ctx: Context, module: M): ModuleParams[M] {
  const raw = ctx.store(module as StoreName).get(paramsKey(module))
  const schema = pocketModuleParams[module].params
  return (raw ? decode(schema, raw) : create(schema)) as ModuleParams[M]
}

export function setParams<M extends keyof ModuleParams>(
  ctx: Context,
  module: M,
  params: ModuleParams[M],
): void {
  const schema = pocketModuleParams[module].params
  ctx.store(module as StoreName).set(paramsKey(module), encode(schema, params as never))
}

/** Parsed uPOKT amount of an optional coin param (0 when unset). */
export function coinAmount(c: { amount: string } | undefined): bigint {
  return c && c.amount !== '' ? BigInt(c.amount) : 0n
}
