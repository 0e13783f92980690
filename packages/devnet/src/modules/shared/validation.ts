// x/shared/types validation (service IDs, names, compute units, rev shares, service configs),
// shared by the service, application and supplier modules.

import type { Coin } from '@decai/protocol/gen/cosmos/base/v1beta1/coin_pb'
import type {
  ApplicationServiceConfig,
  Service,
  ServiceRevenueShare,
  SupplierServiceConfig,
} from '@decai/protocol/gen/pocket/shared/service_pb'
import { RPCType } from '@decai/protocol/gen/pocket/shared/service_pb'
import { assertServiceId, isSessionError } from '@decai/session'
import type { AbciError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { sharedErrors } from '../../app/chain-errors.js'
import { coinString, DENOM, isValidAddress } from '../../app/codec.js'

/** `ComputeUnitsPerRelayMax`: 2 << 20. */
export const COMPUTE_UNITS_PER_RELAY_MAX = 2n << 20n
const MAX_SERVICE_NAME_LENGTH = 169
const MAX_SERVICE_METADATA_BYTES = 256 * 1024
const SERVICE_NAME_RE = /^[a-zA-Z0-9-_ ]+$/

export function validateServiceId(serviceId: string): void {
  // The rule lives in @decai/session; the chain wraps its words in the registered error.
  try {
    assertServiceId(serviceId)
  } catch (error) {
    if (isSessionError(error) && error.code === 'INVALID_SERVICE_ID') {
      throw sharedErrors.invalidServiceId.wrap(error.details ?? '')
    }
    throw error
  }
}

export function validateServiceName(name: string): void {
  if (name.length === 0) return
  if (name.length > MAX_SERVICE_NAME_LENGTH) {
    throw sharedErrors.invalidServiceName.wrap(
      `service name '${name}' exceeds maximum length: ${MAX_SERVICE_NAME_LENGTH}`,
    )
  }
  if (!SERVICE_NAME_RE.test(name)) {
    throw sharedErrors.invalidServiceName.wrap(`service name '${name}' contains invalid characters`)
  }
}

export function validateComputeUnitsPerRelay(cupr: bigint): void {
  if (cupr === 0n) {
    throw sharedErrors.invalidComputeUnitsPerRelay.wrap(
      'compute units per relay must be greater than 0',
    )
  }
  if (cupr > COMPUTE_UNITS_PER_RELAY_MAX) {
    throw sharedErrors.invalidComputeUnitsPerRelay.wrap(
      `compute units per relay must be less than ${COMPUTE_UNITS_PER_RELAY_MAX}`,
    )
  }
}

/** `Service.ValidateBasic`. */
export function validateService(service: Service): void {
  validateServiceId(service.id)
  validateServiceName(service.name)
  if (!isValidAddress(service.ownerAddress)) {
    throw sharedErrors.invalidService.wrap(`invalid owner address: ${service.ownerAddress}`)
  }
  try {
    validateComputeUnitsPerRelay(service.computeUnitsPerRelay)
  } catch (error) {
    throw sharedErrors.invalidService.wrap((error as AbciError).log)
  }
  if (service.metadata) {
    const card = service.metadata.card
    if (card.length === 0)
      throw sharedErrors.invalidServiceMetadata.wrap('metadata card must not be empty')
    if (card.length > MAX_SERVICE_METADATA_BYTES) {
      throw sharedErrors.invalidServiceMetadata.wrap(
        `metadata card exceeds maximum size: got ${card.length} bytes, max ${MAX_SERVICE_METADATA_BYTES} bytes`,
      )
    }
  }
}

/** `ValidateAppServiceConfigs`: exactly one valid service ID. Throws a plain message. */
export function validateAppServiceConfigs(services: ApplicationServiceConfig[]): void {
  if (services.length !== 1) {
    throw new Error(
      `application must have exactly one service: [${services.map((s) => s.serviceId).join(' ')}]`,
    )
  }
  for (const s of services) validateServiceId(s.serviceId)
}

function isValidEndpointUrl(url: string): boolean {
  try {
    const u = new URL(url)
    return ['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol) && u.host !== ''
  } catch {
    return false
  }
}

/** `ValidateServiceRevShare`. */
export function validateServiceRevShare(revShares: ServiceRevenueShare[]): void {
  if (revShares.length === 0) throw sharedErrors.invalidRevShare.wrap('no rev share configurations')
  const seen = new Set<string>()
  let sum = 0n
  for (const rs of revShares) {
    if (rs.address === '')
      throw sharedErrors.invalidRevShare.wrap(`rev share address cannot be empty: ${rs.address}`)
    const addressError = accAddressError(rs.address)
    if (addressError) {
      throw sharedErrors.invalidRevShare.wrap(
        `invalid rev share address ${rs.address}; (${addressError})`,
      )
    }
    if (seen.has(rs.address))
      throw sharedErrors.invalidRevShare.wrap(`duplicate rev share address: ${rs.address}`)
    seen.add(rs.address)
    if (rs.revSharePercentage <= 0n || rs.revSharePercentage > 100n) {
      throw sharedErrors.invalidRevShare.wrap(
        `invalid rev share value ${rs.revSharePercentage}; must be between 0 and 100`,
      )
    }
    sum += rs.revSharePercentage
  }
  if (sum !== 100n) {
    throw sharedErrors.invalidRevShare.wrap(
      `invalid rev share percentage sum ${sum}; must be equal to 100`,
    )
  }
}

/** `ValidateSupplierServiceConfigs`; plain errors are wrapped by the caller. */
export function validateSupplierServiceConfigs(services: SupplierServiceConfig[]): void {
  if (services.length === 0) throw new Error('no services provided for supplier: []')
  const seen = new Set<string>()
  for (const svc of services) {
    validateServiceId(svc.serviceId)
    if (seen.has(svc.serviceId)) throw new Error(`duplicate service ID: ${svc.serviceId}`)
    seen.add(svc.serviceId)
    if (svc.endpoints.length === 0) throw new Error('endpoints must have at least one entry')
    for (const endpoint of svc.endpoints) {
      if (endpoint.url === '') throw new Error('endpoint.Url cannot be empty')
      if (!isValidEndpointUrl(endpoint.url))
        throw new Error(`invalid endpoint.Url: ${endpoint.url}`)
      if (endpoint.rpcType === RPCType.UNKNOWN_RPC)
        throw new Error('endpoint.RpcType cannot be UNKNOWN_RPC')
      if (RPCType[endpoint.rpcType] === undefined)
        throw new Error('endpoint.RpcType is not a valid RPCType')
    }
    validateServiceRevShare(svc.revShare)
  }
}

/** `ValidatePositiveuPOKT`, returning an error text or undefined. */
export function positiveUpoktProblem(c: Coin): string | undefined {
  const text = coinString(c)
  if (!/^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/.test(c.denom) || !/^\d+$/.test(c.amount || '0')) {
    return `invalid coin ${text}`
  }
  if (BigInt(c.amount || '0') <= 0n) return `invalid coin amount: ${text} <= 0`
  if (c.denom !== DENOM) return `invalid coin denom: expected ${DENOM}, got ${c.denom}`
  return undefined
}
