import { getRingAddresses, type RingAddressParameters, resolveRingPublicKeys } from '@decai/crypto'
import { AppKitError } from './errors.js'

// Caches for what the apps read from the chain. Every value cached here is stable for its key (an
// account's key never changes; a ring is fixed at a session end height), so a hit never needs a
// re-read; failures are never kept, so a value that appears later is picked up.

/** An LRU cache of promises: concurrent misses share one load, and failed loads are dropped. */
export class PromiseCache<V> {
  readonly #entries = new Map<string, Promise<V>>()
  constructor(readonly maxEntries: number) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key)
    if (hit) {
      // Refresh its place: the map's insertion order is the eviction order.
      this.#entries.delete(key)
      this.#entries.set(key, hit)
      return hit
    }
    const promise = load()
    this.#entries.set(key, promise)
    promise.catch(() => {
      if (this.#entries.get(key) === promise) this.#entries.delete(key)
    })
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string
      this.#entries.delete(oldest)
    }
    return promise
  }

  get size(): number {
    return this.#entries.size
  }

  delete(key: string): void {
    this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }
}

/** What the key cache reads: any `ChainClient` fits. */
export type AccountReader = {
  getAccount(parameters: { address: string }): Promise<{ publicKey?: Uint8Array | undefined }>
}

/** Account public keys from the chain, cached. */
export type PublicKeyCache = {
  /** The account's compressed public key; rejects with `NO_PUBLIC_KEY` until it has one. */
  get(address: string): Promise<Uint8Array>
}

export function createPublicKeyCache(
  client: AccountReader,
  parameters: { maxEntries?: number } = {},
): PublicKeyCache {
  const keys = new PromiseCache<Uint8Array>(parameters.maxEntries ?? 4096)
  return {
    get: (address) =>
      keys.get(address, async () => {
        const { publicKey } = await client.getAccount({ address })
        if (!publicKey)
          throw new AppKitError('NO_PUBLIC_KEY', 'An account has no public key on chain.', {
            details: `${address} must send a transaction first`,
          })
        return publicKey
      }),
  }
}

/** The parts of an application its ring is built from. */
export type RingApplication = { address: string } & Pick<
  RingAddressParameters,
  'delegateeGatewayAddresses' | 'pendingUndelegations'
>

/** The application's ring at a session end height (poktroll's rule), keys in ring order. */
export function resolveApplicationRing(
  application: RingApplication,
  sessionEndHeight: bigint,
  publicKeys: PublicKeyCache,
): Promise<Uint8Array[]> {
  const { address, delegateeGatewayAddresses, pendingUndelegations } = application
  const addresses = getRingAddresses({
    appAddress: address,
    delegateeGatewayAddresses,
    ...(pendingUndelegations === undefined ? {} : { pendingUndelegations }),
    sessionEndHeight,
  })
  return resolveRingPublicKeys(addresses, (address) => publicKeys.get(address))
}
