// x/service MsgServer: ValidateBasic and the handlers.

import { create } from '@decai/protocol'
import {
  type MsgAddService,
  MsgAddServiceResponseSchema,
  type MsgTransferService,
  MsgTransferServiceResponseSchema,
} from '@decai/protocol/gen/pocket/service/tx_pb'
import { ServiceSchema } from '@decai/protocol/gen/pocket/shared/service_pb'
import { getNextSessionStartHeight, getSessionStartHeight } from '@decai/session'
import { errorText, grpcError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { serviceErrors } from '../../app/chain-errors.js'
import { addressBytes } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { getBalance, sendCoinsFromAccountToModule } from '../bank/keeper.js'
import { coinAmount, getParams } from '../params.js'
import { sessionParams } from '../shared/keeper.js'
import { validateService } from '../shared/validation.js'
import {
  getComputeUnitsPerRelayHistory,
  getService,
  setCuprAtHeight,
  setService,
} from './keeper.js'

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
