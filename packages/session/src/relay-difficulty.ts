import { create, type RelayMiningDifficulty, RelayMiningDifficultySchema } from '@decai/protocol'
import { createRational, getBaseRelayDifficultyTarget, type Rational } from '@decai/relay-mining'
import { SessionError } from './errors.js'
import { bigIntToBytes, bitLength, bytesToBigInt, floorDiv, MAX_UINT64, toInt64 } from './int64.js'
import type { SessionGridParams } from './params.js'
import { getSessionEndHeight } from './session-grid.js'

// The EMA that retargets relay-mining difficulty at settlement. The target arithmetic itself
// (minability, probability, multiplier, claim value) is @decai/relay-mining's.

/** `floor(hash * ratio)` as minimal big-endian bytes of its magnitude (Go's big.Int Bytes). */
export function scaleRelayDifficultyHash(hash: Uint8Array, ratio: Rational): Uint8Array {
  return bigIntToBytes(floorDiv(bytesToBigInt(hash) * ratio.numerator, ratio.denominator))
}

/**
 * The target for a new relays EMA: `prevTargetHash` scaled by targetNumRelays / ema,
 * capped at the base target and left-padded to the previous length. The chain always
 * passes the base target as `prevTargetHash`.
 */
export function computeNewDifficultyTargetHash(
  prevTargetHash: Uint8Array,
  targetNumRelays: bigint,
  newRelaysEma: bigint,
): Uint8Array {
  if (targetNumRelays === newRelaysEma) return prevTargetHash.slice()
  // big.NewRat(int64(target), int64(ema)): the chain casts both to int64.
  const ema = toInt64(newRelaysEma)
  if (ema === 0n)
    throw new SessionError('ZERO_RELAYS_EMA', 'The relays EMA is zero.', {
      details: 'The difficulty scaling ratio divides by it (the chain panics).',
    })
  const scaled = scaleRelayDifficultyHash(
    prevTargetHash,
    createRational(toInt64(targetNumRelays), ema),
  )
  if (scaled.length > 32) return getBaseRelayDifficultyTarget()
  if (scaled.length >= prevTargetHash.length) return scaled
  const padded = new Uint8Array(prevTargetHash.length)
  padded.set(scaled, prevTargetHash.length - scaled.length)
  return padded
}

// --- Go big.Float, just enough of it: binary values m * 2^e (m >= 0) rounded to a 64-bit
// mantissa, half to even, which is what computeEma's big.Floats use.

interface BinaryFloat {
  m: bigint
  e: number
}

const PREC = 64

function round(m: bigint, e: number): BinaryFloat {
  const excess = bitLength(m) - PREC
  if (excess <= 0) return { m, e }
  const shift = BigInt(excess)
  let q = m >> shift
  const rest = m - (q << shift)
  const half = 1n << (shift - 1n)
  if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n
  return { m: q, e: e + excess }
}

const mul = (a: BinaryFloat, b: BinaryFloat): BinaryFloat => round(a.m * b.m, a.e + b.e)

function add(a: BinaryFloat, b: BinaryFloat): BinaryFloat {
  const e = Math.min(a.e, b.e)
  return round((a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e)), e)
}

/** big.Float.Uint64: truncated toward zero, saturating at 2^64 - 1. */
function truncToUint64(a: BinaryFloat): bigint {
  const v = a.e >= 0 ? a.m << BigInt(a.e) : a.m >> BigInt(-a.e)
  return v > MAX_UINT64 ? MAX_UINT64 : v
}

// alpha is the float64 0.1 = 3602879701896397 / 2^55; 1 - alpha is exact at 64 bits.
const ALPHA: BinaryFloat = { m: 3602879701896397n, e: -55 }
const ONE_MINUS_ALPHA: BinaryFloat = { m: (1n << 55n) - 3602879701896397n, e: -55 }

/**
 * The chain's EMA of settled relays, `floor(0.1 * numRelays + 0.9 * prevEma)`, with its
 * big.Float rounding: each product and the sum rounded to 64 bits, half to even.
 */
export function computeRelaysEma(prevEma: bigint, numRelays: bigint): bigint {
  const current = mul(ALPHA, { m: numRelays, e: 0 })
  const previous = mul(ONE_MINUS_ALPHA, { m: prevEma, e: 0 })
  return truncToUint64(add(current, previous))
}

/** One entry of a service's difficulty history (`RelayMiningDifficultyUpdate`). */
export interface RelayMiningDifficultyUpdate {
  effectiveHeight: bigint
  difficulty: RelayMiningDifficulty
}

/**
 * What the chain reports for a service without difficulty history: the base target, with
 * the EMA at `target_num_relays`.
 */
export function getDefaultRelayMiningDifficulty(
  serviceId: string,
  targetNumRelays: bigint,
): RelayMiningDifficulty {
  return create(RelayMiningDifficultySchema, {
    serviceId,
    blockHeight: 0n,
    numRelaysEma: targetNumRelays,
    targetHash: getBaseRelayDifficultyTarget(),
  })
}

export interface UpdateRelayMiningDifficultyParameters {
  serviceId: string
  /** The stored difficulty of the service, if it has one. */
  current?: RelayMiningDifficulty | undefined
  /** Sum of the relay counts of the service's claims settled in this block. */
  numRelays: bigint
  /** The service module's `target_num_relays`. */
  targetNumRelays: bigint
  /** Height of the settling block. */
  currentHeight: bigint
  /** Shared params in force at `currentHeight`. */
  params: SessionGridParams
}

/**
 * One settlement step of `UpdateRelayMiningDifficulty`: returns the difficulty the step
 * started from (`previous`; on a service's first settlement, one seeded with `numRelays`)
 * and the new one, effective from the next session start.
 */
export function updateRelayMiningDifficulty({
  serviceId,
  current,
  numRelays,
  targetNumRelays,
  currentHeight,
  params,
}: UpdateRelayMiningDifficultyParameters): {
  previous: RelayMiningDifficulty
  next: RelayMiningDifficulty
} {
  const previous =
    current ??
    create(RelayMiningDifficultySchema, {
      serviceId,
      blockHeight: currentHeight,
      numRelaysEma: numRelays,
      targetHash: computeNewDifficultyTargetHash(
        getBaseRelayDifficultyTarget(),
        targetNumRelays,
        numRelays,
      ),
    })
  const numRelaysEma = computeRelaysEma(previous.numRelaysEma, numRelays)
  return {
    previous,
    next: create(RelayMiningDifficultySchema, {
      serviceId,
      blockHeight: toInt64(getSessionEndHeight(params, currentHeight) + 1n),
      numRelaysEma,
      // Always scaled from the base target, never from the previous one.
      targetHash: computeNewDifficultyTargetHash(
        getBaseRelayDifficultyTarget(),
        targetNumRelays,
        numRelaysEma,
      ),
    }),
  }
}

/**
 * The difficulty in force for `serviceId` at `height` (`GetRelayMiningDifficultyAtHeight`):
 * the history entry with the greatest effective height not above `height`, else the
 * default difficulty.
 */
export function getRelayMiningDifficultyAtHeight(
  history: readonly RelayMiningDifficultyUpdate[],
  serviceId: string,
  height: bigint,
  targetNumRelays: bigint,
): RelayMiningDifficulty {
  const bound = BigInt.asUintN(64, height + 1n)
  let best: RelayMiningDifficultyUpdate | undefined
  for (const update of history) {
    if (update.difficulty.serviceId !== serviceId) continue
    const key = BigInt.asUintN(64, update.effectiveHeight)
    if (key >= bound) continue
    if (best === undefined || key >= BigInt.asUintN(64, best.effectiveHeight)) best = update
  }
  return best?.difficulty ?? getDefaultRelayMiningDifficulty(serviceId, targetNumRelays)
}

/**
 * Chain-faithful bookkeeping of relay-mining difficulty for a devnet or a forecast: feed
 * it the relays settled per service per block, read back targets at any height.
 */
export interface RelayMiningDifficultyTracker {
  /** Runs the chain's end-of-block update; services are processed in sorted order. */
  settle(
    height: bigint,
    relaysPerService: Readonly<Record<string, bigint>>,
    params: SessionGridParams,
  ): RelayMiningDifficulty[]
  /** The stored ("current") difficulty of a service, if any. */
  current(serviceId: string): RelayMiningDifficulty | undefined
  atHeight(serviceId: string, height: bigint): RelayMiningDifficulty
  history(): RelayMiningDifficultyUpdate[]
}

export function createRelayMiningDifficultyTracker(
  targetNumRelays: bigint,
): RelayMiningDifficultyTracker {
  const current = new Map<string, RelayMiningDifficulty>()
  const history: RelayMiningDifficultyUpdate[] = []
  const record = (effectiveHeight: bigint, difficulty: RelayMiningDifficulty) => {
    const i = history.findIndex(
      (u) =>
        u.difficulty.serviceId === difficulty.serviceId && u.effectiveHeight === effectiveHeight,
    )
    if (i >= 0) history[i] = { effectiveHeight, difficulty }
    else history.push({ effectiveHeight, difficulty })
  }
  return {
    settle(height, relaysPerService, params) {
      const updated: RelayMiningDifficulty[] = []
      for (const serviceId of Object.keys(relaysPerService).sort(compareStrings)) {
        const { previous, next } = updateRelayMiningDifficulty({
          serviceId,
          current: current.get(serviceId),
          numRelays: relaysPerService[serviceId]!,
          targetNumRelays,
          currentHeight: height,
          params,
        })
        if (!history.some((u) => u.difficulty.serviceId === serviceId)) record(height, previous)
        record(next.blockHeight, next)
        current.set(serviceId, next)
        updated.push(next)
      }
      return updated
    },
    current: (serviceId) => current.get(serviceId),
    atHeight: (serviceId, height) =>
      getRelayMiningDifficultyAtHeight(history, serviceId, height, targetNumRelays),
    history: () => history.slice(),
  }
}

// Go's sort.Strings compares bytes; UTF-16 order differs only outside the BMP, which
// service IDs (ASCII) never reach.
const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
