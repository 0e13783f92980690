import { decodeAddress, encodeAddress } from '@decai/crypto'
import {
  type Any,
  AnySchema,
  create,
  type DescMessage,
  type MessageShape,
  marshal,
  unmarshal,
} from '@decai/protocol'
import { type Coin, CoinSchema } from '@decai/protocol/gen/cosmos/base/v1beta1/coin_pb'
import { AbciError } from './abci-error.js'
import { accAddressError } from './bech32-errors.js'
import { sdkErrors } from './chain-errors.js'
import { signerFieldNames } from './proto-options.js'

export const BECH32_PREFIX = 'pokt'
export const DENOM = 'upokt'

/** Any with the Cosmos type URL and canonical bytes. */
export function toAny<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Any {
  return create(AnySchema, {
    typeUrl: `/${schema.typeName}`,
    value: marshal(schema, message),
  }) as Any
}

export function encode<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
): Uint8Array {
  return marshal(schema, message)
}

export function decode<Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array,
): MessageShape<Desc> {
  return unmarshal(schema, bytes)
}

/** The signer addresses of a message, from its `cosmos.msg.v1.signer` option. */
export function getMsgSigners(schema: DescMessage, message: Record<string, unknown>): string[] {
  const out: string[] = []
  for (const name of signerFieldNames(schema)) {
    const field = schema.fields.find((f) => f.name === name)
    if (!field) continue
    const value = message[field.localName]
    if (typeof value === 'string') out.push(value)
  }
  return out
}

/** `sdk.AccAddressFromBech32`: the address bytes, or an invalid-address error. */
export function addressBytes(address: string): Uint8Array {
  if (address.trim() === '') throw new AbciError('sdk', 7, 'empty address string is not allowed')
  const problem = accAddressError(address, BECH32_PREFIX)
  if (problem) throw sdkErrors.invalidAddress.wrap(problem)
  return decodeAddress(address, BECH32_PREFIX).bytes
}

/** Whether `address` parses as a `pokt1…` account address. */
export function isValidAddress(address: string): boolean {
  try {
    addressBytes(address)
    return true
  } catch {
    return false
  }
}

export function bech32Address(bytes: Uint8Array, prefix = BECH32_PREFIX): string {
  return encodeAddress(bytes, prefix)
}

/** A coin with a bigint amount. */
export type Amount = { denom: string; amount: bigint }

const DENOM_RE = /^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/

/** `Coin.Validate()`-like check of a protobuf coin; the parsed amount, or undefined. */
export function parseCoin(coin: Coin | undefined): Amount | undefined {
  if (!coin) return undefined
  if (!DENOM_RE.test(coin.denom)) return undefined
  if (!/^-?\d+$/.test(coin.amount)) return undefined
  const amount = BigInt(coin.amount)
  if (amount < 0n) return undefined
  return { denom: coin.denom, amount }
}

export function coin(amount: bigint, denom = DENOM): Coin {
  return create(CoinSchema, { denom, amount: amount.toString() })
}

/** `Coin.String()`: amount then denom. */
export function coinString(c: Amount | Coin): string {
  return `${typeof c.amount === 'bigint' ? c.amount : BigInt(c.amount || '0')}${c.denom}`
}

/** `Coins.String()`: comma-joined; empty for none. */
export function coinsString(coins: readonly (Amount | Coin)[]): string {
  return coins.map(coinString).join(',')
}

/**
 * `Coins.IsValid()`: sorted by denom, no duplicates, all positive, valid denoms. Returns the
 * parsed list, or undefined when invalid.
 */
export function parseCoins(coins: readonly Coin[]): Amount[] | undefined {
  const out: Amount[] = []
  for (const c of coins) {
    const parsed = parseCoin(c)
    if (!parsed || parsed.amount <= 0n) return undefined
    const prev = out[out.length - 1]
    if (prev && prev.denom >= parsed.denom) return undefined
    out.push(parsed)
  }
  return out
}

export function hexUpper(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s.toUpperCase()
}

export function hexLower(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new Error(`bad hex: ${hex}`)
  const out = new Uint8Array(clean.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** The smaller of two bigints (Math.min takes numbers only). */
export function minBigint(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}
