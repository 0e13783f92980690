import type { MessageShape } from '@bufbuild/protobuf'
import { ParamsSchema as ApplicationParamsSchema } from './gen/pocket/application/params_pb.js'
import * as applicationQuery from './gen/pocket/application/query_pb.js'
import { ParamsSchema as GatewayParamsSchema } from './gen/pocket/gateway/params_pb.js'
import * as gatewayQuery from './gen/pocket/gateway/query_pb.js'
import { ParamsSchema as MigrationParamsSchema } from './gen/pocket/migration/params_pb.js'
import * as migrationQuery from './gen/pocket/migration/query_pb.js'
import { ParamsSchema as ProofParamsSchema } from './gen/pocket/proof/params_pb.js'
import * as proofQuery from './gen/pocket/proof/query_pb.js'
import { ParamsSchema as ServiceParamsSchema } from './gen/pocket/service/params_pb.js'
import * as serviceQuery from './gen/pocket/service/query_pb.js'
import { ParamsSchema as SessionParamsSchema } from './gen/pocket/session/params_pb.js'
import * as sessionQuery from './gen/pocket/session/query_pb.js'
import { ParamsSchema as SharedParamsSchema } from './gen/pocket/shared/params_pb.js'
import * as sharedQuery from './gen/pocket/shared/query_pb.js'
import { ParamsSchema as SupplierParamsSchema } from './gen/pocket/supplier/params_pb.js'
import * as supplierQuery from './gen/pocket/supplier/query_pb.js'
import { ParamsSchema as TokenomicsParamsSchema } from './gen/pocket/tokenomics/params_pb.js'
import * as tokenomicsQuery from './gen/pocket/tokenomics/query_pb.js'

/**
 * Every poktroll module with parameters: its `Params` message (`params`, what genesis and the
 * module's store hold) and the gRPC query that serves it (`service`, `request`, `response`).
 */
export const pocketModuleParams = {
  application: {
    params: ApplicationParamsSchema,
    service: 'pocket.application.Query',
    request: applicationQuery.QueryParamsRequestSchema,
    response: applicationQuery.QueryParamsResponseSchema,
  },
  gateway: {
    params: GatewayParamsSchema,
    service: 'pocket.gateway.Query',
    request: gatewayQuery.QueryParamsRequestSchema,
    response: gatewayQuery.QueryParamsResponseSchema,
  },
  migration: {
    params: MigrationParamsSchema,
    service: 'pocket.migration.Query',
    request: migrationQuery.QueryParamsRequestSchema,
    response: migrationQuery.QueryParamsResponseSchema,
  },
  proof: {
    params: ProofParamsSchema,
    service: 'pocket.proof.Query',
    request: proofQuery.QueryParamsRequestSchema,
    response: proofQuery.QueryParamsResponseSchema,
  },
  service: {
    params: ServiceParamsSchema,
    service: 'pocket.service.Query',
    request: serviceQuery.QueryParamsRequestSchema,
    response: serviceQuery.QueryParamsResponseSchema,
  },
  session: {
    params: SessionParamsSchema,
    service: 'pocket.session.Query',
    request: sessionQuery.QueryParamsRequestSchema,
    response: sessionQuery.QueryParamsResponseSchema,
  },
  shared: {
    params: SharedParamsSchema,
    service: 'pocket.shared.Query',
    request: sharedQuery.QueryParamsRequestSchema,
    response: sharedQuery.QueryParamsResponseSchema,
  },
  supplier: {
    params: SupplierParamsSchema,
    service: 'pocket.supplier.Query',
    request: supplierQuery.QueryParamsRequestSchema,
    response: supplierQuery.QueryParamsResponseSchema,
  },
  tokenomics: {
    params: TokenomicsParamsSchema,
    service: 'pocket.tokenomics.Query',
    request: tokenomicsQuery.QueryParamsRequestSchema,
    response: tokenomicsQuery.QueryParamsResponseSchema,
  },
} as const

/** The poktroll modules that have parameters. */
export type PocketModule = keyof typeof pocketModuleParams

/** The `Params` message of a module, e.g. `ModuleParams<'shared'>` is `pocket.shared.Params`. */
export type ModuleParams<M extends PocketModule> = MessageShape<
  (typeof pocketModuleParams)[M]['params']
>

/** The names of every poktroll module with parameters. */
export const pocketModules = Object.keys(pocketModuleParams) as PocketModule[]
