// Genesis checks the actor modules share.

import type { RegisteredError } from '../../app/abci-error.js'

/** A genesis actor's stake must be positive; fails with the actor module's error. */
export function requirePositiveStake(stake: bigint, actor: string, error: RegisteredError): void {
  if (stake <= 0n) throw error.wrap(`invalid stake amount for ${actor}: ${stake}upokt <= 0`)
}
