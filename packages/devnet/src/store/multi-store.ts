import { sha256 } from '@noble/hashes/sha2.js'
import { type GasMeter, GasStore } from './gas.js'
import { BranchStore, type KVStore, MemoryStore } from './kv-store.js'

/** The module stores of the app, named as poktroll's store keys (auth's is "acc"). */
export const storeNames = [
  'acc',
  'bank',
  'service',
  'gateway',
  'application',
  'supplier',
  'session',
  'proof',
  'tokenomics',
  'shared',
] as const

export type StoreName = (typeof storeNames)[number]

/** A set of named stores, as a context sees them. */
export interface StoreSet {
  store(name: StoreName): KVStore
}

/** The committed state: one memory store per module, and the app hash over all of them. */
export class CommitStore implements StoreSet {
  readonly stores: Record<StoreName, MemoryStore>

  constructor() {
    this.stores = Object.fromEntries(storeNames.map((n) => [n, new MemoryStore()])) as Record<
      StoreName,
      MemoryStore
    >
  }

  store(name: StoreName): KVStore {
    return this.stores[name]
  }

  /** SHA-256 over each store's name and digest, in name order. */
  appHash(): Uint8Array {
    const enc = new TextEncoder()
    const parts: Uint8Array[] = []
    for (const name of [...storeNames].sort()) {
      parts.push(enc.encode(name), this.stores[name].digest())
    }
    const total = parts.reduce((n, p) => n + p.length, 0)
    const buf = new Uint8Array(total)
    let offset = 0
    for (const p of parts) {
      buf.set(p, offset)
      offset += p.length
    }
    return sha256(buf)
  }
}

/** A branch of a store set: writes are kept until `write()`. */
export class BranchStoreSet implements StoreSet {
  private readonly branches = new Map<StoreName, BranchStore>()

  constructor(private readonly parent: StoreSet) {}

  store(name: StoreName): KVStore {
    let branch = this.branches.get(name)
    if (!branch) {
      branch = new BranchStore(this.parent.store(name))
      this.branches.set(name, branch)
    }
    return branch
  }

  write(): void {
    for (const name of storeNames) this.branches.get(name)?.write()
  }
}

/** A view of a store set that charges a gas meter for every access. */
export class GasStoreSet implements StoreSet {
  constructor(
    private readonly inner: StoreSet,
    private readonly meter: GasMeter,
  ) {}

  store(name: StoreName): KVStore {
    return new GasStore(this.inner.store(name), this.meter)
  }
}
