// x/shared: the session and window params every other module reads.

import type { AppModule } from '../../app/module.js'
import { sharedQueries } from './queries.js'

export const sharedModule: AppModule = {
  name: 'shared',
  queries: sharedQueries,
}
