import { SessionError } from './errors.js'
import { getRngCookedWords } from './go-rand-cooked.js'
import { toInt64 } from './int64.js'

// A port of Go's math/rand (v1): rand.New(rand.NewSource(seed)) and the Rand methods the
// protocol can reach. Same seed, same value stream, bit for bit. The 64-bit state words are
// kept as high and low 32-bit halves so the generator runs on plain numbers.

const RNG_LEN = 607
const RNG_TAP = 273
const INT32_MAX = 2147483647
const INT63_MASK = (1n << 63n) - 1n
const TWO_32 = 2 ** 32
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
  const vecHi = new Uint32Array(RNG_LEN)
  const vecLo = new Uint32Array(RNG_LEN)
  let tap = 0
  let feed = RNG_LEN - RNG_TAP
  // The high word of the last draw; its low word is `next`'s return value.
  let hi = 0

  // rngSource.Uint64: vec[feed] += vec[tap] (mod 2^64).
  const next = (): number => {
    if (--tap < 0) tap += RNG_LEN
    if (--feed < 0) feed += RNG_LEN
    const lo = vecLo[feed]! + vecLo[tap]!
    const carry = lo >= TWO_32 ? 1 : 0
    hi = (vecHi[feed]! + vecHi[tap]! + carry) >>> 0
    vecHi[feed] = hi
    vecLo[feed] = lo >>> 0
    return lo >>> 0
  }
  // Int63 as a double: exact up to the one rounding Go's float64(int64) also does.
  const int63Number = (): number => {
    const lo = next()
    return (hi & 0x7fffffff) * TWO_32 + lo
  }
  const int31 = (): number => {
    next()
    return hi & 0x7fffffff
  }

  const rng: GoRand = {
    seed(s) {
      tap = 0
      feed = RNG_LEN - RNG_TAP
      let v = toInt64(s) % BigInt(INT32_MAX)
      if (v < 0n) v += BigInt(INT32_MAX)
      if (v === 0n) v = 89482311n
      const cooked = getRngCookedWords()
      let x = Number(v)
      for (let i = -20; i < RNG_LEN; i++) {
        x = seedrand(x)
        if (i < 0) continue
        // u = x1 << 40 ^ x2 << 20 ^ x3 in 64 bits, as high and low words.
        const x1 = x
        const x2 = seedrand(x1)
        const x3 = seedrand(x2)
        x = x3
        vecHi[i] = ((x1 << 8) ^ (x2 >>> 12) ^ cooked.hi[i]!) >>> 0
        vecLo[i] = ((x2 << 20) ^ x3 ^ cooked.lo[i]!) >>> 0
      }
    },
    uint64() {
      const lo = next()
      return (BigInt(hi) << 32n) | BigInt(lo)
    },
    int63() {
      const lo = next()
      return (BigInt(hi & 0x7fffffff) << 32n) | BigInt(lo)
    },
    uint32() {
      const lo = next()
      return (hi & 0x7fffffff) * 2 + (lo >>> 31)
    },
    int31,
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
      if ((n & (n - 1)) === 0) return int31() & (n - 1)
      const max = INT32_MAX - (2 ** 31 % n)
      let v = int31()
      while (v > max) v = int31()
      return v % n
    },
    intn(n) {
      if (n <= 0n || n > INT63_MASK) throw invalid('intn', n)
      return n <= BigInt(INT32_MAX) ? BigInt(rng.int31n(Number(n))) : rng.int63n(n)
    },
    float64() {
      // Go 1 shipped float64(Int63()) / 2^63 and keeps that stream; a rounding up to 1 is
      // drawn again.
      for (;;) {
        const f = int63Number() / TWO_63
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
