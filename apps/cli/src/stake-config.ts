// pocketd's stake config files (`stake-application`, `stake-gateway`, `stake-supplier
// --config`), read with the same rules as poktroll v0.1.35's config readers.

import { isAddress } from '@decai/crypto'
import { ConfigOptions, RPCType } from '@decai/protocol'
import { isValidServiceId } from '@decai/session'
import { parse as parseYaml } from 'yaml'
import { CliError } from './errors.js'

export type ApplicationStakeConfig = {
  stake: bigint
  serviceIds: string[]
  /** Gateways to delegate to (pocketd uses them in `stake-and-delegate`). */
  gatewayAddresses: string[]
  perSessionSpendLimit?: bigint
}

export type GatewayStakeConfig = { stake: bigint }

export type SupplierStakeConfig = {
  ownerAddress: string
  operatorAddress: string
  stake: bigint
  services: {
    serviceId: string
    endpoints: { url: string; rpcType: RPCType; configs: { key: ConfigOptions; value: string }[] }[]
    revShare: { address: string; revSharePercentage: bigint }[]
  }[]
}

const invalid = (file: string, message: string) =>
  new CliError('INVALID_CONFIG', `${file}: ${message}`)

function load(text: string, file: string): Record<string, unknown> {
  if (text.trim() === '') throw invalid(file, 'the config is empty')
  let value: unknown
  try {
    value = parseYaml(text)
  } catch (cause) {
    throw new CliError('INVALID_CONFIG', `${file}: not valid YAML.`, {
      cause,
    })
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalid(file, 'expected a YAML mapping')
  return value as Record<string, unknown>
}

/** `sdk.ParseCoinNormalized` for uPOKT: `1000upokt` → 1000n; the denom must be upokt. */
export function parseUpokt(value: unknown, what: string, file: string): bigint {
  const text = typeof value === 'number' ? String(value) : value
  if (typeof text !== 'string') throw invalid(file, `${what}: expected an amount such as 1000upokt`)
  const match = /^\s*(\d+)(?:\.0*)?\s*([a-zA-Z][a-zA-Z0-9/:._-]{2,127})\s*$/.exec(text)
  if (!match) throw invalid(file, `${what}: cannot parse "${text}" (expected e.g. 1000upokt)`)
  if (match[2] !== 'upokt')
    throw invalid(file, `${what}: invalid denom, expecting: upokt, got: ${match[2]}`)
  return BigInt(match[1]!)
}

function stringList(value: unknown, what: string, file: string): string[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw invalid(file, `${what}: expected a list of strings`)
  return value as string[]
}

function address(value: unknown, what: string, file: string): string {
  if (typeof value !== 'string' || !isAddress(value))
    throw invalid(file, `${what}: invalid address ${JSON.stringify(value)}`)
  return value
}

/** `app.yaml`: stake_amount, service_ids (exactly one), gateway_addresses, per_session_spend_limit. */
export function parseApplicationStakeConfig(
  text: string,
  file = 'app.yaml',
): ApplicationStakeConfig {
  const raw = load(text, file)
  const serviceIds = stringList(raw['service_ids'], 'service_ids', file)
  if (serviceIds.length === 0) throw invalid(file, 'service_ids cannot be empty')
  for (const id of serviceIds)
    if (!isValidServiceId(id)) throw invalid(file, `service_ids: invalid service ID "${id}"`)
  if (raw['stake_amount'] === undefined || raw['stake_amount'] === '')
    throw invalid(file, 'stake amount cannot be empty')
  const stake = parseUpokt(raw['stake_amount'], 'stake_amount', file)
  if (stake === 0n) throw invalid(file, 'stake amount cannot be zero')
  const gatewayAddresses = stringList(raw['gateway_addresses'], 'gateway_addresses', file).map(
    (a) => address(a, 'gateway_addresses', file),
  )
  const limit = raw['per_session_spend_limit']
  return {
    stake,
    serviceIds,
    gatewayAddresses,
    ...(limit === undefined || limit === ''
      ? {}
      : { perSessionSpendLimit: parseUpokt(limit, 'per_session_spend_limit', file) }),
  }
}

/** `gateway.yaml`: stake_amount. */
export function parseGatewayStakeConfig(text: string, file = 'gateway.yaml'): GatewayStakeConfig {
  const raw = load(text, file)
  if (raw['stake_amount'] === undefined || raw['stake_amount'] === '')
    throw invalid(file, 'stake amount cannot be empty')
  const stake = parseUpokt(raw['stake_amount'], 'stake_amount', file)
  if (stake === 0n) throw invalid(file, 'stake amount cannot be zero')
  return { stake }
}

const rpcTypes: Record<string, RPCType> = {
  GRPC: RPCType.GRPC,
  WEBSOCKET: RPCType.WEBSOCKET,
  JSON_RPC: RPCType.JSON_RPC,
  REST: RPCType.REST,
  COMET_BFT: RPCType.COMET_BFT,
}

function revShare(
  value: unknown,
  what: string,
  file: string,
): { address: string; revSharePercentage: bigint }[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalid(file, `${what}: expected a map of address: percent`)
  // pocketd walks a Go map here (random order: the remainder of a split goes to whichever entry
  // comes first); this reader keeps the file's order, which is one of the orders Go may pick.
  const shares = Object.entries(value as Record<string, unknown>).map(([a, pct]) => {
    if (typeof pct !== 'number' || !Number.isInteger(pct) || pct < 1 || pct > 100)
      throw invalid(file, `${what}: the share of ${a} must be a whole percent in 1..100`)
    return { address: address(a, what, file), revSharePercentage: BigInt(pct) }
  })
  const total = shares.reduce((sum, s) => sum + s.revSharePercentage, 0n)
  if (total !== 100n) throw invalid(file, `${what}: the shares add up to ${total}, not 100`)
  return shares
}

/**
 * `supplier.yaml`: owner_address, operator_address (default: the owner), stake_amount,
 * default_rev_share_percent (default: 100% to the owner) and services with endpoints
 * (publicly_exposed_url, rpc_type, config.timeout) and an optional rev_share_percent each.
 */
export function parseSupplierStakeConfig(
  text: string,
  file = 'supplier.yaml',
): SupplierStakeConfig {
  const raw = load(text, file)
  const ownerAddress = address(raw['owner_address'], 'owner_address', file)
  const operatorAddress =
    raw['operator_address'] === undefined || raw['operator_address'] === ''
      ? ownerAddress
      : address(raw['operator_address'], 'operator_address', file)
  if (raw['stake_amount'] === undefined || raw['stake_amount'] === '')
    throw invalid(file, 'stake_amount is required')
  const stake = parseUpokt(raw['stake_amount'], 'stake_amount', file)
  if (stake === 0n) throw invalid(file, 'stake amount cannot be zero')
  const defaults =
    raw['default_rev_share_percent'] === undefined
      ? [{ address: ownerAddress, revSharePercentage: 100n }]
      : revShare(raw['default_rev_share_percent'], 'default_rev_share_percent', file)
  const servicesRaw = raw['services'] ?? []
  if (!Array.isArray(servicesRaw)) throw invalid(file, 'services: expected a list')
  const services = servicesRaw.map((entry: unknown, i) => {
    const where = `services[${i}]`
    const svc = (entry ?? {}) as Record<string, unknown>
    const serviceId = svc['service_id']
    if (typeof serviceId !== 'string' || !isValidServiceId(serviceId))
      throw invalid(file, `${where}.service_id: invalid service ID ${JSON.stringify(serviceId)}`)
    const endpointsRaw = svc['endpoints']
    if (!Array.isArray(endpointsRaw) || endpointsRaw.length === 0)
      throw invalid(file, `${where}.endpoints: no endpoints for ${serviceId}`)
    const endpoints = endpointsRaw.map((e: unknown, j) => {
      const at = `${where}.endpoints[${j}]`
      const ep = (e ?? {}) as Record<string, unknown>
      const url = ep['publicly_exposed_url']
      if (typeof url !== 'string' || url === '')
        throw invalid(file, `${at}.publicly_exposed_url: endpoint URL cannot be empty`)
      let parsed: URL
      try {
        parsed = new URL(url)
      } catch {
        throw invalid(file, `${at}.publicly_exposed_url: invalid URL ${url}`)
      }
      if (parsed.host === '')
        throw invalid(file, `${at}.publicly_exposed_url: missing host in ${url}`)
      const rpcType = rpcTypes[String(ep['rpc_type'] ?? '').toUpperCase()]
      if (rpcType === undefined)
        throw invalid(file, `${at}.rpc_type: invalid rpc type ${JSON.stringify(ep['rpc_type'])}`)
      const config = (ep['config'] ?? {}) as Record<string, unknown>
      const configs = Object.entries(config).map(([key, value]) => {
        // poktroll knows one endpoint option: timeout.
        if (key !== 'timeout') throw invalid(file, `${at}.config: unknown option ${key}`)
        return { key: ConfigOptions.TIMEOUT, value: String(value) }
      })
      return { url, rpcType, configs }
    })
    const shares =
      svc['rev_share_percent'] === undefined
        ? defaults
        : revShare(svc['rev_share_percent'], `${where}.rev_share_percent`, file)
    return { serviceId, endpoints, revShare: shares }
  })
  return { ownerAddress, operatorAddress, stake, services }
}
