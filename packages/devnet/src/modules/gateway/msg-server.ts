// x/gateway MsgServer: ValidateBasic and the stake and unstake handlers.

import { create } from '@decai/protocol'
import {
  EventGatewayStakedSchema,
  EventGatewayUnbondingBeginSchema,
  EventGatewayUnbondingCanceledSchema,
} from '@decai/protocol/gen/pocket/gateway/event_pb'
import {
  type MsgStakeGateway,
  MsgStakeGatewayResponseSchema,
  type MsgUnstakeGateway,
  MsgUnstakeGatewayResponseSchema,
} from '@decai/protocol/gen/pocket/gateway/tx_pb'
import { GatewaySchema } from '@decai/protocol/gen/pocket/gateway/types_pb'
import { getSessionEndHeight } from '@decai/session'
import { errorText, grpcError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { gatewayErrors } from '../../app/chain-errors.js'
import { addressBytes, coinString } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { sendCoinsFromAccountToModule } from '../bank/keeper.js'
import { coinAmount, getParams } from '../params.js'
import { sessionParams } from '../shared/keeper.js'
import { positiveUpoktProblem } from '../shared/validation.js'
import {
  forEvent,
  getGateway,
  getGatewayUnbondingEndHeight,
  isGatewayUnbonding,
  setGateway,
} from './keeper.js'

export function validateMsgStakeGateway(msg: MsgStakeGateway): void {
  const addressError = accAddressError(msg.address)
  if (addressError) {
    throw gatewayErrors.invalidAddress.wrap(
      `invalid gateway address ${msg.address}; (${addressError})`,
    )
  }
  if (!msg.stake) throw gatewayErrors.invalidStake.wrap('nil gateway stake')
  const problem = positiveUpoktProblem(msg.stake)
  if (problem) {
    if (problem.includes('<= 0')) {
      throw gatewayErrors.invalidStake.wrap(
        `invalid stake amount for gateway: ${coinString(msg.stake)} <= 0`,
      )
    }
    if (problem.includes('denom')) {
      throw gatewayErrors.invalidStake.wrap(
        `invalid stake amount denom for gateway ${coinString(msg.stake)}`,
      )
    }
    throw gatewayErrors.invalidStake.wrap(`invalid gateway stake ${coinString(msg.stake)}`)
  }
}

export function validateMsgUnstakeGateway(msg: MsgUnstakeGateway): void {
  const addressError = accAddressError(msg.address)
  if (addressError) {
    throw gatewayErrors.invalidAddress.wrap(
      `invalid gateway address ${msg.address}; (${addressError})`,
    )
  }
}

/** x/gateway `MsgServer.StakeGateway`: create, or raise the stake (cancelling an unstake). */
export function handleMsgStakeGateway(ctx: Context, msg: MsgStakeGateway) {
  try {
    validateMsgStakeGateway(msg)
  } catch (error) {
    throw grpcError('InvalidArgument', errorText(error))
  }
  const stake = coinAmount(msg.stake)
  let gateway = getGateway(ctx, msg.address)
  let escrow: bigint
  let wasUnbonding = false
  if (!gateway) {
    gateway = create(GatewaySchema, { address: msg.address, stake: msg.stake })
    escrow = stake
  } else {
    const current = coinAmount(gateway.stake)
    if (stake <= current) {
      throw grpcError(
        'InvalidArgument',
        gatewayErrors.invalidStake.wrap(
          `stake amount ${coinString(msg.stake!)} must be higher than previous stake amount ${current}upokt`,
        ),
      )
    }
    gateway.stake = msg.stake
    escrow = stake - current
    if (isGatewayUnbonding(gateway)) {
      wasUnbonding = true
      gateway.unstakeSessionEndHeight = 0n
    }
  }
  const minStake = coinAmount(getParams(ctx, 'gateway').minStake)
  if (stake < minStake) {
    throw grpcError(
      'InvalidArgument',
      gatewayErrors.invalidStake.wrap(
        `gateway "${msg.address}" must stake at least ${minStake}upokt`,
      ),
    )
  }
  try {
    sendCoinsFromAccountToModule(ctx, addressBytes(msg.address), 'gateway', [
      { denom: 'upokt', amount: escrow },
    ])
  } catch (error) {
    throw grpcError('Internal', errorText(error))
  }
  setGateway(ctx, gateway)
  const sessionEndHeight = getSessionEndHeight(sessionParams(ctx), ctx.height)
  if (wasUnbonding) {
    ctx.events.emitTyped(
      EventGatewayUnbondingCanceledSchema,
      create(EventGatewayUnbondingCanceledSchema, {
        gateway: forEvent(gateway),
        sessionEndHeight,
      }),
    )
  }
  ctx.events.emitTyped(
    EventGatewayStakedSchema,
    create(EventGatewayStakedSchema, {
      gateway: forEvent(gateway),
      sessionEndHeight,
    }),
  )
  return create(MsgStakeGatewayResponseSchema)
}

/** x/gateway `MsgServer.UnstakeGateway`: unbonds at the end of the current session. */
export function handleMsgUnstakeGateway(ctx: Context, msg: MsgUnstakeGateway) {
  try {
    validateMsgUnstakeGateway(msg)
  } catch (error) {
    throw grpcError('InvalidArgument', errorText(error))
  }
  const gateway = getGateway(ctx, msg.address)
  if (!gateway)
    throw grpcError('NotFound', gatewayErrors.notFound.wrap(`gateway with address ${msg.address}`))
  if (isGatewayUnbonding(gateway)) {
    throw grpcError(
      'FailedPrecondition',
      gatewayErrors.isUnstaking.wrap(`gateway with address "${msg.address}"`),
    )
  }
  const sessionEndHeight = getSessionEndHeight(sessionParams(ctx), ctx.height)
  gateway.unstakeSessionEndHeight = BigInt.asUintN(64, sessionEndHeight)
  setGateway(ctx, gateway)
  ctx.events.emitTyped(
    EventGatewayUnbondingBeginSchema,
    create(EventGatewayUnbondingBeginSchema, {
      gateway: forEvent(gateway),
      sessionEndHeight,
      unbondingEndHeight: getGatewayUnbondingEndHeight(ctx, gateway),
    }),
  )
  return create(MsgUnstakeGatewayResponseSchema)
}
