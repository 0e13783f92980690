// x/tokenomics: claim settlement and relay-mining difficulty updates.

import type { AppModule } from '../../app/module.js'
import { endBlockTokenomics } from './end-block.js'
import { tokenomicsQueries } from './queries.js'

export const tokenomicsModule: AppModule = {
  name: 'tokenomics',
  queries: tokenomicsQueries,
  endBlock: endBlockTokenomics,
}
