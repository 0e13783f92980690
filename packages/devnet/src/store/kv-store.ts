import { sha256 } from '@noble/hashes/sha2.js'
import { keyToBytes, prefixEnd } from './keys.js'

/** Half-open key range [start, end); a missing bound is open. */
export type KeyRange = { start?: string | undefined; end?: string | undefined }

/** The key-value interface module code works against (Cosmos `KVStore`). */
export interface KVStore {
  get(key: string): Uint8Array | undefined
  has(key: string): boolean
  set(key: string, value: Uint8Array): void
  delete(key: string): void
  /** Entries in ascending key order (descending with `reverse`) within `range`. */
  entries(range?: KeyRange, reverse?: boolean): [string, Uint8Array][]
}

/** Every entry whose key starts with `prefix`, in key order. */
export function prefixEntries(
  store: KVStore,
  prefix: string,
  reverse = false,
): [string, Uint8Array][] {
  return store.entries({ start: prefix, end: prefixEnd(prefix) }, reverse)
}

const MOD = 1n << 256n

// A multiset hash: the sum of SHA-256(len ‖ key ‖ value) mod 2^256 over all entries. It changes
// whenever any entry changes and can be updated per write, so the app hash costs O(writes).
function entryDigest(key: string, value: Uint8Array): bigint {
  const k = keyToBytes(key)
  const buf = new Uint8Array(4 + k.length + value.length)
  new DataView(buf.buffer).setUint32(0, k.length, false)
  buf.set(k, 4)
  buf.set(value, 4 + k.length)
  let n = 0n
  for (const byte of sha256(buf)) n = (n << 8n) | BigInt(byte)
  return n
}

function inRange(key: string, range: KeyRange): boolean {
  if (range.start !== undefined && key < range.start) return false
  if (range.end !== undefined && key >= range.end) return false
  return true
}

// Index of the first key >= target in a sorted array.
function lowerBound(keys: string[], target: string): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid]! < target) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * The committed state of one module: an in-memory map with a lazily sorted key index, a running
 * digest, and the set of keys written since the last `takeChanges` (what a commit persists).
 */
export class MemoryStore implements KVStore {
  private readonly map = new Map<string, Uint8Array>()
  private sorted: string[] | undefined = []
  private sum = 0n
  private changes = new Map<string, Uint8Array | null>()

  get(key: string): Uint8Array | undefined {
    return this.map.get(key)
  }

  has(key: string): boolean {
    return this.map.has(key)
  }

  set(key: string, value: Uint8Array): void {
    const old = this.map.get(key)
    if (old === undefined) this.sorted = undefined
    else this.sum = (this.sum - entryDigest(key, old) + MOD) % MOD
    const copy = value.slice()
    this.map.set(key, copy)
    this.sum = (this.sum + entryDigest(key, copy)) % MOD
    this.changes.set(key, copy)
  }

  delete(key: string): void {
    const old = this.map.get(key)
    if (old === undefined) return
    this.map.delete(key)
    this.sorted = undefined
    this.sum = (this.sum - entryDigest(key, old) + MOD) % MOD
    this.changes.set(key, null)
  }

  entries(range: KeyRange = {}, reverse = false): [string, Uint8Array][] {
    if (this.sorted === undefined) this.sorted = [...this.map.keys()].sort(compareKeys)
    const keys = this.sorted
    const from = range.start === undefined ? 0 : lowerBound(keys, range.start)
    const to = range.end === undefined ? keys.length : lowerBound(keys, range.end)
    const out: [string, Uint8Array][] = []
    for (let i = from; i < to; i++) out.push([keys[i]!, this.map.get(keys[i]!)!])
    return reverse ? out.reverse() : out
  }

  /** The running digest, 32 bytes big-endian. */
  digest(): Uint8Array {
    const out = new Uint8Array(32)
    let v = this.sum
    for (let i = 31; i >= 0; i--) {
      out[i] = Number(v & 0xffn)
      v >>= 8n
    }
    return out
  }

  get size(): number {
    return this.map.size
  }

  /** Keys written since the last call (null: deleted), and forget them. */
  takeChanges(): Map<string, Uint8Array | null> {
    const changes = this.changes
    this.changes = new Map()
    return changes
  }

  /** Loads an entry without recording it as a change (restoring from disk). */
  load(key: string, value: Uint8Array): void {
    this.set(key, value)
    this.changes.delete(key)
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * A write-back branch of another store (Cosmos `CacheKV`): reads fall through, writes stay here
 * until `write()` applies them, so a failed transaction is dropped by dropping its branch.
 */
export class BranchStore implements KVStore {
  private readonly writes = new Map<string, Uint8Array | null>()

  constructor(private readonly parent: KVStore) {}

  get(key: string): Uint8Array | undefined {
    const w = this.writes.get(key)
    if (w !== undefined) return w === null ? undefined : w
    return this.parent.get(key)
  }

  has(key: string): boolean {
    return this.get(key) !== undefined
  }

  set(key: string, value: Uint8Array): void {
    this.writes.set(key, value.slice())
  }

  delete(key: string): void {
    this.writes.set(key, null)
  }

  entries(range: KeyRange = {}, reverse = false): [string, Uint8Array][] {
    const merged = new Map(this.parent.entries(range))
    for (const [key, value] of this.writes) {
      if (!inRange(key, range)) continue
      if (value === null) merged.delete(key)
      else merged.set(key, value)
    }
    const out = [...merged.entries()].sort((a, b) => compareKeys(a[0], b[0]))
    return reverse ? out.reverse() : out
  }

  /** Applies the buffered writes to the parent, in key order. */
  write(): void {
    const keys = [...this.writes.keys()].sort(compareKeys)
    for (const key of keys) {
      const value = this.writes.get(key)!
      if (value === null) this.parent.delete(key)
      else this.parent.set(key, value)
    }
    this.writes.clear()
  }
}
