// The stores every index test runs on: SQLite always, PostgreSQL where its suites run (always in
// CI). One suite, `describe.each(storeCases)`, not a copy per store.
import { join } from 'node:path'
import { inject } from 'vitest'
import type { DashboardStoreConfig } from '../../src/index.js'

export type StoreCase = {
  kind: 'sqlite' | 'postgres'
  /** A store of its own for `name` (a file in `dir`, or a schema of that name). */
  config(name: string, dir: string): DashboardStoreConfig
}

const postgresUrl = inject('postgresUrl')

export const storeCases: StoreCase[] = [
  {
    kind: 'sqlite',
    config: (name, dir) => ({ kind: 'sqlite', path: join(dir, `${name}.sqlite`) }),
  },
  ...(postgresUrl === undefined
    ? []
    : [
        {
          kind: 'postgres' as const,
          config: (name: string) => ({
            kind: 'postgres' as const,
            url: postgresUrl,
            schema: name,
            maxConnections: 4,
            connectTimeoutMs: 2000,
          }),
        },
      ]),
]
