// Malformed addresses described as Go describes them: pocketd's own verdicts
// (`pnpm pocketd vectors`, from `pocketd debug addr`) against the devnet's.
import { expect, it } from 'vitest'
import { accAddressError } from '../src/app/bech32-errors.js'
import vectors from './vectors/bech32-errors.json' with { type: 'json' }

it.each(vectors.cases.map((c) => [c.address.slice(0, 48), c] as const))(
  '%s: as sdk.AccAddressFromBech32',
  (_name, { address, error }) => {
    expect(accAddressError(address) ?? null).toBe(error)
  },
)
