import { SessionError } from './errors.js'
import { getRngCooked } from './go-rand-cooked.js'
import { toInt64, toUint64 } from './int64.js'

// A port of Go's math/rand (v1): rand.New(rand.NewSource(seed)) and the Rand methods the
// protocol can reach. Same seed, same value stream, bit for bit.

const RNG_LEN = 607
const RNG_TAP = 273
const INT32_MAX = 2147483647
const INT63_MASK = (1n << 63n) - 1n
const TWO_63 = 2 ** 63

/** Go's `*rand.Rand` over its default source. */
export interface GoRand {
  /** Reseeds the source (`Source.Seed`). */
  seed(seed: bigint): void
  uint64(): bigint
  /** Non-negative 63-bit integer. */
  int63(): bigint
  uint32(): number
  /** Non-negative 31-bit integer. */
  int31(): number
  /** In [0, n); n must be positive. */
  int63n(n: bigint): bigint
  /** In [0, n); n must be a positive int32. */
  int31n(n: number): number
  /** In [0, n); n must be positive (Go's `int` is 64-bit). */
  intn(n: bigint): bigint
  /** In [0, 1). */
  float64(): number
  /** In [0, 1), rounded to float32. */
  float32(): number
}

function seedrand(x: number): number {
  const hi = Math.trunc(x / 44488)
  const lo = x % 44488
  const r = 48271 * lo - 3399 * hi
  return r < 0 ? r + INT32_MAX : r
}

/** `rand.New(rand.NewSource(seed))`. */
export function createGoRand(seed: bigint): GoRand {
  // BigInt64Array stores wrap to int64 on assignment, like Go's int64 additions.
  const vec = new BigInt64Array(RNG_LEN)
  let tap = 0
  let feed = RNG_LEN - RNG_TAP

  const rng: GoRand = {
    seed(s) {
      tap = 0
      feed = RNG_LEN - RNG_TAP
      let v = toInt64(s) % BigInt(INT32_MAX)
      if (v < 0n) v += BigInt(INT32_MAX)
      if (v === 0n) v = 89482311n
      const cooked = getRngCooked()
      let x = Number(v)
      for (let i = -20; i < RNG_LEN; i++) {
        x = seedrand(x)
        if (i < 0) continue
        let u = BigInt(x) << 40n
        x = seedrand(x)
        u ^= BigInt(x) << 20n
        x = seedrand(x)
        u ^= BigInt(x)
        vec[i] = u ^ cooked[i]!
      }
    },
    uint64() {
      if (--tap < 0) tap += RNG_LEN
      if (--feed < 0) feed += RNG_LEN
      const x = vec[feed]! + vec[tap]!
      vec[feed] = x
      return toUint64(x)
    },
    int63: () => rng.uint64() & INT63_MASK,
    uint32: () => Number(rng.int63() >> 31n),
    int31: () => Number(rng.int63() >> 32n),
    int63n(n) {
      if (n <= 0n) throw invalid('int63n', n)
      if ((n & (n - 1n)) === 0n) return rng.int63() & (n - 1n)
      const max = INT63_MASK - ((1n << 63n) % n)
      let v = rng.int63()
      while (v > max) v = rng.int63()
      return v % n
    },
    int31n(n) {
      if (!Number.isInteger(n) || n <= 0 || n > INT32_MAX) throw invalid('int31n', n)
      if ((n & (n - 1)) === 0) return rng.int31() & (n - 1)
      const max = INT32_MAX - (2 ** 31 % n)
      let v = rng.int31()
      while (v > max) v = rng.int31()
      return v % n
    },
    intn(n) {
      if (n <= 0n || n > INT63_MASK) throw invalid('intn', n)
      return n <= BigInt(INT32_MAX) ? BigInt(rng.int31n(Number(n))) : rng.int63n(n)
    },
    float64() {
      // Go 1 shipped float64(Int63()) / 2^63 and keeps that stream; a rounding up to 1 is
      // drawn again. Number(bigint) rounds to nearest, ties to even, like Go's conversion.
      for (;;) {
        const f = Number(rng.int63()) / TWO_63
        if (f !== 1) return f
      }
    },
    float32() {
      for (;;) {
        const f = Math.fround(rng.float64())
        if (f !== 1) return f
      }
    },
  }
  rng.seed(seed)
  return rng
}

function invalid(method: string, n: bigint | number): SessionError {
  return new SessionError('INVALID_ARGUMENT', `Invalid argument to ${method}.`, {
    details: `n: ${n}`,
  })
}
