// x/mint: only its BeginBlocker, at zero inflation (no params, no queries, no messages).

import type { AppModule } from '../../app/module.js'
import { beginBlockMint } from './begin-block.js'

export const mintModule: AppModule = {
  name: 'mint',
  beginBlock: beginBlockMint,
}
