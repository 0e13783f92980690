import { getAddress, getPublicKey, privateKeyFromMnemonic } from '@decai/crypto'

/**
 * The devnet's fixed, public TEST mnemonic (the one Anvil and Hardhat use). Keys derived from
 * it are known to everyone: never send real funds to them.
 */
export const TEST_MNEMONIC = 'test test test test test test test test test test test junk'

/** Cosmos HD path of account `index` (coin type 118, as `pocketd keys add` uses). */
export function testKeyPath(index: number): string {
  return `m/44'/118'/0'/0/${index}`
}

export type DerivedKey = { privateKey: Uint8Array; publicKey: Uint8Array; address: string }

// The one module-level cache in the devnet, kept on purpose: it memoizes a pure function (seed
// derivation costs tens of milliseconds, and every genesis derives ten keys), so it cannot carry
// one devnet's state into another. Callers get copies, so none can alter another's keys.
const cache = new Map<string, DerivedKey>()

/** A key from a mnemonic and account index; memoized, since seed derivation is slow. */
export function deriveKey(mnemonic: string, index: number): DerivedKey {
  const id = `${mnemonic}\u0000${index}`
  let key = cache.get(id)
  if (!key) {
    const privateKey = privateKeyFromMnemonic(mnemonic, { path: testKeyPath(index) })
    key = { privateKey, publicKey: getPublicKey(privateKey), address: getAddress(privateKey) }
    cache.set(id, key)
  }
  return {
    privateKey: key.privateKey.slice(),
    publicKey: key.publicKey.slice(),
    address: key.address,
  }
}
