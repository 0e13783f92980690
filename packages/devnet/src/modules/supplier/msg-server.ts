// x/supplier MsgServer: ValidateBasic and the stake and unstake handlers.

import { create } from '@decai/protocol'
import {
  type ServiceConfigUpdate,
  ServiceConfigUpdateSchema,
  SupplierSchema,
} from '@decai/protocol/gen/pocket/shared/supplier_pb'
import {
  EventSupplierStakedSchema,
  EventSupplierUnbondingBeginSchema,
  EventSupplierUnbondingCanceledSchema,
  SupplierUnbondingReason,
} from '@decai/protocol/gen/pocket/supplier/event_pb'
import {
  type MsgStakeSupplier,
  MsgStakeSupplierResponseSchema,
  type MsgUnstakeSupplier,
  MsgUnstakeSupplierResponseSchema,
} from '@decai/protocol/gen/pocket/supplier/tx_pb'
import { getNextSessionStartHeight, getSessionEndHeight } from '@decai/session'
import { errorText, grpcError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { sharedErrors, supplierErrors } from '../../app/chain-errors.js'
import { addressBytes, DENOM } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { isModuleAccount } from '../auth/keeper.js'
import { sendCoinsFromAccountToModule, sendCoinsFromModuleToAccount } from '../bank/keeper.js'
import { coinAmount, getParams } from '../params.js'
import { getService } from '../service/keeper.js'
import { sessionParams } from '../shared/keeper.js'
import { positiveUpoktProblem, validateSupplierServiceConfigs } from '../shared/validation.js'
import {
  getSupplier,
  getSupplierUnbondingEndHeight,
  isSupplierUnbonding,
  setAndIndexSupplier,
} from './keeper.js'

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
      unbondingEndHeight: getSupplierUnbondingEndHeight(ctx, supplier),
    }),
  )
  return create(MsgUnstakeSupplierResponseSchema)
}
