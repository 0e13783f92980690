// What a devnet runs with when its config says nothing: the TEST accounts and short sessions.

import { TEST_MNEMONIC } from '../keys.js'
import type { AccountConfig, DevnetConfig } from './types.js'

export const POKT = 1_000_000n

/** The funded TEST accounts of the default devnet, by derivation index. */
export const defaultAccounts: AccountConfig[] = [
  { name: 'validator', index: 0, balance: 1_000_000n * POKT },
  { name: 'dao', index: 1, balance: 1_000_000n * POKT },
  { name: 'owner', index: 2, balance: 1_000_000n * POKT },
  { name: 'application', index: 3, balance: 1_000_000n * POKT },
  { name: 'gateway', index: 4, balance: 1_000_000n * POKT },
  { name: 'supplier1', index: 5, balance: 1_000_000n * POKT },
  { name: 'supplier2', index: 6, balance: 1_000_000n * POKT },
  { name: 'user1', index: 7, balance: 1_000_000n * POKT },
  { name: 'user2', index: 8, balance: 1_000_000n * POKT },
  { name: 'faucet', index: 9, balance: 1_000_000_000n * POKT },
]

/**
 * Short sessions so a session settles within seconds at 1 s blocks. poktroll requires the
 * supplier and application unbonding periods to cover the five blocks from a session's end to
 * its proof window's close (4 blocks x 1 session would not), hence two sessions.
 */
export const defaultParamOverrides: DevnetConfig['params'] = {
  shared: {
    numBlocksPerSession: '4',
    gracePeriodEndOffsetBlocks: '1',
    claimWindowOpenOffsetBlocks: '1',
    claimWindowCloseOffsetBlocks: '2',
    proofWindowOpenOffsetBlocks: '0',
    proofWindowCloseOffsetBlocks: '2',
    supplierUnbondingPeriodSessions: '2',
    applicationUnbondingPeriodSessions: '2',
  },
}

/** The effective config: defaults for anything not given. */
export function withDefaults(config: DevnetConfig = {}): DevnetConfig {
  return {
    ...config,
    chainId: config.chainId ?? 'pocket',
    blockTimeMs: config.blockTimeMs ?? 1000,
    mnemonic: config.mnemonic ?? TEST_MNEMONIC,
    accounts: config.accounts ?? defaultAccounts,
  }
}
