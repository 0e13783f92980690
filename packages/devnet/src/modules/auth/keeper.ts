// x/auth keeper: accounts, module accounts and public keys.

import { type Any, AnySchema, create } from '@decai/protocol'
import {
  type BaseAccount,
  BaseAccountSchema,
  type ModuleAccount,
  ModuleAccountSchema,
} from '@decai/protocol/gen/cosmos/auth/v1beta1/auth_pb'
import { PubKeySchema } from '@decai/protocol/gen/cosmos/crypto/secp256k1/keys_pb'
import { sha256 } from '@noble/hashes/sha2.js'
import { addressBytes, bech32Address, decode, encode, toAny } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { be64, bytesToKey, keyToBytes } from '../../store/keys.js'

/** x/auth params (defaults; the devnet does not govern them). */
export const authParams = {
  maxMemoCharacters: 256n,
  txSigLimit: 7n,
  txSizeCostPerByte: 10n,
  sigVerifyCostEd25519: 590n,
  sigVerifyCostSecp256k1: 1000n,
} as const

/** Module accounts and their permissions, as poktroll's app config declares them. */
export const moduleAccountPermissions: Record<string, string[]> = {
  fee_collector: [],
  distribution: [],
  mint: ['minter'],
  bonded_tokens_pool: ['burner', 'staking'],
  not_bonded_tokens_pool: ['burner', 'staking'],
  gov: ['burner'],
  service: ['minter', 'burner', 'staking'],
  gateway: ['minter', 'burner', 'staking'],
  application: ['minter', 'burner', 'staking'],
  supplier: ['minter', 'burner', 'staking'],
  session: ['minter', 'burner', 'staking'],
  tokenomics: ['minter', 'burner', 'staking'],
  proof: ['minter', 'burner', 'staking'],
  migration: ['minter'],
  bank: ['minter'],
}

/** Module accounts that may not receive funds from users (poktroll's `blockAccAddrs`). */
export const blockedModuleAccounts = [
  'fee_collector',
  'distribution',
  'mint',
  'bonded_tokens_pool',
  'not_bonded_tokens_pool',
]

/** `authtypes.NewModuleAddress`: the first 20 bytes of SHA-256(name). */
export function moduleAddressBytes(name: string): Uint8Array {
  return sha256(new TextEncoder().encode(name)).slice(0, 20)
}

export function moduleAddress(name: string): string {
  return bech32Address(moduleAddressBytes(name))
}

/** The `Accounts` collection's prefix (keyed by address bytes). */
export const ACCOUNT_PREFIX = '\x01'
const GLOBAL_ACCOUNT_NUMBER_KEY = '\x02'

/** An account as stored: a base account, or a module account wrapping one. */
export type Account = { base: BaseAccount; module?: ModuleAccount | undefined }

function accountKey(address: Uint8Array): string {
  return ACCOUNT_PREFIX + bytesToKey(address)
}

export function getAccount(ctx: Context, address: string | Uint8Array): Account | undefined {
  const bytes = typeof address === 'string' ? addressBytes(address) : address
  const raw = ctx.store('acc').get(accountKey(bytes))
  return raw ? decodeAccount(raw) : undefined
}

/** An account from its stored bytes. */
export function decodeAccount(raw: Uint8Array): Account {
  const any = decode(AnySchema, raw) as Any
  if (any.typeUrl === `/${ModuleAccountSchema.typeName}`) {
    const module = decode(ModuleAccountSchema, any.value)
    return { base: module.baseAccount ?? create(BaseAccountSchema), module }
  }
  return { base: decode(BaseAccountSchema, any.value) }
}

/** The account as the auth query returns it (an Any). */
export function accountToAny(account: Account): Any {
  if (account.module) {
    return toAny(ModuleAccountSchema, { ...account.module, baseAccount: account.base })
  }
  return toAny(BaseAccountSchema, account.base)
}

export function setAccount(ctx: Context, account: Account): void {
  const bytes = addressBytes(account.base.address)
  ctx.store('acc').set(accountKey(bytes), encode(AnySchema, accountToAny(account)))
}

export function hasAccount(ctx: Context, address: Uint8Array): boolean {
  return ctx.store('acc').has(accountKey(address))
}

function nextAccountNumber(ctx: Context): bigint {
  const store = ctx.store('acc')
  const raw = store.get(GLOBAL_ACCOUNT_NUMBER_KEY)
  const n = raw ? new DataView(raw.buffer, raw.byteOffset, 8).getBigUint64(0, false) : 0n
  store.set(GLOBAL_ACCOUNT_NUMBER_KEY, keyToBytes(be64(n + 1n)))
  return n
}

/** `NewAccountWithAddress`: a fresh base account with the next account number. */
export function newAccount(ctx: Context, address: Uint8Array): Account {
  return {
    base: create(BaseAccountSchema, {
      address: bech32Address(address),
      accountNumber: nextAccountNumber(ctx),
      sequence: 0n,
    }),
  }
}

/** Creates the account if it does not exist yet (first receipt of funds). */
export function ensureAccount(ctx: Context, address: Uint8Array): void {
  if (!hasAccount(ctx, address)) setAccount(ctx, newAccount(ctx, address))
}

/** The module account, created on first use as the SDK's `GetModuleAccount` does. */
export function getModuleAccount(ctx: Context, name: string): Account {
  const bytes = moduleAddressBytes(name)
  const existing = getAccount(ctx, bytes)
  if (existing?.module) return existing
  const base = existing?.base ?? newAccount(ctx, bytes).base
  const account: Account = {
    base,
    module: create(ModuleAccountSchema, {
      name,
      permissions: moduleAccountPermissions[name] ?? [],
    }),
  }
  setAccount(ctx, account)
  return account
}

export function isModuleAccount(ctx: Context, address: Uint8Array): boolean {
  return getAccount(ctx, address)?.module !== undefined
}

/** The secp256k1 public key set on an account, if any. */
export function getAccountPubKey(
  ctx: Context,
  address: string | Uint8Array,
): Uint8Array | undefined {
  const account = getAccount(ctx, address)
  const any = account?.base.pubKey
  if (!any || any.typeUrl !== `/${PubKeySchema.typeName}`) return undefined
  return decode(PubKeySchema, any.value).key
}

export function pubKeyToAny(key: Uint8Array): Any {
  return toAny(PubKeySchema, create(PubKeySchema, { key }))
}
