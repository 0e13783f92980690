import { readFileSync } from 'node:fs'
import { create, fromJson, toJson } from '@decai/protocol'
import {
  ApplicationServiceConfigSchema,
  RPCType,
  ServiceRevenueShareSchema,
  ServiceSchema,
  SupplierEndpointSchema,
  SupplierServiceConfigSchema,
} from '@decai/protocol/gen/pocket/shared/service_pb'
import { sha256 } from '@noble/hashes/sha2.js'
import { parse as parseYaml } from 'yaml'
import { errorText, RegisteredError } from '../app/abci-error.js'
import { appErrors, gatewayErrors, supplierErrors } from '../app/chain-errors.js'
import { isValidAddress } from '../app/codec.js'
import { DevnetError } from '../errors.js'
import { deriveKey, TEST_MNEMONIC } from '../keys.js'
import {
  defaultModuleParams,
  type ModuleParams,
  paramsSchema,
  validateModuleParams,
} from '../modules/params.js'
import {
  validateAppServiceConfigs,
  validateService,
  validateSupplierServiceConfigs,
} from '../modules/shared/validation.js'

/** An amount in config: a number or text in uPOKT, or text with a `upokt`/`pokt` unit. */
export type AmountInput = number | bigint | string

/** An account: derived from the config mnemonic (`index`), its own `mnemonic`, or an `address`. */
export type AccountConfig = {
  name: string
  balance: AmountInput
  index?: number
  mnemonic?: string
  address?: string
}

export type ServiceConfig = {
  id: string
  name?: string
  computeUnitsPerRelay?: number | string
  owner: string
}
export type ApplicationConfig = {
  address: string
  stake: AmountInput
  serviceId: string
  gateways?: string[]
}
export type GatewayConfig = { address: string; stake: AmountInput }
export type SupplierServiceInput = {
  serviceId: string
  url: string
  rpcType?: keyof typeof RPCType | string
  /** Address or account name -> percentage; defaults to 100% to the owner. */
  revShare?: Record<string, number>
}
export type SupplierConfig = {
  owner: string
  operator?: string
  stake: AmountInput
  services: SupplierServiceInput[]
}

/** The devnet config file (YAML or JSON); every field is optional. */
export type DevnetConfig = {
  chainId?: string
  /** Milliseconds between blocks; 0 produces blocks only on demand. */
  blockTimeMs?: number
  rpc?: { host?: string; port?: number }
  /** Where the SQLite store lives; `:memory:` keeps nothing. */
  dataDir?: string
  /** Mnemonic the indexed accounts derive from (the public TEST mnemonic by default). */
  mnemonic?: string
  accounts?: AccountConfig[]
  validator?: { account?: string; stake?: AmountInput; commissionRate?: string }
  /** Per-module params in proto3 JSON (snake_case or camelCase), over the devnet defaults. */
  params?: Partial<Record<keyof ModuleParams, Record<string, unknown>>>
  services?: ServiceConfig[]
  applications?: ApplicationConfig[]
  gateways?: GatewayConfig[]
  suppliers?: SupplierConfig[]
  /** Publish genesis accounts' public keys (poktroll's localnet does it with a first tx). */
  publishPubKeys?: boolean
}

export type ResolvedAccount = {
  name: string
  address: string
  balance: bigint
  publicKey?: Uint8Array | undefined
  privateKey?: Uint8Array | undefined
  mnemonic?: string | undefined
  index?: number | undefined
}

/** A config with every name resolved to an address and every amount to uPOKT. */
export type ResolvedGenesis = {
  chainId: string
  accounts: ResolvedAccount[]
  params: ModuleParams
  validator: { address: string; stake: bigint; commissionRate: bigint }
  services: { id: string; name: string; computeUnitsPerRelay: bigint; ownerAddress: string }[]
  applications: { address: string; stake: bigint; serviceId: string; gateways: string[] }[]
  gateways: { address: string; stake: bigint }[]
  suppliers: {
    ownerAddress: string
    operatorAddress: string
    stake: bigint
    services: {
      serviceId: string
      endpoints: { url: string; rpcType: number }[]
      revShare: { address: string; revSharePercentage: bigint }[]
    }[]
  }[]
  publishPubKeys: boolean
}

const POKT = 1_000_000n

/** The funded TEST accounts of the default devnet, by derivation index. */
export const defaultAccounts: AccountConfig[] = [
  { name: 'validator', index: 0, balance: 1_000_000n * POKT },
  { name: 'dao', index: 1, balance: 1_000_000n * POKT },
  { name: 'owner', index: 2, balance: 1_000_000n * POKT },
  { name: 'application', index: 3, balance: 1_000_000n * POKT },
  { name: 'gateway', index: 4, balance: 1_000_000n * POKT },
  { name: 'supplier1', index: 5, balance: 1_000_000n * POKT },
  { name: 'supplier2', index: 6, balance: 1_000_000n * POKT },
  { name: 'user1', index: 7, balance: 1_000_000n * POKT },
  { name: 'user2', index: 8, balance: 1_000_000n * POKT },
  { name: 'faucet', index: 9, balance: 1_000_000_000n * POKT },
]

/**
 * Short sessions so a session settles within seconds at 1 s blocks. poktroll requires the
 * supplier and application unbonding periods to cover the five blocks from a session's end to
 * its proof window's close (4 blocks x 1 session would not), hence two sessions.
 */
export const defaultParamOverrides: DevnetConfig['params'] = {
  shared: {
    numBlocksPerSession: '4',
    gracePeriodEndOffsetBlocks: '1',
    claimWindowOpenOffsetBlocks: '1',
    claimWindowCloseOffsetBlocks: '2',
    proofWindowOpenOffsetBlocks: '0',
    proofWindowCloseOffsetBlocks: '2',
    supplierUnbondingPeriodSessions: '2',
    applicationUnbondingPeriodSessions: '2',
  },
}

export function parseAmount(input: AmountInput, what: string): bigint {
  if (typeof input === 'bigint') return input
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0)
      throw invalid(`${what}: ${input} is not a whole uPOKT amount`)
    return BigInt(input)
  }
  const match = /^\s*(\d+)(?:\.(\d+))?\s*(upokt|pokt)?\s*$/i.exec(input)
  if (!match) throw invalid(`${what}: cannot parse amount "${input}"`)
  const [, whole, fraction = '', unit = 'upokt'] = match
  if (unit.toLowerCase() === 'upokt') {
    if (fraction) throw invalid(`${what}: uPOKT amounts are whole numbers`)
    return BigInt(whole!)
  }
  if (fraction.length > 6) throw invalid(`${what}: POKT has six decimals`)
  return BigInt(whole!) * POKT + BigInt(fraction.padEnd(6, '0') || '0')
}

function invalid(details: string): DevnetError {
  return new DevnetError('INVALID_CONFIG', 'Invalid devnet config.', { details })
}

/** Reads a YAML or JSON config file. */
export function loadConfigFile(path: string): DevnetConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new DevnetError('INVALID_CONFIG', `Cannot read config file ${path}.`, { cause: error })
  }
  try {
    const parsed = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
    return (parsed ?? {}) as DevnetConfig
  } catch (error) {
    throw new DevnetError('INVALID_CONFIG', `Cannot parse config file ${path}.`, {
      details: error instanceof Error ? error.message : String(error),
      cause: error,
    })
  }
}

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
    if (!current) throw invalid(`unknown params module "${module}"`)
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
      throw invalid(
        `params.${module} (${schema}): ${error instanceof Error ? error.message : String(error)}`,
      )
    }
  }
  return out
}

/** The effective config: defaults for anything not given. */
export function withDefaults(config: DevnetConfig = {}): DevnetConfig {
  return {
    ...config,
    chainId: config.chainId ?? 'pocket',
    blockTimeMs: config.blockTimeMs ?? 1000,
    mnemonic: config.mnemonic ?? TEST_MNEMONIC,
    accounts: config.accounts ?? defaultAccounts,
  }
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
        throw invalid(`account ${a.name}: invalid address ${a.address}`)
      accounts.push({ name: a.name, address: a.address, balance })
      continue
    }
    const source = a.mnemonic ?? mnemonic
    const index = a.index ?? 0
    let key: ReturnType<typeof deriveKey>
    try {
      key = deriveKey(source, index)
    } catch (error) {
      throw invalid(`account ${a.name}: ${error instanceof Error ? error.message : String(error)}`)
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
    throw invalid('account names must be unique')
  const addressOf = (ref: string, what: string): string => {
    const named = accounts.find((a) => a.name === ref)
    if (named) return named.address
    if (isValidAddress(ref)) return ref
    throw invalid(`${what}: "${ref}" is neither an account name nor an address`)
  }

  const defaults = defaultModuleParams()
  const dao = accounts.find((a) => a.name === 'dao')
  if (dao) defaults.tokenomics.daoRewardAddress = dao.address
  // Field by field: a config setting one shared param keeps the devnet's short sessions.
  const params = mergeParams(config.params, mergeParams(defaultParamOverrides, defaults))
  checkParams(params)

  const validatorName = config.validator?.account ?? 'validator'
  const validatorAccount = accounts.find((a) => a.name === validatorName) ?? accounts[0]
  if (!validatorAccount) throw invalid('the devnet needs at least one account (the validator)')
  const validator = {
    address: validatorAccount.address,
    stake: parseAmount(config.validator?.stake ?? 900_000_000n, 'validator stake'),
    commissionRate: parseDec(config.validator?.commissionRate ?? '0.1'),
  }
  if (validator.stake > validatorAccount.balance)
    throw invalid('validator stake exceeds its balance')

  const rpcType = (name: string | undefined): number => {
    const value = RPCType[(name ?? 'JSON_RPC').toUpperCase() as keyof typeof RPCType]
    if (typeof value !== 'number' || value === RPCType.UNKNOWN_RPC)
      throw invalid(`unknown rpcType ${name}`)
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
      throw invalid(`params.${module}: ${errorText(error)}`)
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
      throw invalid(`application ${app.address}: unknown service "${app.serviceId}"`)
    for (const g of app.gateways) {
      if (!gateways.has(g)) throw invalid(`application ${app.address}: ${g} is not a gateway`)
    }
  }
  for (const supplier of genesis.suppliers) {
    for (const svc of supplier.services) {
      if (!services.has(svc.serviceId))
        throw invalid(`supplier ${supplier.operatorAddress}: unknown service "${svc.serviceId}"`)
      const total = svc.revShare.reduce((n, r) => n + r.revSharePercentage, 0n)
      if (total !== 100n) {
        throw invalid(
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
      throw invalid(`${what}: ${errorText(error)}`)
    }
  }
  const positiveStake = (stake: bigint, actor: string, error: RegisteredError) => {
    if (stake <= 0n) throw error.wrap(`invalid stake amount for ${actor}: ${stake}upokt <= 0`)
  }

  check('services', () => {
    const ids = new Set<string>()
    const names = new Set<string>()
    for (const s of genesis.services) {
      const service = create(ServiceSchema, { ...s })
      validateService(service)
      // Go's %v of the Service struct.
      const shown = `{${s.id} ${s.name} ${s.computeUnitsPerRelay} ${s.ownerAddress} <nil>}`
      if (ids.has(s.id)) throw serviceDuplicateIndex.wrap(`duplicated ID for service: ${shown}`)
      ids.add(s.id)
      if (names.has(s.name)) {
        throw serviceDuplicateIndex.wrap(`duplicated name for service: ${shown}`)
      }
      names.add(s.name)
    }
  })
  check('applications', () => {
    const seen = new Set<string>()
    for (const app of genesis.applications) {
      if (seen.has(app.address)) throw new Error('duplicated index for application')
      seen.add(app.address)
    }
    for (const app of genesis.applications) {
      positiveStake(app.stake, 'application', appErrors.invalidStake)
      for (const gateway of app.gateways) {
        if (!isValidAddress(gateway)) {
          throw appErrors.invalidGatewayAddress.wrap(`invalid gateway address ${gateway}`)
        }
      }
      try {
        validateAppServiceConfigs([
          create(ApplicationServiceConfigSchema, { serviceId: app.serviceId }),
        ])
      } catch (error) {
        throw appErrors.invalidServiceConfigs.wrap(errorText(error))
      }
    }
  })
  check('gateways', () => {
    const seen = new Set<string>()
    for (const gateway of genesis.gateways) {
      if (seen.has(gateway.address)) {
        throw gatewayErrors.invalidAddress.wrap('duplicated index for gateway')
      }
      seen.add(gateway.address)
      positiveStake(gateway.stake, 'gateway', gatewayErrors.invalidStake)
    }
  })
  check('suppliers', () => {
    const seen = new Set<string>()
    for (const supplier of genesis.suppliers) {
      if (seen.has(supplier.operatorAddress)) throw new Error('duplicated index for supplier')
      seen.add(supplier.operatorAddress)
    }
    for (const supplier of genesis.suppliers) {
      positiveStake(supplier.stake, 'supplier', supplierErrors.invalidStake)
      try {
        validateSupplierServiceConfigs(
          supplier.services.map((svc) =>
            create(SupplierServiceConfigSchema, {
              serviceId: svc.serviceId,
              endpoints: svc.endpoints.map((e) => create(SupplierEndpointSchema, e)),
              revShare: svc.revShare.map((r) => create(ServiceRevenueShareSchema, r)),
            }),
          ),
        )
      } catch (error) {
        throw supplierErrors.invalidServiceConfig.wrap(errorText(error))
      }
    }
  })
}

/** x/service `ErrServiceDuplicateIndex`. */
const serviceDuplicateIndex = new RegisteredError(
  'service',
  1101,
  'duplicate index when adding a new service',
)

/** "0.1" -> 10^17 (an 18-decimal fixed point, as `LegacyDec`). */
function parseDec(text: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,18}))?$/.exec(text.trim())
  if (!match) throw invalid(`invalid decimal ${text}`)
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
