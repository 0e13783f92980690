// x/distribution: only its BeginBlocker's fee allocation (no state of its own, no queries).

import type { AppModule } from '../../app/module.js'
import { beginBlockDistribution } from './begin-block.js'

export const distributionModule: AppModule = {
  name: 'distribution',
  beginBlock: beginBlockDistribution,
}
