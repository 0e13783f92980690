// Bounded caches behind ring signing and verification.
//
// Within a session the ring (application + gateways), the members' hash-to-curve points and each
// signer's key image are the same for every relay. Decoding them (a square root each), hashing
// them to the curve, and above all building fixed-base tables for them pays off from the second
// relay on. Everything cached is public data: points and tables, never private keys.
//
// A table costs about 30 cold multiplications to build, so when the table budget is full a point
// only takes over the least-used table if it is used clearly more often (counts are halved
// periodically, so the measure follows recent traffic). Without that, a working set larger than
// the budget would rebuild tables on nearly every use.

import { nativeBinding } from './backend.js'
import { CryptoError } from './errors.js'
import type { Secp256k1Binding } from './native-binding.js'
import { decompressNative, isCompressedPointNative } from './native-point.js'
import { type Affine, buildTable, decodePoint, encodeCompressed, type FixedTable } from './point.js'
import { hashToCurve, hashToCurveNative } from './ring-hash.js'

/** Limits of the ring-signature caches; see `configureRingCache`. */
export type RingCacheOptions = {
  /** Decoded points kept (ring members, hash-to-curve points, key images). Default 4096. */
  maxPoints?: number
  /**
   * Points with a fixed-base table (about 0.5 MB each) kept. A ring of two needs five: both
   * members, their hash-to-curve points and the signer's key image. Default 64.
   */
  maxTables?: number
  /** Build a point's table on its n-th use (1 = at once, 0 = never). Default 2. */
  precomputeAfter?: number
}

const limits = { maxPoints: 4096, maxTables: 64, precomputeAfter: 2 }

/**
 * A validated point and what has been derived from it so far. The native backend works on the
 * compressed bytes; the affine form (a square root away) is only computed when the pure backend
 * asks for it.
 */
export class CachedPoint {
  uses = 0
  table: FixedTable | undefined = undefined
  private hashed: CachedPoint | undefined = undefined
  private affine: Affine | undefined
  private wide: Uint8Array | undefined = undefined

  constructor(
    readonly key: string,
    /** Canonical 33-byte compressed encoding. */
    readonly bytes: Uint8Array,
    affine?: Affine,
  ) {
    this.affine = affine
  }

  get point(): Affine {
    if (this.affine === undefined) {
      const point = decodePoint(this.bytes, 0, 33)
      // Entries are only created for valid encodings.
      if (point === undefined) throw new Error('unreachable: invalid point in the cache')
      this.affine = point
    }
    return this.affine
  }

  /** The 65-byte uncompressed encoding, which libsecp256k1 parses without a square root. */
  uncompressed(binding: Secp256k1Binding): Uint8Array {
    this.wide ??= decompressNative(binding, this.bytes)
    return this.wide
  }

  /** H_p of this point, itself cached (it is multiplied on every verification too). */
  hashPoint(): CachedPoint {
    if (this.hashed === undefined) {
      const binding = nativeBinding()
      this.hashed =
        binding === undefined
          ? internPoint(hashToCurve(this.bytes))
          : internEncoded(hashToCurveNative(binding, this.bytes))
    }
    return this.hashed
  }
}

// Both maps iterate in insertion order; re-inserting on use makes them LRU.
const points = new Map<string, CachedPoint>()
const withTables = new Map<string, CachedPoint>()

function keyAt(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode.apply(null, bytes.subarray(offset, offset + 33) as unknown as number[])
}

function remember(entry: CachedPoint): CachedPoint {
  points.delete(entry.key)
  points.set(entry.key, entry)
  if (points.size > limits.maxPoints) {
    const oldest = points.keys().next().value
    if (oldest !== undefined) points.delete(oldest)
  }
  return entry
}

/** The cached point for the 33 compressed bytes at `offset`, or undefined if they are invalid. */
export function lookupPoint(bytes: Uint8Array, offset = 0): CachedPoint | undefined {
  const key = keyAt(bytes, offset)
  const hit = points.get(key) ?? withTables.get(key)
  if (hit !== undefined) return remember(hit)
  const encoded = bytes.slice(offset, offset + 33)
  const binding = nativeBinding()
  // Invalid encodings are not cached: garbage must not evict real entries.
  if (binding !== undefined) {
    if (!isCompressedPointNative(binding, encoded)) return undefined
    return remember(new CachedPoint(key, encoded))
  }
  const point = decodePoint(encoded, 0, 33)
  if (point === undefined) return undefined
  return remember(new CachedPoint(key, encoded, point))
}

/** The cache entry of an already-validated point. */
export function internPoint(point: Affine): CachedPoint {
  const bytes = encodeCompressed(point)
  const key = keyAt(bytes, 0)
  return remember(points.get(key) ?? withTables.get(key) ?? new CachedPoint(key, bytes, point))
}

/** The cache entry of an already-validated compressed point (33 bytes, canonical). */
export function internEncoded(bytes: Uint8Array): CachedPoint {
  const key = keyAt(bytes, 0)
  return remember(points.get(key) ?? withTables.get(key) ?? new CachedPoint(key, bytes))
}

// Uses between two halvings of every use count.
const AGING_PERIOD = 8192
let usesSinceAging = 0

function countUse(entry: CachedPoint): void {
  entry.uses++
  if (++usesSinceAging < AGING_PERIOD) return
  usesSinceAging = 0
  for (const e of points.values()) e.uses >>>= 1
  for (const e of withTables.values()) e.uses >>>= 1
}

/** Counts a use of `entry` and returns its table once it has earned one. */
export function useTable(entry: CachedPoint): FixedTable | undefined {
  countUse(entry)
  if (entry.table !== undefined) return entry.table
  const { precomputeAfter, maxTables } = limits
  if (precomputeAfter === 0 || maxTables === 0 || entry.uses < precomputeAfter) return undefined
  if (withTables.size < maxTables) return attachTable(entry)
  const victim = leastUsedTable()
  if (victim === undefined || entry.uses <= 2 * victim.uses + 1) return undefined
  dropTable(victim)
  return attachTable(entry)
}

/**
 * Counts a use of `entry` and returns its table, building it now if missing (explicit warm-up).
 * These tables serve public scalars only; secret scalars never use them (secret-multiply.ts).
 */
export function forceTable(entry: CachedPoint): FixedTable {
  countUse(entry)
  if (entry.table !== undefined) return entry.table
  if (withTables.size >= Math.max(limits.maxTables, 1)) {
    const victim = leastUsedTable()
    if (victim !== undefined) dropTable(victim)
  }
  return attachTable(entry)
}

function leastUsedTable(): CachedPoint | undefined {
  let victim: CachedPoint | undefined
  for (const e of withTables.values()) if (victim === undefined || e.uses < victim.uses) victim = e
  return victim
}

function dropTable(entry: CachedPoint): void {
  entry.table = undefined
  withTables.delete(entry.key)
}

function attachTable(entry: CachedPoint): FixedTable {
  const table = buildTable(entry.point)
  entry.table = table
  withTables.set(entry.key, entry)
  return table
}

/**
 * Sets the limits of the ring-signature caches (process-wide). Lowering a limit evicts at once.
 * Defaults: 4096 points, 64 tables, tables from the second use of a point. A relayminer serving
 * many applications should raise `maxTables` to about five per active application ring.
 */
export function configureRingCache(options: RingCacheOptions): void {
  for (const name of ['maxPoints', 'maxTables', 'precomputeAfter'] as const) {
    const value = options[name]
    if (value === undefined) continue
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new CryptoError('INVALID_INPUT', `${name} must be a non-negative integer.`)
    }
    limits[name] = value
  }
  while (points.size > limits.maxPoints) {
    const oldest = points.keys().next().value
    if (oldest === undefined) break
    points.delete(oldest)
  }
  while (withTables.size > limits.maxTables) {
    const victim = leastUsedTable()
    if (victim === undefined) break
    dropTable(victim)
  }
}

/** Empties the ring-signature caches (tables are rebuilt on demand). */
export function clearRingCache(): void {
  for (const entry of withTables.values()) entry.table = undefined
  withTables.clear()
  points.clear()
}

/** Current cache occupancy, for metrics. */
export function getRingCacheStats(): { points: number; tables: number } {
  return { points: points.size, tables: withTables.size }
}

/**
 * Builds the tables of ring members and of their hash-to-curve points now (a few milliseconds per
 * key) instead of on their second use, for example when a session starts. Invalid keys throw
 * `INVALID_PUBLIC_KEY`.
 */
export function precomputeRingKeys(publicKeys: readonly Uint8Array[]): void {
  for (const [i, key] of publicKeys.entries()) {
    const point = key instanceof Uint8Array ? decodePoint(key) : undefined
    if (point === undefined) {
      throw new CryptoError('INVALID_PUBLIC_KEY', 'Not a valid public key.', {
        details: `key ${i}`,
      })
    }
    const entry = internPoint(point)
    const hashed = entry.hashPoint()
    // libsecp256k1 keeps no per-point tables: the native backend only needs the cached points.
    if (nativeBinding() !== undefined) continue
    forceTable(entry)
    forceTable(hashed)
  }
}
