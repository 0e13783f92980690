// Exact rationals for the tokenomics arithmetic (Go's big.Rat), all with positive denominators.

export type Rat = { num: bigint; den: bigint }

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a
  b = b < 0n ? -b : b
  while (b !== 0n) [a, b] = [b, a % b]
  return a
}

function reduce(num: bigint, den: bigint): Rat {
  if (den < 0n) {
    num = -num
    den = -den
  }
  const g = gcd(num, den) || 1n
  return { num: num / g, den: den / g }
}

/**
 * `encoding.Float64ToRat`: the exact value of the float's shortest decimal text
 * (Go `FormatFloat(f, 'f', -1, 64)` then `big.Rat.SetString`). JavaScript's `String(x)` has
 * the same shortest digits, though possibly in exponent form, which is parsed here.
 */
export function floatToRat(x: number): Rat {
  if (!Number.isFinite(x)) throw new Error(`not a finite float: ${x}`)
  const text = String(x)
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(text)
  if (!match) throw new Error(`cannot parse float text ${text}`)
  const [, sign, int, frac = '', exp = '0'] = match
  let num = BigInt(`${int}${frac}`)
  let den = 10n ** BigInt(frac.length)
  const e = Number(exp)
  if (e > 0) num *= 10n ** BigInt(e)
  else if (e < 0) den *= 10n ** BigInt(-e)
  if (sign === '-') num = -num
  return reduce(num, den)
}

/** floor(amount × r) for non-negative values (`new(big.Int).Quo(num, den)` on a product). */
export function mulFloor(amount: bigint, r: Rat): bigint {
  return (amount * r.num) / r.den
}

/** ceil(amount × r) for non-negative values (quotient plus one on a positive remainder). */
export function mulCeil(amount: bigint, r: Rat): bigint {
  const p = amount * r.num
  const q = p / r.den
  return p % r.den > 0n ? q + 1n : q
}

/** Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest digits, never an exponent. */
export function formatFloat(x: number): string {
  const { num, den } = floatToRat(x)
  if (den === 1n) return num.toString()
  // den is 2^a·5^b after reduction of a decimal; print num/den exactly.
  const neg = num < 0n
  let n = neg ? -num : num
  const int = n / den
  n %= den
  let frac = ''
  while (n !== 0n) {
    n *= 10n
    frac += (n / den).toString()
    n %= den
  }
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`
}

/** Go's `%v` of a float64 (`FormatFloat(f, 'g', -1, 64)`): exponent form below 1e-4 or from 1e6. */
export function goFormatG(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x)
  const [mantissa, expText] = x.toExponential().split('e') as [string, string]
  const exp = Number(expText)
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+'
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`
  }
  return String(x)
}
