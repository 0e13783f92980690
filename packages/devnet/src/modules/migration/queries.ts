// x/migration query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import { ParamsSchema as MigrationParamsSchema } from '@decai/protocol/gen/pocket/migration/params_pb'
import * as migrationQuery from '@decai/protocol/gen/pocket/migration/query_pb'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'

/** The migration module's query service, keyed by gRPC method path. */
export const migrationQueries: readonly QueryRoute[] = [
  queryRoute(
    '/pocket.migration.Query/Params',
    migrationQuery.QueryParamsRequestSchema,
    migrationQuery.QueryParamsResponseSchema,
    () =>
      create(migrationQuery.QueryParamsResponseSchema, {
        params: create(MigrationParamsSchema, { morseAccountClaimingEnabled: true }),
      }),
  ),
]
