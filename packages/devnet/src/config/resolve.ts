// Resolving a config into a genesis: names to addresses, amounts to uPOKT, params merged field by
// field over the defaults, then checked as `pocketd genesis validate` checks a genesis file.

import { describeError } from '@decai/core'
import { fromJson, toJson } from '@decai/protocol'
import { RPCType } from '@decai/protocol/gen/pocket/shared/service_pb'
import { sha256 } from '@noble/hashes/sha2.js'
import { errorText } from '../app/abci-error.js'
import { isValidAddress } from '../app/codec.js'
import { deriveKey } from '../keys.js'
import { validateApplicationGenesis } from '../modules/application/genesis.js'
import { validateGatewayGenesis } from '../modules/gateway/genesis.js'
import {
  defaultModuleParams,
  type ModuleParams,
  paramsSchema,
  validateModuleParams,
} from '../modules/params.js'
import { validateServiceGenesis } from '../modules/service/genesis.js'
import { validateSupplierGenesis } from '../modules/supplier/genesis.js'
import { defaultParamOverrides, withDefaults } from './defaults.js'
import { invalidConfig, parseAmount } from './load.js'
import type { DevnetConfig, ResolvedAccount, ResolvedGenesis } from './types.js'

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), camelKeys(v)]))
  }
  return value
}

function mergeParams(
  overrides: DevnetConfig['params'] | undefined,
  base: ModuleParams,
): ModuleParams {
  const out = { ...base }
  for (const [module, values] of Object.entries(overrides ?? {})) {
    const key = module as keyof ModuleParams
    const current = out[key]
    if (!current) throw invalidConfig(`unknown params module "${module}"`)
    const schema = current.$typeName
    const json = {
      ...(toJson(paramsSchema(key) as never, current as never) as Record<string, unknown>),
      ...(camelKeys(values) as object),
    }
    try {
      out[key] = fromJson(
        paramsSchema(key) as never,
        json as Parameters<typeof fromJson>[1],
      ) as never
    } catch (error) {
      throw invalidConfig(`params.${module} (${schema}): ${describeError(error)}`)
    }
  }
  return out
}

/** Resolves names, keys and amounts; validates references. */
export function resolveGenesis(input: DevnetConfig): ResolvedGenesis {
  const config = withDefaults(input)
  const mnemonic = config.mnemonic!
  const accounts: ResolvedAccount[] = []
  for (const a of config.accounts!) {
    const balance = parseAmount(a.balance, `account ${a.name}`)
    if (a.address !== undefined) {
      if (!isValidAddress(a.address))
        throw invalidConfig(`account ${a.name}: invalid address ${a.address}`)
      accounts.push({ name: a.name, address: a.address, balance })
      continue
    }
    const source = a.mnemonic ?? mnemonic
    const index = a.index ?? 0
    let key: ReturnType<typeof deriveKey>
    try {
      key = deriveKey(source, index)
    } catch (error) {
      throw invalidConfig(`account ${a.name}: ${describeError(error)}`)
    }
    accounts.push({
      name: a.name,
      address: key.address,
      balance,
      publicKey: key.publicKey,
      privateKey: key.privateKey,
      mnemonic: source,
      index,
    })
  }
  if (new Set(accounts.map((a) => a.name)).size !== accounts.length)
    throw invalidConfig('account names must be unique')
  const addressOf = (ref: string, what: string): string => {
    const named = accounts.find((a) => a.name === ref)
    if (named) return named.address
    if (isValidAddress(ref)) return ref
    throw invalidConfig(`${what}: "${ref}" is neither an account name nor an address`)
  }

  const defaults = defaultModuleParams()
  const dao = accounts.find((a) => a.name === 'dao')
  if (dao) defaults.tokenomics.daoRewardAddress = dao.address
  // Field by field: a config setting one shared param keeps the devnet's short sessions.
  const params = mergeParams(config.params, mergeParams(defaultParamOverrides, defaults))
  checkParams(params)

  const validatorName = config.validator?.account ?? 'validator'
  const validatorAccount = accounts.find((a) => a.name === validatorName) ?? accounts[0]
  if (!validatorAccount)
    throw invalidConfig('the devnet needs at least one account (the validator)')
  const validator = {
    address: validatorAccount.address,
    stake: parseAmount(config.validator?.stake ?? 900_000_000n, 'validator stake'),
    commissionRate: parseDec(config.validator?.commissionRate ?? '0.1'),
  }
  if (validator.stake > validatorAccount.balance)
    throw invalidConfig('validator stake exceeds its balance')

  const rpcType = (name: string | undefined): number => {
    const value = RPCType[(name ?? 'JSON_RPC').toUpperCase() as keyof typeof RPCType]
    if (typeof value !== 'number' || value === RPCType.UNKNOWN_RPC)
      throw invalidConfig(`unknown rpcType ${name}`)
    return value
  }

  const resolved: ResolvedGenesis = {
    chainId: config.chainId!,
    accounts,
    params,
    validator,
    services: (config.services ?? []).map((s) => ({
      id: s.id,
      name: s.name ?? s.id,
      computeUnitsPerRelay: BigInt(s.computeUnitsPerRelay ?? 1),
      ownerAddress: addressOf(s.owner, `service ${s.id} owner`),
    })),
    applications: (config.applications ?? []).map((a) => ({
      address: addressOf(a.address, 'application'),
      stake: parseAmount(a.stake, 'application stake'),
      serviceId: a.serviceId,
      gateways: (a.gateways ?? []).map((g) => addressOf(g, 'application gateway')),
    })),
    gateways: (config.gateways ?? []).map((g) => ({
      address: addressOf(g.address, 'gateway'),
      stake: parseAmount(g.stake, 'gateway stake'),
    })),
    suppliers: (config.suppliers ?? []).map((s) => {
      const ownerAddress = addressOf(s.owner, 'supplier owner')
      return {
        ownerAddress,
        operatorAddress: addressOf(s.operator ?? s.owner, 'supplier operator'),
        stake: parseAmount(s.stake, 'supplier stake'),
        services: s.services.map((svc) => ({
          serviceId: svc.serviceId,
          endpoints: [{ url: svc.url, rpcType: rpcType(svc.rpcType) }],
          revShare: Object.entries(svc.revShare ?? { [ownerAddress]: 100 }).map(([who, pct]) => ({
            address: addressOf(who, 'rev share'),
            revSharePercentage: BigInt(pct),
          })),
        })),
      }
    }),
    publishPubKeys: config.publishPubKeys ?? true,
  }
  checkGenesisActors(resolved)
  return resolved
}

/** Each module's params, as `pocketd genesis validate` checks them. */
function checkParams(params: ModuleParams): void {
  for (const module of Object.keys(params) as (keyof ModuleParams)[]) {
    try {
      validateModuleParams(module, params[module])
    } catch (error) {
      throw invalidConfig(`params.${module}: ${errorText(error)}`)
    }
  }
}

/**
 * The genesis actors: first as poktroll's genesis `Validate` checks them (stakes, service and
 * supplier configs, duplicates), then the references the devnet resolves at genesis.
 */
function checkGenesisActors(genesis: ResolvedGenesis): void {
  validateGenesisActors(genesis)
  const services = new Set(genesis.services.map((s) => s.id))
  const gateways = new Set(genesis.gateways.map((g) => g.address))
  for (const app of genesis.applications) {
    if (!services.has(app.serviceId))
      throw invalidConfig(`application ${app.address}: unknown service "${app.serviceId}"`)
    for (const g of app.gateways) {
      if (!gateways.has(g)) throw invalidConfig(`application ${app.address}: ${g} is not a gateway`)
    }
  }
  for (const supplier of genesis.suppliers) {
    for (const svc of supplier.services) {
      if (!services.has(svc.serviceId))
        throw invalidConfig(
          `supplier ${supplier.operatorAddress}: unknown service "${svc.serviceId}"`,
        )
      const total = svc.revShare.reduce((n, r) => n + r.revSharePercentage, 0n)
      if (total !== 100n) {
        throw invalidConfig(
          `supplier ${supplier.operatorAddress}: rev shares of "${svc.serviceId}" sum to ${total}, not 100`,
        )
      }
    }
  }
}

function validateGenesisActors(genesis: ResolvedGenesis): void {
  const check = (what: string, fn: () => void) => {
    try {
      fn()
    } catch (error) {
      throw invalidConfig(`${what}: ${errorText(error)}`)
    }
  }
  check('services', () => validateServiceGenesis(genesis.services))
  check('applications', () => validateApplicationGenesis(genesis.applications))
  check('gateways', () => validateGatewayGenesis(genesis.gateways))
  check('suppliers', () => validateSupplierGenesis(genesis.suppliers))
}

/** "0.1" -> 10^17 (an 18-decimal fixed point, as `LegacyDec`). */
function parseDec(text: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,18}))?$/.exec(text.trim())
  if (!match) throw invalidConfig(`invalid decimal ${text}`)
  return BigInt(match[1]!) * 10n ** 18n + BigInt((match[2] ?? '').padEnd(18, '0') || '0')
}

/** A fingerprint of everything that shapes the chain's state at genesis. */
export function genesisDigest(genesis: ResolvedGenesis): string {
  const json = JSON.stringify(genesis, (key, v) => {
    if (key === 'privateKey' || key === 'mnemonic') return undefined
    if (typeof v === 'bigint') return v.toString()
    if (v instanceof Uint8Array) return Buffer.from(v).toString('hex')
    return v
  })
  return Buffer.from(sha256(new TextEncoder().encode(json))).toString('hex')
}
