import { create } from '@decai/protocol'
import {
  type ServiceComputeUnitsPerRelayUpdate,
  ServiceComputeUnitsPerRelayUpdateSchema,
} from '@decai/protocol/gen/pocket/service/compute_units_pb'
import {
  type RelayMiningDifficulty,
  RelayMiningDifficultySchema,
  type RelayMiningDifficultyUpdate,
  RelayMiningDifficultyUpdateSchema,
} from '@decai/protocol/gen/pocket/service/relay_mining_difficulty_pb'
import {
  type MsgAddService,
  MsgAddServiceResponseSchema,
  type MsgTransferService,
  MsgTransferServiceResponseSchema,
} from '@decai/protocol/gen/pocket/service/tx_pb'
import { type Service, ServiceSchema } from '@decai/protocol/gen/pocket/shared/service_pb'
import {
  BASE_RELAY_DIFFICULTY_HASH_HEX,
  getNextSessionStartHeight,
  getSessionStartHeight,
} from '@decai/session'
import { grpcError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { serviceErrors } from '../../app/chain-errors.js'
import { addressBytes, decode, encode, hexToBytes } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { be64, textKey } from '../../store/keys.js'
import { prefixEntries } from '../../store/kv-store.js'
import { getBalance, sendCoinsFromAccountToModule } from '../bank/keeper.js'
import { coinAmount, getParams, sessionParams } from '../params.js'
import { errorText, validateService } from '../shared/validation.js'

const SERVICE_PREFIX = 'Service/id/'
const CUPR_HISTORY_PREFIX = 'ServiceComputeUnitsPerRelay/history/'
const DIFFICULTY_PREFIX = 'RelayMiningDifficulty/value/'
const DIFFICULTY_HISTORY_PREFIX = 'RelayMiningDifficulty/history/'

const serviceKey = (id: string) => `${SERVICE_PREFIX}${textKey(id)}/`

export function getService(ctx: Context, id: string): Service | undefined {
  const raw = ctx.store('service').get(serviceKey(id))
  return raw ? decode(ServiceSchema, raw) : undefined
}

export function setService(ctx: Context, service: Service): void {
  ctx.store('service').set(serviceKey(service.id), encode(ServiceSchema, service))
}

export function getAllServices(ctx: Context): Service[] {
  return prefixEntries(ctx.store('service'), SERVICE_PREFIX).map(([, v]) =>
    decode(ServiceSchema, v),
  )
}

// --- compute units per relay history (x/service/keeper/service_compute_units_history.go) ---

const cuprPrefix = (id: string) => `${CUPR_HISTORY_PREFIX}${textKey(id)}/`

function setCuprAtHeight(ctx: Context, height: bigint, serviceId: string, cupr: bigint): void {
  const update = create(ServiceComputeUnitsPerRelayUpdateSchema, {
    effectiveHeight: height,
    serviceId,
    computeUnitsPerRelay: cupr,
  })
  ctx
    .store('service')
    .set(
      cuprPrefix(serviceId) + be64(height),
      encode(ServiceComputeUnitsPerRelayUpdateSchema, update),
    )
}

/** The compute units per relay in force for a service at a height (history, else live). */
export function getComputeUnitsPerRelayAtHeight(
  ctx: Context,
  serviceId: string,
  height: bigint,
): bigint | undefined {
  const prefix = cuprPrefix(serviceId)
  const [latest] = ctx
    .store('service')
    .entries({ start: prefix, end: prefix + be64(height + 1n) }, true)
  if (latest) {
    const update = decode(ServiceComputeUnitsPerRelayUpdateSchema, latest[1])
    if (update.computeUnitsPerRelay > 0n) return update.computeUnitsPerRelay
  }
  return getService(ctx, serviceId)?.computeUnitsPerRelay
}

export function getComputeUnitsPerRelayHistory(
  ctx: Context,
  serviceId?: string,
): ServiceComputeUnitsPerRelayUpdate[] {
  const prefix = serviceId === undefined ? CUPR_HISTORY_PREFIX : cuprPrefix(serviceId)
  return prefixEntries(ctx.store('service'), prefix).map(([, v]) =>
    decode(ServiceComputeUnitsPerRelayUpdateSchema, v),
  )
}

// --- relay mining difficulty (x/service/keeper/relay_mining_difficulty.go) ---

const difficultyKey = (id: string) => `${DIFFICULTY_PREFIX}${textKey(id)}/`
const difficultyHistoryPrefix = (id: string) => `${DIFFICULTY_HISTORY_PREFIX}${textKey(id)}/`

/** The base difficulty (every relay minable) with the EMA at `target_num_relays`. */
export function defaultDifficulty(ctx: Context, serviceId: string): RelayMiningDifficulty {
  return create(RelayMiningDifficultySchema, {
    serviceId,
    blockHeight: 0n,
    numRelaysEma: getParams(ctx, 'service').targetNumRelays,
    targetHash: hexToBytes(BASE_RELAY_DIFFICULTY_HASH_HEX),
  })
}

/** The stored ("current") difficulty of a service, if any. */
export function getStoredDifficulty(
  ctx: Context,
  serviceId: string,
): RelayMiningDifficulty | undefined {
  const raw = ctx.store('service').get(difficultyKey(serviceId))
  return raw ? decode(RelayMiningDifficultySchema, raw) : undefined
}

export function setStoredDifficulty(ctx: Context, difficulty: RelayMiningDifficulty): void {
  ctx
    .store('service')
    .set(difficultyKey(difficulty.serviceId), encode(RelayMiningDifficultySchema, difficulty))
}

export function getAllStoredDifficulties(ctx: Context): RelayMiningDifficulty[] {
  return prefixEntries(ctx.store('service'), DIFFICULTY_PREFIX).map(([, v]) =>
    decode(RelayMiningDifficultySchema, v),
  )
}

export function setDifficultyAtHeight(
  ctx: Context,
  height: bigint,
  difficulty: RelayMiningDifficulty,
): void {
  const update = create(RelayMiningDifficultyUpdateSchema, { effectiveHeight: height, difficulty })
  ctx
    .store('service')
    .set(
      difficultyHistoryPrefix(difficulty.serviceId) + be64(height),
      encode(RelayMiningDifficultyUpdateSchema, update),
    )
}

/** `GetRelayMiningDifficultyAtHeight`: the history entry in force, else the base difficulty. */
export function getDifficultyAtHeight(
  ctx: Context,
  serviceId: string,
  height: bigint,
): RelayMiningDifficulty {
  const prefix = difficultyHistoryPrefix(serviceId)
  const [latest] = ctx
    .store('service')
    .entries({ start: prefix, end: prefix + be64(height + 1n) }, true)
  if (latest) {
    const update = decode(RelayMiningDifficultyUpdateSchema, latest[1])
    if (update.difficulty) return update.difficulty
  }
  return defaultDifficulty(ctx, serviceId)
}

export function getDifficultyHistory(
  ctx: Context,
  serviceId?: string,
): RelayMiningDifficultyUpdate[] {
  const prefix =
    serviceId === undefined ? DIFFICULTY_HISTORY_PREFIX : difficultyHistoryPrefix(serviceId)
  return prefixEntries(ctx.store('service'), prefix).map(([, v]) =>
    decode(RelayMiningDifficultyUpdateSchema, v),
  )
}

// --- messages ---

/** `MsgAddService.ValidateBasic`. */
export function validateMsgAddService(msg: MsgAddService): void {
  const ownerError = accAddressError(msg.ownerAddress)
  if (ownerError) {
    throw serviceErrors.invalidAddress.wrap(
      `invalid signer address ${msg.ownerAddress}; (${ownerError})`,
    )
  }
  const service = msg.service ?? create(ServiceSchema)
  if (service.ownerAddress !== msg.ownerAddress) {
    throw serviceErrors.invalidOwnerAddress.wrap(
      `service owner address "${service.ownerAddress}" does not match the signer address "${msg.ownerAddress}"`,
    )
  }
  validateService(service)
}

/** `MsgTransferService.ValidateBasic`. */
export function validateMsgTransferService(msg: MsgTransferService): void {
  const ownerError = accAddressError(msg.ownerAddress)
  if (ownerError) {
    throw serviceErrors.invalidAddress.wrap(
      `invalid owner address ${msg.ownerAddress}; (${ownerError})`,
    )
  }
  const newOwnerError = accAddressError(msg.newOwnerAddress)
  if (newOwnerError) {
    throw serviceErrors.invalidAddress.wrap(
      `invalid new owner address ${msg.newOwnerAddress}; (${newOwnerError})`,
    )
  }
  if (msg.serviceId === '') throw serviceErrors.missingId.wrap('service ID cannot be empty')
  if (msg.ownerAddress === msg.newOwnerAddress) {
    throw serviceErrors.invalidOwnerAddress.wrap(
      'new owner address cannot be the same as the current owner address',
    )
  }
}

/** x/service `MsgServer.AddService`: create (paying the fee) or update by the owner. */
export function handleMsgAddService(ctx: Context, msg: MsgAddService) {
  try {
    validateMsgAddService(msg)
  } catch (error) {
    throw grpcError('InvalidArgument', errorText(error))
  }
  const service = msg.service ?? create(ServiceSchema)
  const found = getService(ctx, service.id)
  if (found) {
    if (found.ownerAddress !== service.ownerAddress) {
      throw grpcError(
        'InvalidArgument',
        serviceErrors.invalidOwnerAddress.wrap(
          `existing owner address "${found.ownerAddress}" does not match the new owner address "${service.ownerAddress}"`,
        ),
      )
    }
    const previousCupr = found.computeUnitsPerRelay
    found.name = service.name
    found.computeUnitsPerRelay = service.computeUnitsPerRelay
    if (service.metadata) found.metadata = service.metadata
    setService(ctx, found)
    if (previousCupr !== service.computeUnitsPerRelay) {
      // The first change back-fills the old value from height 1; the new one starts next session.
      if (getComputeUnitsPerRelayHistory(ctx, service.id).length === 0) {
        setCuprAtHeight(ctx, 1n, service.id, previousCupr)
      }
      setCuprAtHeight(
        ctx,
        getNextSessionStartHeight(sessionParams(ctx), ctx.height),
        service.id,
        service.computeUnitsPerRelay,
      )
    }
    return create(MsgAddServiceResponseSchema)
  }

  const owner = addressBytes(msg.ownerAddress)
  const balance = getBalance(ctx, owner)
  const fee = getParams(ctx, 'service').addServiceFee
  const feeAmount = coinAmount(fee)
  if (balance === 0n) {
    throw grpcError(
      'FailedPrecondition',
      serviceErrors.notEnoughFunds.wrap('account has no spendable coins'),
    )
  }
  if (balance <= feeAmount) {
    throw grpcError(
      'FailedPrecondition',
      serviceErrors.notEnoughFunds.wrap(
        `account has ${balance}, but the service fee is ${feeAmount}upokt`,
      ),
    )
  }
  try {
    sendCoinsFromAccountToModule(ctx, owner, 'service', [{ denom: 'upokt', amount: feeAmount }])
  } catch {
    throw grpcError(
      'Internal',
      serviceErrors.failedToDeductFee.wrap(
        `account has ${balance}, failed to deduct ${feeAmount}upokt`,
      ),
    )
  }
  setService(ctx, service)
  setCuprAtHeight(
    ctx,
    getSessionStartHeight(sessionParams(ctx), ctx.height),
    service.id,
    service.computeUnitsPerRelay,
  )
  return create(MsgAddServiceResponseSchema)
}

/** x/service `MsgServer.TransferService`: the owner hands the service (and its revenue) over. */
export function handleMsgTransferService(ctx: Context, msg: MsgTransferService) {
  try {
    validateMsgTransferService(msg)
  } catch (error) {
    throw grpcError('InvalidArgument', errorText(error))
  }
  const found = getService(ctx, msg.serviceId)
  if (!found) {
    throw grpcError('NotFound', serviceErrors.notFound.wrap(`service "${msg.serviceId}" not found`))
  }
  if (found.ownerAddress !== msg.ownerAddress) {
    throw grpcError(
      'PermissionDenied',
      serviceErrors.unauthorized.wrap(
        `signer "${msg.ownerAddress}" is not the owner of service "${msg.serviceId}" (owner: "${found.ownerAddress}")`,
      ),
    )
  }
  found.ownerAddress = msg.newOwnerAddress
  setService(ctx, found)
  return create(MsgTransferServiceResponseSchema)
}
