// cosmossdk.io/math's `LegacyDec` as the SDK modules use it: an integer scaled by 10^18, whose
// products are truncated (`MulTruncate`) or rounded half to even (`Mul`).

/** 1.0 as a `LegacyDec`. */
export const DEC_ONE = 10n ** 18n

/** `LegacyDec.String()`: the integer part, a point and 18 decimals. */
export function formatDec(value: bigint): string {
  const sign = value < 0n ? '-' : ''
  const s = (value < 0n ? -value : value).toString().padStart(19, '0')
  return `${sign}${s.slice(0, -18)}.${s.slice(-18)}`
}

/** `a.MulTruncate(b)` of two non-negative decimals. */
export function mulDecTruncate(a: bigint, b: bigint): bigint {
  return (a * b) / DEC_ONE
}

/** `a.Mul(b)` of two non-negative decimals: the product rounded half to even. */
export function mulDecRound(a: bigint, b: bigint): bigint {
  const product = a * b
  const quotient = product / DEC_ONE
  const remainder = product % DEC_ONE
  const half = DEC_ONE / 2n
  if (remainder < half) return quotient
  if (remainder > half) return quotient + 1n
  return quotient % 2n === 0n ? quotient : quotient + 1n
}

/** `a.QuoTruncate(b)` (and `QuoInt` of an integer `b`) of two non-negative decimals. */
export function quoDecTruncate(a: bigint, b: bigint): bigint {
  return (a * DEC_ONE) / b
}

/** A `DecCoins` entry: an amount as a `LegacyDec` and its denom. */
export type DecCoin = { denom: string; amount: bigint }

/** `DecCoins.String()`: `1.500000000000000000upokt,…`, empty for no coins. */
export function formatDecCoins(coins: readonly DecCoin[]): string {
  return coins.map((c) => `${formatDec(c.amount)}${c.denom}`).join(',')
}

/** `DecCoins.MulDecTruncate` / `MulDec`: each amount times `d`, zero products dropped. */
export function mulDecCoins(coins: readonly DecCoin[], d: bigint, round = false): DecCoin[] {
  return coins
    .map((c) => ({
      denom: c.denom,
      amount: round ? mulDecRound(c.amount, d) : mulDecTruncate(c.amount, d),
    }))
    .filter((c) => c.amount !== 0n)
}
