// x/migration: only its params query (Morse migration is not run).

import type { AppModule } from '../../app/module.js'
import { migrationQueries } from './queries.js'

export const migrationModule: AppModule = {
  name: 'migration',
  queries: migrationQueries,
}
