// x/session: sessions, and the block hashes their IDs derive from.

import type { AppModule } from '../../app/module.js'
import { storeBlockHash } from './end-block.js'
import { sessionQueries } from './queries.js'

export const sessionModule: AppModule = {
  name: 'session',
  queries: sessionQueries,
  endBlock: storeBlockHash,
}
