import { createDatabaseStoreSchema, postgresStoreSchema } from '@decai/app-kit/config'
import { z } from 'zod'

/**
 * The dashboard's PostgreSQL section: the shared one, plus the schema its tables live in, so it
 * can share a database (the gateway's) without its names meeting anyone else's.
 */
export const dashboardPostgresSchema = postgresStoreSchema
  .extend({
    /** A lower-case SQL identifier; created, with the tables, on first start. */
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier')
      .default('dashboard'),
  })
  .strict()

/** The index: an SQLite file (`{ path }`, the default) or PostgreSQL (`{ kind: 'postgres', url }`). */
export const dashboardStoreSchema = createDatabaseStoreSchema(
  'dashboard.sqlite',
  dashboardPostgresSchema,
)

export type DashboardStoreConfig = z.output<typeof dashboardStoreSchema>
