import { create, type DescMessage, type MessageShape } from '@decai/protocol'
import { ParamsSchema as ApplicationParamsSchema } from '@decai/protocol/gen/pocket/application/params_pb'
import { ParamsSchema as GatewayParamsSchema } from '@decai/protocol/gen/pocket/gateway/params_pb'
import { ParamsSchema as ProofParamsSchema } from '@decai/protocol/gen/pocket/proof/params_pb'
import { ParamsSchema as ServiceParamsSchema } from '@decai/protocol/gen/pocket/service/params_pb'
import { ParamsSchema as SessionParamsSchema } from '@decai/protocol/gen/pocket/session/params_pb'
import { ParamsSchema as SharedParamsSchema } from '@decai/protocol/gen/pocket/shared/params_pb'
import { ParamsSchema as SupplierParamsSchema } from '@decai/protocol/gen/pocket/supplier/params_pb'
import {
  MintAllocationPercentagesSchema,
  MintEqualsBurnClaimDistributionSchema,
  ParamsSchema as TokenomicsParamsSchema,
} from '@decai/protocol/gen/pocket/tokenomics/params_pb'
import type { SharedParams as SessionSharedParams } from '@decai/session'
import { coin, decode, encode } from '../app/codec.js'
import type { Context } from '../app/context.js'
import type { StoreName } from '../store/multi-store.js'

export type SharedParams = MessageShape<typeof SharedParamsSchema>
export type SessionParams = MessageShape<typeof SessionParamsSchema>
export type ProofParams = MessageShape<typeof ProofParamsSchema>
export type TokenomicsParams = MessageShape<typeof TokenomicsParamsSchema>
export type ServiceParams = MessageShape<typeof ServiceParamsSchema>
export type ApplicationParams = MessageShape<typeof ApplicationParamsSchema>
export type GatewayParams = MessageShape<typeof GatewayParamsSchema>
export type SupplierParams = MessageShape<typeof SupplierParamsSchema>

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

/** poktroll v0.1.35's module defaults (each module's types/params.go). */
export function defaultModuleParams(): ModuleParams {
  return {
    shared: create(SharedParamsSchema, {
      numBlocksPerSession: 10n,
      gracePeriodEndOffsetBlocks: 1n,
      claimWindowOpenOffsetBlocks: 1n,
      claimWindowCloseOffsetBlocks: 4n,
      proofWindowOpenOffsetBlocks: 0n,
      proofWindowCloseOffsetBlocks: 4n,
      supplierUnbondingPeriodSessions: 1n,
      applicationUnbondingPeriodSessions: 1n,
      computeUnitsToTokensMultiplier: 42_000_000n,
      gatewayUnbondingPeriodSessions: 1n,
      computeUnitCostGranularity: 1_000_000n,
      // The genesis grid (poktroll's NewParams): session 1 starts at block 1.
      sessionGridAnchorHeight: 1n,
      sessionNumberAtAnchor: 1n,
    }),
    session: create(SessionParamsSchema, { numSuppliersPerSession: 15n }),
    proof: create(ProofParamsSchema, {
      proofRequestProbability: 0.25,
      proofRequirementThreshold: coin(20_000_000n),
      proofMissingPenalty: coin(320_000_000n),
      proofSubmissionFee: coin(0n),
    }),
    tokenomics: create(TokenomicsParamsSchema, {
      daoRewardAddress: 'pokt1eeeksh2tvkh7wzmfrljnhw4wrhs55lcuvmekkw',
      mintAllocationPercentages: create(MintAllocationPercentagesSchema, {
        dao: 0.1,
        proposer: 0.05,
        supplier: 0.7,
        sourceOwner: 0.15,
        application: 0,
      }),
      globalInflationPerClaim: 0.1,
      mintEqualsBurnClaimDistribution: create(MintEqualsBurnClaimDistributionSchema, {
        dao: 0.1,
        proposer: 0.05,
        supplier: 0.7,
        sourceOwner: 0.15,
        application: 0,
      }),
      mintRatio: 1,
      overservicingBonusMultiplier: 1n,
    }),
    service: create(ServiceParamsSchema, { addServiceFee: coin(1n), targetNumRelays: 100_000n }),
    application: create(ApplicationParamsSchema, {
      maxDelegatedGateways: 7n,
      minStake: coin(1_000_000n),
    }),
    gateway: create(GatewayParamsSchema, { minStake: coin(100n) }),
    supplier: create(SupplierParamsSchema, { minStake: coin(1_000_000n), stakingFee: coin(1n) }),
  }
}

const schemas = {
  shared: SharedParamsSchema,
  session: SessionParamsSchema,
  proof: ProofParamsSchema,
  tokenomics: TokenomicsParamsSchema,
  service: ServiceParamsSchema,
  application: ApplicationParamsSchema,
  gateway: GatewayParamsSchema,
  supplier: SupplierParamsSchema,
} as const satisfies Record<keyof ModuleParams, DescMessage>

/** Where poktroll keeps a module's params: key `p_<module>` in its own store. */
function paramsKey(module: keyof ModuleParams): string {
  return `p_${module}`
}

export function getParams<M extends keyof ModuleParams>(ctx: Context, module: M): ModuleParams[M] {
  const raw = ctx.store(module as StoreName).get(paramsKey(module))
  const schema = schemas[module] as DescMessage
  return (raw ? decode(schema, raw) : create(schema)) as ModuleParams[M]
}

export function setParams<M extends keyof ModuleParams>(
  ctx: Context,
  module: M,
  params: ModuleParams[M],
): void {
  const schema = schemas[module] as DescMessage
  ctx.store(module as StoreName).set(paramsKey(module), encode(schema, params as never))
}

export const getSharedParams = (ctx: Context) => getParams(ctx, 'shared')

/** The shared params in the shape `@decai/session` computes with. */
export function toSessionParams(p: SharedParams): SessionSharedParams {
  return {
    numBlocksPerSession: p.numBlocksPerSession,
    gracePeriodEndOffsetBlocks: p.gracePeriodEndOffsetBlocks,
    claimWindowOpenOffsetBlocks: p.claimWindowOpenOffsetBlocks,
    claimWindowCloseOffsetBlocks: p.claimWindowCloseOffsetBlocks,
    proofWindowOpenOffsetBlocks: p.proofWindowOpenOffsetBlocks,
    proofWindowCloseOffsetBlocks: p.proofWindowCloseOffsetBlocks,
    computeUnitsToTokensMultiplier: p.computeUnitsToTokensMultiplier,
    computeUnitCostGranularity: p.computeUnitCostGranularity,
    sessionGridAnchorHeight: p.sessionGridAnchorHeight,
    sessionNumberAtAnchor: p.sessionNumberAtAnchor,
  }
}

/** Shared params in force at `ctx`'s height, in `@decai/session`'s shape. */
export function sessionParams(ctx: Context): SessionSharedParams {
  return toSessionParams(getSharedParams(ctx))
}

/** Parsed uPOKT amount of an optional coin param (0 when unset). */
export function coinAmount(c: { amount: string } | undefined): bigint {
  return c && c.amount !== '' ? BigInt(c.amount) : 0n
}
