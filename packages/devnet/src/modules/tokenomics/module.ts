// x/tokenomics: claim settlement and relay-mining difficulty updates.

import type { AppModule } from '../../app/module.js'
import { tokenomicsQueries } from './queries.js'
import { endBlockTokenomics } from './settlement.js'

export const tokenomicsModule: AppModule = {
  name: 'tokenomics',
  queries: tokenomicsQueries,
  endBlock: endBlockTokenomics,
}
