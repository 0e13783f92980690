// x/auth: accounts, module accounts and public keys.

import type { AppModule } from '../../app/module.js'
import { authQueries } from './queries.js'

export const authModule: AppModule = {
  name: 'auth',
  queries: authQueries,
}
