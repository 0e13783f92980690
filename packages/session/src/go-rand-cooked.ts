// Go's math/rand XORs a 607-entry table, rngCooked, into every seeded state. Go documents
// the table as the state of its own additive lagged-Fibonacci generator after 7.8e12 steps
// from seed 1 (gen_cooked.go). Rather than carrying the table, it is recomputed here from
// that definition: the generator is linear over Z/2^64, so jumping 7.8e12 steps ahead is
// x^K mod (x^607 - x^334 - 1), about 35 polynomial squarings. It costs tens of
// milliseconds once per process; the go-rand vectors prove the result equals Go's table.

const LEN = 607
const TAP = 273
const LAG = LEN - TAP // 334: feed index starts this far ahead of the tap
const STEPS = 7_800_000_000_000n
const LIMB = 65536

let cooked: BigInt64Array | undefined
let words: { hi: Uint32Array; lo: Uint32Array } | undefined

/** The rngCooked table (int64 values), derived on first use and then cached. */
export function getRngCooked(): BigInt64Array {
  cooked ??= deriveRngCooked()
  return cooked
}

/** The same table as high and low 32-bit words, for arithmetic on plain numbers. */
export function getRngCookedWords(): { hi: Uint32Array; lo: Uint32Array } {
  if (words === undefined) {
    const table = getRngCooked()
    const hi = new Uint32Array(LEN)
    const lo = new Uint32Array(LEN)
    for (let i = 0; i < LEN; i++) {
      const v = BigInt.asUintN(64, table[i]!)
      hi[i] = Number(v >> 32n)
      lo[i] = Number(v & 0xffffffffn)
    }
    words = { hi, lo }
  }
  return words
}

// Seeding of gen_cooked.go (differs from rng.go's Seed in the shifts and the missing XOR).
function seedrand(x: number): number {
  const hi = Math.trunc(x / 44488)
  const lo = x % 44488
  const r = 48271 * lo - 3399 * hi
  return r < 0 ? r + 2147483647 : r
}

function initialState(): bigint[] {
  const vec: bigint[] = []
  let x = 1
  for (let i = -20; i < LEN; i++) {
    x = seedrand(x)
    if (i < 0) continue
    let u = BigInt(x) << 20n
    x = seedrand(x)
    u ^= BigInt(x) << 10n
    x = seedrand(x)
    u ^= BigInt(x)
    vec.push(u)
  }
  return vec
}

// Polynomials over Z/2^64 are stored as four 16-bit limbs per coefficient in a Float64Array,
// so limb products and their sums (< 2^44) stay exact in doubles.

function normalize(a: Float64Array, k: number): void {
  let carry = 0
  for (let l = 0; l < 4; l++) {
    const c = a[4 * k + l]! + carry
    carry = Math.floor(c / LIMB)
    a[4 * k + l] = c - carry * LIMB
  }
}

/** Reduces coefficients of degree `deg` down to 607 with x^607 = x^334 + 1. */
function reduce(a: Float64Array, deg: number): Float64Array {
  for (let d = deg; d >= LEN; d--) {
    normalize(a, d)
    for (let l = 0; l < 4; l++) {
      const v = a[4 * d + l]!
      a[4 * (d - TAP) + l]! += v
      a[4 * (d - LEN) + l]! += v
    }
  }
  for (let k = 0; k < LEN; k++) normalize(a, k)
  return a.slice(0, 4 * LEN)
}

function square(a: Float64Array): Float64Array {
  const out = new Float64Array(4 * (2 * LEN - 1))
  for (let i = 0; i < LEN; i++) {
    const a0 = a[4 * i]!
    const a1 = a[4 * i + 1]!
    const a2 = a[4 * i + 2]!
    const a3 = a[4 * i + 3]!
    if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue
    let k = 8 * i
    out[k]! += a0 * a0
    out[k + 1]! += 2 * a0 * a1
    out[k + 2]! += 2 * a0 * a2 + a1 * a1
    out[k + 3]! += 2 * (a0 * a3 + a1 * a2)
    const b0 = 2 * a0
    const b1 = 2 * a1
    const b2 = 2 * a2
    const b3 = 2 * a3
    for (let j = i + 1; j < LEN; j++) {
      const c0 = a[4 * j]!
      const c1 = a[4 * j + 1]!
      const c2 = a[4 * j + 2]!
      const c3 = a[4 * j + 3]!
      k = 4 * (i + j)
      out[k]! += b0 * c0
      out[k + 1]! += b0 * c1 + b1 * c0
      out[k + 2]! += b0 * c2 + b1 * c1 + b2 * c0
      out[k + 3]! += b0 * c3 + b1 * c2 + b2 * c1 + b3 * c0
    }
  }
  return reduce(out, 2 * LEN - 2)
}

function multiplyByX(a: Float64Array): Float64Array {
  const out = new Float64Array(4 * (LEN + 1))
  out.set(a, 4)
  return reduce(out, LEN)
}

function deriveRngCooked(): BigInt64Array {
  // R(x) = x^STEPS mod P(x), by square-and-multiply from the top bit; exponents below 607
  // are plain monomials.
  const bits = STEPS.toString(2)
  let e = 0
  let i = 0
  while (i < bits.length && 2 * e + Number(bits[i]) < LEN) e = 2 * e + Number(bits[i++])
  let r: Float64Array = new Float64Array(4 * LEN)
  r[4 * e] = 1
  for (; i < bits.length; i++) {
    r = square(r)
    if (bits[i] === '1') r = multiplyByX(r)
  }

  // The output sequence y_t = y_{t-607} + y_{t-273} (t >= 1) starts from y_{-606..0}, which
  // sit at ring positions (334 - t) mod 607; extend it to y_606.
  const vec = initialState()
  const y: bigint[] = []
  for (let t = -606; t <= 0; t++) y.push(vec[(((LAG - t) % LEN) + LEN) % LEN]!)
  for (let t = 1; t <= 606; t++) y.push(BigInt.asUintN(64, y[t - LEN + 606]! + y[t - TAP + 606]!))
  const limbs = new Float64Array(4 * y.length)
  y.forEach((v, idx) => {
    for (let l = 0; l < 4; l++) limbs[4 * idx + l] = Number((v >> BigInt(16 * l)) & 0xffffn)
  })

  // y_{STEPS+m} = sum_j r_j * y_{m+j}; after STEPS steps position (334 - t) mod 607 holds y_t.
  const table = new BigInt64Array(LEN)
  const acc = new Float64Array(4)
  for (let m = -606; m <= 0; m++) {
    let l0 = 0
    let l1 = 0
    let l2 = 0
    let l3 = 0
    for (let j = 0; j < LEN; j++) {
      const q = 4 * (m + j + 606)
      const r0 = r[4 * j]!
      const r1 = r[4 * j + 1]!
      const r2 = r[4 * j + 2]!
      const r3 = r[4 * j + 3]!
      const y0 = limbs[q]!
      const y1 = limbs[q + 1]!
      const y2 = limbs[q + 2]!
      const y3 = limbs[q + 3]!
      l0 += r0 * y0
      l1 += r0 * y1 + r1 * y0
      l2 += r0 * y2 + r1 * y1 + r2 * y0
      l3 += r0 * y3 + r1 * y2 + r2 * y1 + r3 * y0
    }
    acc[0] = l0
    acc[1] = l1
    acc[2] = l2
    acc[3] = l3
    normalize(acc, 0)
    const value =
      BigInt(acc[0]!) |
      (BigInt(acc[1]!) << 16n) |
      (BigInt(acc[2]!) << 32n) |
      (BigInt(acc[3]!) << 48n)
    const t = STEPS + BigInt(m)
    table[Number((((BigInt(LAG) - t) % 607n) + 607n) % 607n)] = BigInt.asIntN(64, value)
  }
  return table
}
