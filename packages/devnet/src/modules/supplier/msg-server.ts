import { create } from '@decai/protocol'
import type { SupplierServiceConfig } from '@decai/protocol/gen/pocket/shared/service_pb'
import {
  type ServiceConfigUpdate,
  ServiceConfigUpdateSchema,
  type Supplier,
  SupplierSchema,
} from '@decai/protocol/gen/pocket/shared/supplier_pb'
import {
  EventSupplierServiceConfigActivatedSchema,
  EventSupplierStakedSchema,
  EventSupplierUnbondingBeginSchema,
  EventSupplierUnbondingCanceledSchema,
  EventSupplierUnbondingEndSchema,
  SupplierUnbondingReason,
} from '@decai/protocol/gen/pocket/supplier/event_pb'
import {
  type MsgStakeSupplier,
  MsgStakeSupplierResponseSchema,
  type MsgUnstakeSupplier,
  MsgUnstakeSupplierResponseSchema,
} from '@decai/protocol/gen/pocket/supplier/tx_pb'
import {
  getNextSessionStartHeight,
  getSessionEndHeight,
  isSessionEndHeight,
  isSessionStartHeight,
} from '@decai/session'
import { grpcError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { sharedErrors, supplierErrors } from '../../app/chain-errors.js'
import { addressBytes, DENOM, decode, encode } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { be64, bytesToKey, keyToBytes, textKey } from '../../store/keys.js'
import { prefixEntries } from '../../store/kv-store.js'
import { isModuleAccount } from '../auth/keeper.js'
import { sendCoinsFromAccountToModule, sendCoinsFromModuleToAccount } from '../bank/keeper.js'
import { coinAmount, getParams, getSharedParams, sessionParams } from '../params.js'
import { getService } from '../service/keeper.js'
import {
  errorText,
  positiveUpoktProblem,
  validateSupplierServiceConfigs,
} from '../shared/validation.js'

const SUPPLIER_PREFIX = 'Supplier/operator_address/'
const CONFIG_PREFIX = 'ServiceConfigUpdate/service_id/'
const OPERATOR_CONFIG_PREFIX = 'ServiceConfigUpdate/operator_address/'
const ACTIVATION_PREFIX = 'ServiceConfigUpdate/activation_height/'

const str = (s: string) => `${textKey(s)}/`
const int = (n: bigint) => `${be64(n)}/`
const supplierKey = (operator: string) => SUPPLIER_PREFIX + str(operator)
const configKey = (u: ServiceConfigUpdate) =>
  CONFIG_PREFIX + str(u.service?.serviceId ?? '') + int(u.activationHeight) + str(u.operatorAddress)
const operatorConfigKey = (u: ServiceConfigUpdate) =>
  OPERATOR_CONFIG_PREFIX +
  str(u.operatorAddress) +
  str(u.service?.serviceId ?? '') +
  int(u.activationHeight)
const activationKey = (u: ServiceConfigUpdate) =>
  ACTIVATION_PREFIX +
  int(u.activationHeight) +
  str(u.service?.serviceId ?? '') +
  str(u.operatorAddress)

export const isSupplierUnbonding = (s: Supplier) => s.unstakeSessionEndHeight !== 0n

/** `ServiceConfigUpdate.IsActive`. */
export function isConfigActive(u: ServiceConfigUpdate, height: bigint): boolean {
  if (u.activationHeight > height) return false
  return u.deactivationHeight === 0n || u.deactivationHeight > height
}

export function getDehydratedSupplier(ctx: Context, operator: string): Supplier | undefined {
  const raw = ctx.store('supplier').get(supplierKey(operator))
  return raw ? decode(SupplierSchema, raw) : undefined
}

export function setDehydratedSupplier(ctx: Context, supplier: Supplier): void {
  const stored = create(SupplierSchema, { ...supplier, services: [], serviceConfigHistory: [] })
  ctx.store('supplier').set(supplierKey(supplier.operatorAddress), encode(SupplierSchema, stored))
}

/** A supplier's service config updates, optionally for one service, in index order. */
export function getSupplierConfigUpdates(
  ctx: Context,
  operator: string,
  serviceId?: string,
): ServiceConfigUpdate[] {
  const store = ctx.store('supplier')
  const prefix =
    OPERATOR_CONFIG_PREFIX + str(operator) + (serviceId === undefined ? '' : str(serviceId))
  const out: ServiceConfigUpdate[] = []
  for (const [, primary] of prefixEntries(store, prefix)) {
    const raw = store.get(bytesToKey(primary))
    if (raw) out.push(decode(ServiceConfigUpdateSchema, raw))
  }
  return out
}

function removeConfigIndexes(ctx: Context, operator: string): void {
  const store = ctx.store('supplier')
  for (const [indexKey, primary] of prefixEntries(store, OPERATOR_CONFIG_PREFIX + str(operator))) {
    const raw = store.get(bytesToKey(primary))
    if (raw) {
      const update = decode(ServiceConfigUpdateSchema, raw)
      store.delete(activationKey(update))
      store.delete(bytesToKey(primary))
    }
    store.delete(indexKey)
  }
}

/** `SetAndIndexDehydratedSupplier`: rewrites the supplier's config history indexes, then it. */
export function setAndIndexSupplier(ctx: Context, supplier: Supplier): void {
  const store = ctx.store('supplier')
  removeConfigIndexes(ctx, supplier.operatorAddress)
  for (const update of supplier.serviceConfigHistory) {
    const primary = configKey(update)
    store.set(primary, encode(ServiceConfigUpdateSchema, update))
    const primaryBytes = keyToBytes(primary)
    store.set(operatorConfigKey(update), primaryBytes)
    store.set(activationKey(update), primaryBytes)
  }
  setDehydratedSupplier(ctx, supplier)
}

/** The supplier with its full history and the services active at the context height. */
export function getSupplier(ctx: Context, operator: string): Supplier | undefined {
  const supplier = getDehydratedSupplier(ctx, operator)
  if (!supplier) return undefined
  supplier.serviceConfigHistory = getSupplierConfigUpdates(ctx, operator)
  supplier.services = supplier.serviceConfigHistory
    .filter((u) => isConfigActive(u, ctx.height))
    .map((u) => u.service!)
  return supplier
}

/** The dehydrated form the `dehydrated` query flag returns: active services without rev share. */
export function getPartiallyHydratedSupplier(ctx: Context, operator: string): Supplier | undefined {
  const supplier = getDehydratedSupplier(ctx, operator)
  if (!supplier) return undefined
  supplier.services = getSupplierConfigUpdates(ctx, operator)
    .filter((u) => isConfigActive(u, ctx.height))
    .map((u) => ({ ...u.service!, revShare: [] }) as SupplierServiceConfig)
  supplier.serviceConfigHistory = []
  return supplier
}

/** The active service configs of a supplier for one service (`GetSupplierActiveServiceConfig`). */
export function getSupplierActiveServiceConfig(
  ctx: Context,
  operator: string,
  serviceId: string,
): SupplierServiceConfig[] {
  return getSupplierConfigUpdates(ctx, operator, serviceId)
    .filter((u) => isConfigActive(u, ctx.height))
    .map((u) => u.service!)
}

export function getAllDehydratedSuppliers(ctx: Context): Supplier[] {
  return prefixEntries(ctx.store('supplier'), SUPPLIER_PREFIX).map(([, v]) =>
    decode(SupplierSchema, v),
  )
}

/** The config updates of a service activated at or before `height`, in store order. */
export function getServiceConfigUpdates(
  ctx: Context,
  serviceId: string,
  height: bigint,
): ServiceConfigUpdate[] {
  const start = CONFIG_PREFIX + str(serviceId)
  return ctx
    .store('supplier')
    .entries({ start, end: start + be64(height + 1n) })
    .map(([, v]) => decode(ServiceConfigUpdateSchema, v))
}

export function removeSupplier(ctx: Context, operator: string): void {
  removeConfigIndexes(ctx, operator)
  ctx.store('supplier').delete(supplierKey(operator))
}

function unbondingEndHeight(ctx: Context, s: Supplier): bigint {
  const p = getSharedParams(ctx)
  return s.unstakeSessionEndHeight + p.supplierUnbondingPeriodSessions * p.numBlocksPerSession
}

export function validateMsgStakeSupplier(msg: MsgStakeSupplier): void {
  for (const [what, address] of [
    ['owner', msg.ownerAddress],
    ['operator', msg.operatorAddress],
    ['signer', msg.signer],
  ] as const) {
    const addressError = accAddressError(address)
    if (addressError) {
      throw supplierErrors.invalidAddress.wrap(
        `invalid ${what} address ${address}; (${addressError})`,
      )
    }
  }
  if (msg.stake) {
    const problem = positiveUpoktProblem(msg.stake)
    if (problem) throw supplierErrors.invalidStake.wrap(problem)
  }
  if (msg.services.length > 0 && msg.signer !== msg.operatorAddress) {
    throw supplierErrors.invalidServiceConfig.wrap(
      'only the operator account is authorized to update the service configurations',
    )
  }
  if (msg.services.length > 0) {
    try {
      validateSupplierServiceConfigs(msg.services)
    } catch (error) {
      throw supplierErrors.invalidServiceConfig.wrap(errorText(error))
    }
  }
}

export function validateMsgUnstakeSupplier(msg: MsgUnstakeSupplier): void {
  const signerError = accAddressError(msg.signer)
  if (signerError)
    throw supplierErrors.invalidAddress.wrap(`invalid signer address (${signerError})`)
  const operatorError = accAddressError(msg.operatorAddress)
  if (operatorError) {
    throw supplierErrors.invalidAddress.wrap(`invalid operator address (${operatorError})`)
  }
}

function newConfigHistory(
  _ctx: Context,
  msg: MsgStakeSupplier,
  next: bigint,
): ServiceConfigUpdate[] {
  return msg.services.map((service) =>
    create(ServiceConfigUpdateSchema, {
      operatorAddress: msg.operatorAddress,
      service,
      activationHeight: next,
    }),
  )
}

/** x/supplier `StakeSupplier`: stake or update; service changes activate at the next session. */
export function handleMsgStakeSupplier(ctx: Context, msg: MsgStakeSupplier) {
  try {
    validateMsgStakeSupplier(msg)
  } catch (error) {
    throw grpcError('InvalidArgument', errorText(error))
  }
  const owner = addressBytes(msg.ownerAddress)
  if (isModuleAccount(ctx, owner)) {
    throw grpcError(
      'InvalidArgument',
      supplierErrors.invalidAddress.wrap(
        `owner address ${msg.ownerAddress} is a module account and cannot be used`,
      ),
    )
  }
  for (const svc of msg.services) {
    if (!getService(ctx, svc.serviceId)) {
      throw grpcError(
        'InvalidArgument',
        supplierErrors.serviceNotFound.wrap(`service "${svc.serviceId}" does not exist`),
      )
    }
  }
  const next = getNextSessionStartHeight(sessionParams(ctx), ctx.height)
  let supplier = getSupplier(ctx, msg.operatorAddress)
  let currentStake = 0n
  let wasUnbonding = false
  if (!supplier) {
    if (!msg.stake) {
      throw grpcError(
        'InvalidArgument',
        supplierErrors.invalidStake.wrap(
          'when staking a new supplier, the stake amount MUST be non-nil',
        ),
      )
    }
    supplier = create(SupplierSchema, {
      ownerAddress: msg.ownerAddress,
      operatorAddress: msg.operatorAddress,
      stake: msg.stake,
      serviceConfigHistory: newConfigHistory(ctx, msg, next),
    })
  } else {
    currentStake = coinAmount(supplier.stake)
    const bySigner = (a: string) => msg.signer === a
    if (!bySigner(supplier.ownerAddress) && !bySigner(supplier.operatorAddress)) {
      throw grpcError(
        'InvalidArgument',
        sharedErrors.unauthorizedSupplierUpdate.wrap(
          `signer address ${msg.signer} does not match owner address ${msg.ownerAddress} or supplier operator address ${msg.operatorAddress}`,
        ),
      )
    }
    if (supplier.ownerAddress !== msg.ownerAddress && !bySigner(supplier.ownerAddress)) {
      throw grpcError(
        'InvalidArgument',
        sharedErrors.unauthorizedSupplierUpdate.wrap(
          `signer "${msg.signer}" is not allowed to update the owner address "${supplier.ownerAddress}"`,
        ),
      )
    }
    if (supplier.operatorAddress !== msg.operatorAddress) {
      throw grpcError(
        'InvalidArgument',
        sharedErrors.unauthorizedSupplierUpdate.wrap(
          'updating the operator address is forbidden, unstake then re-stake with the updated operator address',
        ),
      )
    }
    if (!bySigner(supplier.operatorAddress) && msg.services.length > 0) {
      throw grpcError(
        'InvalidArgument',
        sharedErrors.unauthorizedSupplierUpdate.wrap(
          'only the operator account is authorized to update the service configurations',
        ),
      )
    }
    const storedOwner = supplier.ownerAddress
    if (!msg.stake) msg.stake = supplier.stake
    supplier.stake = msg.stake
    supplier.ownerAddress = msg.ownerAddress
    if (msg.services.length > 0) {
      const updated = newConfigHistory(ctx, msg, next)
      const replaced = new Set(msg.services.map((s) => s.serviceId))
      for (const current of supplier.serviceConfigHistory) {
        if (current.activationHeight === next && replaced.has(current.service?.serviceId ?? ''))
          continue
        if (current.deactivationHeight === 0n) current.deactivationHeight = next
        updated.push(current)
      }
      supplier.serviceConfigHistory = updated
    }
    if (isSupplierUnbonding(supplier)) {
      if (msg.signer !== storedOwner) {
        throw grpcError(
          'PermissionDenied',
          sharedErrors.unauthorizedSupplierUpdate.wrap(
            `signer "${msg.signer}" is not allowed to cancel the unbonding of supplier with owner "${storedOwner}"; only the owner can cancel an in-progress unstake`,
          ),
        )
      }
      wasUnbonding = true
      supplier.unstakeSessionEndHeight = 0n
    }
  }
  const stake = coinAmount(msg.stake)
  const minStake = coinAmount(getParams(ctx, 'supplier').minStake)
  if (stake < minStake) {
    throw grpcError(
      'InvalidArgument',
      supplierErrors.invalidStake.wrap(
        `supplier with owner "${msg.ownerAddress}" must stake at least ${minStake}upokt`,
      ),
    )
  }
  const signer = addressBytes(msg.signer)
  try {
    if (currentStake < stake) {
      sendCoinsFromAccountToModule(ctx, signer, 'supplier', [
        { denom: DENOM, amount: stake - currentStake },
      ])
    } else if (currentStake > stake) {
      sendCoinsFromModuleToAccount(ctx, 'supplier', owner, [
        { denom: DENOM, amount: currentStake - stake },
      ])
    }
  } catch (error) {
    throw grpcError('Internal', errorText(error))
  }
  const fee = getParams(ctx, 'supplier').stakingFee
  try {
    const feeAmount = coinAmount(fee)
    if (feeAmount > 0n)
      sendCoinsFromAccountToModule(ctx, signer, 'supplier', [{ denom: DENOM, amount: feeAmount }])
  } catch (error) {
    throw grpcError('FailedPrecondition', errorText(error))
  }
  setAndIndexSupplier(ctx, supplier)
  const sessionEndHeight = getSessionEndHeight(sessionParams(ctx), ctx.height)
  if (wasUnbonding) {
    ctx.events.emitTyped(
      EventSupplierUnbondingCanceledSchema,
      create(EventSupplierUnbondingCanceledSchema, {
        supplier,
        sessionEndHeight,
        height: ctx.height,
      }),
    )
  }
  ctx.events.emitTyped(
    EventSupplierStakedSchema,
    create(EventSupplierStakedSchema, {
      operatorAddress: supplier.operatorAddress,
      sessionEndHeight,
    }),
  )
  return create(MsgStakeSupplierResponseSchema)
}

/** x/supplier `UnstakeSupplier`: services deactivate next session; the stake unbonds later. */
export function handleMsgUnstakeSupplier(ctx: Context, msg: MsgUnstakeSupplier) {
  try {
    validateMsgUnstakeSupplier(msg)
  } catch (error) {
    throw grpcError('InvalidArgument', errorText(error))
  }
  const supplier = getSupplier(ctx, msg.operatorAddress)
  if (!supplier) {
    throw grpcError(
      'NotFound',
      supplierErrors.notFound.wrap(`supplier with operator address "${msg.operatorAddress}"`),
    )
  }
  if (supplier.operatorAddress !== msg.signer && supplier.ownerAddress !== msg.signer) {
    throw grpcError(
      'PermissionDenied',
      sharedErrors.unauthorizedSupplierUpdate.wrap(
        `signer "${msg.signer}" is not allowed to unstake supplier`,
      ),
    )
  }
  if (isSupplierUnbonding(supplier)) {
    throw grpcError(
      'FailedPrecondition',
      supplierErrors.isUnstaking.wrap(`supplier with operator address "${msg.operatorAddress}"`),
    )
  }
  const params = sessionParams(ctx)
  supplier.unstakeSessionEndHeight = BigInt.asUintN(64, getSessionEndHeight(params, ctx.height))
  const next = getNextSessionStartHeight(params, ctx.height)
  for (const update of supplier.serviceConfigHistory) update.deactivationHeight = next
  setAndIndexSupplier(ctx, supplier)
  const eventSupplier = create(SupplierSchema, {
    ...supplier,
    services: [],
    serviceConfigHistory: [],
  })
  ctx.events.emitTyped(
    EventSupplierUnbondingBeginSchema,
    create(EventSupplierUnbondingBeginSchema, {
      supplier: eventSupplier,
      reason: SupplierUnbondingReason.VOLUNTARY,
      sessionEndHeight: supplier.unstakeSessionEndHeight,
      unbondingEndHeight: unbondingEndHeight(ctx, supplier),
    }),
  )
  return create(MsgUnstakeSupplierResponseSchema)
}

/** x/supplier BeginBlocker: announces the service configs that activate at a session start. */
export function beginBlockSupplier(ctx: Context): void {
  if (!isSessionStartHeight(sessionParams(ctx), ctx.height)) return
  const store = ctx.store('supplier')
  for (const [, primary] of prefixEntries(store, ACTIVATION_PREFIX + int(ctx.height))) {
    const raw = store.get(bytesToKey(primary))
    if (!raw) continue
    const update = decode(ServiceConfigUpdateSchema, raw)
    ctx.events.emitTyped(
      EventSupplierServiceConfigActivatedSchema,
      create(EventSupplierServiceConfigActivatedSchema, {
        operatorAddress: update.operatorAddress,
        serviceId: update.service?.serviceId ?? '',
        activationHeight: ctx.height,
      }),
    )
  }
}

/** x/supplier EndBlocker: at a session end, return the stakes whose unbonding is over. */
export function endBlockSupplier(ctx: Context): void {
  const params = sessionParams(ctx)
  if (!isSessionEndHeight(params, ctx.height)) return
  const minStake = coinAmount(getParams(ctx, 'supplier').minStake)
  for (const supplier of getAllDehydratedSuppliers(ctx)) {
    if (!isSupplierUnbonding(supplier)) continue
    const end = unbondingEndHeight(ctx, supplier)
    if (end > ctx.height) continue
    const stake = coinAmount(supplier.stake)
    if (stake > 0n) {
      sendCoinsFromModuleToAccount(ctx, 'supplier', addressBytes(supplier.ownerAddress), [
        { denom: DENOM, amount: stake },
      ])
    }
    removeSupplier(ctx, supplier.operatorAddress)
    ctx.events.emitTyped(
      EventSupplierUnbondingEndSchema,
      create(EventSupplierUnbondingEndSchema, {
        supplier,
        reason:
          stake < minStake
            ? SupplierUnbondingReason.BELOW_MIN_STAKE
            : SupplierUnbondingReason.VOLUNTARY,
        sessionEndHeight: getSessionEndHeight(params, ctx.height),
        unbondingEndHeight: end,
      }),
    )
  }
}

export { unbondingEndHeight as getSupplierUnbondingEndHeight }
