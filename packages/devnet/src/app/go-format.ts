// Go's formatting of the values poktroll puts in error texts (%f, %v, %q, Coin.String()) and
// its int64 arithmetic, so the devnet's messages match pocketd's byte for byte.

import type { Coin } from '@decai/protocol/gen/cosmos/base/v1beta1/coin_pb'
import type { AbciError } from './abci-error.js'
import { addressBytes } from './codec.js'

/** A coin's amount; 0 for text `sdk.Coin` would not parse. */
export function amountOf(c: Coin): bigint {
  return /^-?\d+$/.test(c.amount) ? BigInt(c.amount) : 0n
}

/** `Coin.String()`. */
export function coinText(c: Coin): string {
  return `${amountOf(c)}${c.denom}`
}

/** `%q` of a plain string. */
export function goQuote(text: string): string {
  return JSON.stringify(text)
}

/** `%f`: six decimals. */
export function formatGoFixed(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  return value.toFixed(6)
}

/** `%v` of a float64 (`%g`, shortest digits: exponent form below 1e-4 and from 1e6 on). */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  if (value === 0) return Object.is(value, -0) ? '-0' : '0'
  const exponent = Math.floor(Math.log10(Math.abs(value)))
  if (exponent < -4 || exponent >= 6) {
    const [mantissa, exp] = value.toExponential().split('e') as [string, string]
    const sign = exp.startsWith('-') ? '-' : '+'
    return `${mantissa}e${sign}${exp.replace(/^[-+]/, '').padStart(2, '0')}`
  }
  return String(value)
}

/** What `AccAddressFromBech32` says about an invalid address. */
export function addressProblem(address: string): string {
  try {
    addressBytes(address)
    return ''
  } catch (error) {
    return (error as AbciError).log.replace(/: invalid address$/, '')
  }
}

export const toInt64 = (value: bigint) => BigInt.asIntN(64, value)

export const divTrunc = (a: bigint, b: bigint) => (b === 0n ? 0n : a / b)
