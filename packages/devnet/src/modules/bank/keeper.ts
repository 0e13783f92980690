// x/bank keeper: balances, supply, sends, mints and burns.

import { sdkFrame } from '../../app/abci-error.js'
import { sdkErrors } from '../../app/chain-errors.js'
import { type Amount, bech32Address, coinsString, DENOM } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { newEvent } from '../../app/events.js'
import { bytesToKey, keyToBytes, prefixEnd } from '../../store/keys.js'
import {
  blockedModuleAccounts,
  ensureAccount,
  getModuleAccount,
  moduleAccountPermissions,
  moduleAddressBytes,
} from '../auth/keeper.js'

/** The `Supply` collection's prefix (keyed by denom). */
export const SUPPLY_PREFIX = '\x00'
const BALANCES_PREFIX = '\x02'
const utf8 = new TextEncoder()
const text = new TextDecoder()

/** The `Balances` collection's entries of one address (keyed by denom under it). */
export function balancePrefix(address: Uint8Array): string {
  return BALANCES_PREFIX + String.fromCharCode(address.length) + bytesToKey(address)
}

export function readAmount(raw: Uint8Array | undefined): bigint {
  return raw ? BigInt(text.decode(raw)) : 0n
}

export function getBalance(ctx: Context, address: Uint8Array, denom = DENOM): bigint {
  return readAmount(ctx.store('bank').get(balancePrefix(address) + denom))
}

/** Every balance of an address, by denom (`GetAllBalances`). */
export function getAllBalances(ctx: Context, address: Uint8Array): Amount[] {
  const prefix = balancePrefix(address)
  return ctx
    .store('bank')
    .entries({ start: prefix, end: prefixEnd(prefix) })
    .map(([key, value]) => ({ denom: key.slice(prefix.length), amount: readAmount(value) }))
}

function setBalance(ctx: Context, address: Uint8Array, denom: string, amount: bigint): void {
  const key = balancePrefix(address) + denom
  if (amount === 0n) ctx.store('bank').delete(key)
  else ctx.store('bank').set(key, utf8.encode(amount.toString()))
}

export function getSupply(ctx: Context, denom = DENOM): bigint {
  return readAmount(ctx.store('bank').get(SUPPLY_PREFIX + denom))
}

function setSupply(ctx: Context, denom: string, amount: bigint): void {
  if (amount === 0n) ctx.store('bank').delete(SUPPLY_PREFIX + denom)
  else ctx.store('bank').set(SUPPLY_PREFIX + denom, utf8.encode(amount.toString()))
}

function subUnlockedCoins(ctx: Context, address: Uint8Array, coins: Amount[]): void {
  for (const coin of coins) {
    const balance = getBalance(ctx, address, coin.denom)
    if (balance < coin.amount) {
      throw sdkErrors.insufficientFunds
        .wrap(
          `spendable balance ${balance}${coin.denom} is smaller than ${coin.amount}${coin.denom}`,
        )
        .at(sdkFrame('x/bank/keeper/send.go:298'))
    }
    setBalance(ctx, address, coin.denom, balance - coin.amount)
  }
  ctx.events.emit(
    newEvent('coin_spent', [
      ['spender', bech32Address(address)],
      ['amount', coinsString(coins)],
    ]),
  )
}

function addCoins(ctx: Context, address: Uint8Array, coins: Amount[]): void {
  for (const coin of coins) {
    setBalance(ctx, address, coin.denom, getBalance(ctx, address, coin.denom) + coin.amount)
  }
  ctx.events.emit(
    newEvent('coin_received', [
      ['receiver', bech32Address(address)],
      ['amount', coinsString(coins)],
    ]),
  )
}

/** `SendCoins`: moves coins, creates the recipient account, emits transfer and message. */
export function sendCoins(ctx: Context, from: Uint8Array, to: Uint8Array, coins: Amount[]): void {
  subUnlockedCoins(ctx, from, coins)
  addCoins(ctx, to, coins)
  ensureAccount(ctx, to)
  const sender = bech32Address(from)
  ctx.events.emit(
    newEvent('transfer', [
      ['recipient', bech32Address(to)],
      ['sender', sender],
      ['amount', coinsString(coins)],
    ]),
  )
  ctx.events.emit(newEvent('message', [['sender', sender]]))
}

function moduleBytes(ctx: Context, module: string): Uint8Array {
  getModuleAccount(ctx, module)
  return moduleAddressBytes(module)
}

export function sendCoinsFromAccountToModule(
  ctx: Context,
  from: Uint8Array,
  module: string,
  coins: Amount[],
): void {
  sendCoins(ctx, from, moduleBytes(ctx, module), coins)
}

export function sendCoinsFromModuleToAccount(
  ctx: Context,
  module: string,
  to: Uint8Array,
  coins: Amount[],
): void {
  if (isBlockedAddress(to)) {
    throw sdkErrors.unauthorized.wrap(`${bech32Address(to)} is not allowed to receive funds`)
  }
  sendCoins(ctx, moduleBytes(ctx, module), to, coins)
}

export function sendCoinsFromModuleToModule(
  ctx: Context,
  from: string,
  to: string,
  coins: Amount[],
): void {
  sendCoins(ctx, moduleBytes(ctx, from), moduleBytes(ctx, to), coins)
}

export function mintCoins(ctx: Context, module: string, coins: Amount[]): void {
  if (!moduleAccountPermissions[module]?.includes('minter')) {
    throw sdkErrors.unauthorized.wrap(
      `module account ${module} does not have permissions to mint tokens`,
    )
  }
  const address = moduleBytes(ctx, module)
  addCoins(ctx, address, coins)
  for (const coin of coins) setSupply(ctx, coin.denom, getSupply(ctx, coin.denom) + coin.amount)
  ctx.events.emit(
    newEvent('coinbase', [
      ['minter', bech32Address(address)],
      ['amount', coinsString(coins)],
    ]),
  )
}

export function burnCoins(ctx: Context, module: string, coins: Amount[]): void {
  if (!moduleAccountPermissions[module]?.includes('burner')) {
    throw sdkErrors.unauthorized.wrap(
      `module account ${module} does not have permissions to burn tokens`,
    )
  }
  const address = moduleBytes(ctx, module)
  subUnlockedCoins(ctx, address, coins)
  for (const coin of coins) setSupply(ctx, coin.denom, getSupply(ctx, coin.denom) - coin.amount)
  ctx.events.emit(
    newEvent('burn', [
      ['burner', bech32Address(address)],
      ['amount', coinsString(coins)],
    ]),
  )
}

/** Genesis: credits an account and the supply without events. */
export function initBalance(ctx: Context, address: Uint8Array, coins: Amount[]): void {
  for (const coin of coins) {
    setBalance(ctx, address, coin.denom, getBalance(ctx, address, coin.denom) + coin.amount)
    setSupply(ctx, coin.denom, getSupply(ctx, coin.denom) + coin.amount)
  }
}

export function isBlockedAddress(address: Uint8Array): boolean {
  const key = bytesToKey(address)
  return blockedModuleAccounts.some((m) => bytesToKey(moduleAddressBytes(m)) === key)
}

/** Every account holding a balance, with its balances (for genesis export and tests). */
export function getAllBalanceHolders(ctx: Context): Map<string, Amount[]> {
  const out = new Map<string, Amount[]>()
  for (const [key, value] of ctx.store('bank').entries({ start: BALANCES_PREFIX, end: '\x03' })) {
    const len = key.charCodeAt(1)
    const address = bech32Address(keyToBytes(key.slice(2, 2 + len)))
    const list = out.get(address) ?? []
    list.push({ denom: key.slice(2 + len), amount: readAmount(value) })
    out.set(address, list)
  }
  return out
}
