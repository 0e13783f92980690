import { sha3_256 } from '@noble/hashes/sha3.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { SessionError } from './errors.js'
import { compareBytes, toInt64, toUint64 } from './int64.js'

/** The part of a supplier's `ServiceConfigUpdate` that session hydration reads. */
export interface ServiceConfigUpdateLike {
  operatorAddress: string
  activationHeight: bigint
  /** 0 means no deactivation is scheduled. */
  deactivationHeight: bigint
}

/** Whether a supplier's service config is in force at `height`. */
export function isServiceConfigUpdateActive(
  update: ServiceConfigUpdateLike,
  height: bigint,
): boolean {
  if (update.activationHeight > height) return false
  return update.deactivationHeight === 0n || update.deactivationHeight > height
}

const DOT = Uint8Array.of(0x2e)

// The preimage and the dot are absorbed once per session, then cloned for every candidate.
const weightHasher = (preimage: Uint8Array) => sha3_256.create().update(preimage).update(DOT)

function weigh(prefix: ReturnType<typeof weightHasher>, operatorAddress: string): bigint {
  const hash = prefix.clone().update(utf8ToBytes(operatorAddress)).digest()
  return new DataView(hash.buffer, hash.byteOffset, 8).getBigInt64(0, false)
}

/**
 * A candidate's sort weight: the first 8 bytes of SHA3-256(preimage ‖ "." ‖ operator), read
 * big-endian and reinterpreted as a signed int64, as the chain does.
 */
export function getSupplierWeight(sessionIdPreimage: Uint8Array, operatorAddress: string): bigint {
  return weigh(weightHasher(sessionIdPreimage), operatorAddress)
}

const NON_ASCII = /[\u0080-\uffff]/

// Go compares UTF-8 bytes; for ASCII text JavaScript's string order is the same.
function compareAddresses(a: string, b: string): number {
  if (!NON_ASCII.test(a) && !NON_ASCII.test(b)) return a < b ? -1 : a > b ? 1 : 0
  return compareBytes(utf8ToBytes(a), utf8ToBytes(b))
}

/**
 * Orders service config updates as the supplier store iterates them: by activation height
 * (big-endian uint64 keys), then by the operator address bytes followed by "/".
 */
export function sortServiceConfigUpdates<T extends ServiceConfigUpdateLike>(
  updates: readonly T[],
): T[] {
  const keyed = updates.map((update) => ({
    update,
    height: toUint64(update.activationHeight),
    key: `${update.operatorAddress}/`,
  }))
  keyed.sort((a, b) =>
    a.height !== b.height ? (a.height < b.height ? -1 : 1) : compareAddresses(a.key, b.key),
  )
  return keyed.map((k) => k.update)
}

export interface SelectSessionSuppliersParameters<T extends ServiceConfigUpdateLike> {
  /** From {@link getSessionIdPreimage} for the same session and query height. */
  sessionIdPreimage: Uint8Array
  /** The query height (not the session start height). */
  height: bigint
  /** `num_suppliers_per_session` of the session params in force at `height`. */
  numSuppliersPerSession: bigint
  /**
   * The service's config updates from every supplier, in any order, at most one per
   * operator address.
   */
  candidates: readonly T[]
}

/**
 * The suppliers of a session, in session order, as the chain's `hydrateSessionSuppliers`
 * picks them: candidates active at `height`; all of them in store order when there are
 * fewer than `numSuppliersPerSession`; otherwise the first `numSuppliersPerSession` by
 * ascending signed weight, ties broken by operator address bytes.
 */
export function selectSessionSuppliers<T extends ServiceConfigUpdateLike>({
  sessionIdPreimage,
  height,
  numSuppliersPerSession,
  candidates,
}: SelectSessionSuppliersParameters<T>): T[] {
  const m = toInt64(numSuppliersPerSession)
  if (m < 0n)
    throw new SessionError('INVALID_PARAMS', 'num_suppliers_per_session does not fit an int.', {
      details: `num_suppliers_per_session: ${numSuppliersPerSession}`,
    })
  // The store scan stops before key height + 1; then the activity check applies.
  const bound = toUint64(height + 1n)
  const active = sortServiceConfigUpdates(candidates).filter(
    (c) => toUint64(c.activationHeight) < bound && isServiceConfigUpdateActive(c, height),
  )
  if (active.length === 0)
    throw new SessionError('SUPPLIERS_NOT_FOUND', 'No supplier is active for the service.', {
      details: `height: ${height}`,
    })
  if (BigInt(active.length) < m) return active

  const prefix = weightHasher(sessionIdPreimage)
  const weighted = active.map((update) => ({
    update,
    weight: weigh(prefix, update.operatorAddress),
  }))
  weighted.sort((a, b) => {
    if (a.weight !== b.weight) return a.weight < b.weight ? -1 : 1
    return compareAddresses(a.update.operatorAddress, b.update.operatorAddress)
  })
  return weighted.slice(0, Number(m)).map((w) => w.update)
}
