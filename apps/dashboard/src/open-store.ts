import type { DashboardStoreConfig } from './config.js'
import { openPostgresStore } from './postgres-store.js'
import { openSqliteStore } from './sqlite-store.js'
import type { Store } from './store.js'

/**
 * Opens (or creates) the index the config names: an SQLite file (a path, `:memory:` for a
 * throwaway one) or a PostgreSQL schema, migrated before it is returned.
 */
export async function openStore(config: DashboardStoreConfig | string): Promise<Store> {
  if (typeof config === 'string') return openSqliteStore(config)
  switch (config.kind) {
    case 'sqlite':
      return openSqliteStore(config.path)
    case 'postgres':
      return openPostgresStore(config)
  }
}
