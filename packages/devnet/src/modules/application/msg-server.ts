// x/application MsgServer: ValidateBasic and the handlers of stake, unstake, delegate and
// undelegate.

import { create } from '@decai/protocol'
import type { Coin } from '@decai/protocol/gen/cosmos/base/v1beta1/coin_pb'
import {
  ApplicationUnbondingReason,
  EventApplicationStakedSchema,
  EventApplicationUnbondingBeginSchema,
  EventApplicationUnbondingCanceledSchema,
  EventRedelegationSchema,
} from '@decai/protocol/gen/pocket/application/event_pb'
import {
  type MsgDelegateToGateway,
  MsgDelegateToGatewayResponseSchema,
  type MsgStakeApplication,
  MsgStakeApplicationResponseSchema,
  type MsgUndelegateFromGateway,
  MsgUndelegateFromGatewayResponseSchema,
  type MsgUnstakeApplication,
  MsgUnstakeApplicationResponseSchema,
} from '@decai/protocol/gen/pocket/application/tx_pb'
import {
  type Application,
  ApplicationSchema,
  ApplicationServiceConfigUpdateSchema,
} from '@decai/protocol/gen/pocket/application/types_pb'
import type { ApplicationServiceConfig } from '@decai/protocol/gen/pocket/shared/service_pb'
import { getNextSessionStartHeight, getSessionEndHeight } from '@decai/session'
import { errorText, grpcError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { appErrors, gatewayErrors } from '../../app/chain-errors.js'
import { addressBytes, coinString, DENOM } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { sendCoinsFromAccountToModule } from '../bank/keeper.js'
import { getGateway, isGatewayActive } from '../gateway/keeper.js'
import { coinAmount, getParams } from '../params.js'
import { sessionParams } from '../shared/keeper.js'
import { positiveUpoktProblem, validateAppServiceConfigs } from '../shared/validation.js'
import {
  getApplication,
  getApplicationUnbondingEndHeight,
  isAppUnbonding,
  recordPendingUndelegation,
  setApplication,
} from './keeper.js'

/** `MinPerSessionSpendLimit`: 1 POKT. */
const MIN_PER_SESSION_SPEND_LIMIT = 1_000_000n

function validateSpendLimit(limit: Coin | undefined): void {
  if (!limit) return
  const amount = coinAmount(limit)
  if (amount === 0n) return
  if (limit.denom !== DENOM) {
    throw appErrors.invalidPerSessionSpendLimit.wrap(
      `invalid per-session spend limit denom, expecting: upokt, got: ${limit.denom}`,
    )
  }
  if (amount < MIN_PER_SESSION_SPEND_LIMIT) {
    throw appErrors.invalidPerSessionSpendLimit.wrap(
      `per_session_spend_limit ${coinString(limit)} must be at least ${MIN_PER_SESSION_SPEND_LIMIT}upokt`,
    )
  }
}

export function validateMsgStakeApplication(msg: MsgStakeApplication): void {
  const addressError = accAddressError(msg.address)
  if (addressError) {
    throw appErrors.invalidAddress.wrap(
      `invalid application address ${msg.address}; (${addressError})`,
    )
  }
  if (!msg.stake) throw appErrors.invalidStake.wrap('nil application stake')
  const problem = positiveUpoktProblem(msg.stake)
  if (problem) {
    if (problem.includes('<= 0')) {
      throw appErrors.invalidStake.wrap(
        `invalid stake amount for application: ${coinString(msg.stake)} <= 0`,
      )
    }
    if (problem.includes('denom')) {
      throw appErrors.invalidStake.wrap(
        `invalid stake amount denom for application: ${coinString(msg.stake)}`,
      )
    }
    throw appErrors.invalidStake.wrap(`invalid application stake ${coinString(msg.stake)}`)
  }
  try {
    validateAppServiceConfigs(msg.services)
  } catch (error) {
    throw appErrors.invalidServiceConfigs.wrap(errorText(error))
  }
  validateSpendLimit(msg.perSessionSpendLimit)
}

export function validateMsgUnstakeApplication(msg: MsgUnstakeApplication): void {
  const addressError = accAddressError(msg.address)
  if (addressError) throw appErrors.invalidAddress.wrap(`invalid address address (${addressError})`)
}

export function validateMsgDelegateToGateway(
  msg: MsgDelegateToGateway | MsgUndelegateFromGateway,
): void {
  const appError = accAddressError(msg.appAddress)
  if (appError) {
    throw appErrors.invalidAddress.wrap(
      `invalid application address ${msg.appAddress}; (${appError})`,
    )
  }
  const gatewayError = accAddressError(msg.gatewayAddress)
  if (gatewayError) {
    throw appErrors.invalidGatewayAddress.wrap(
      `invalid gateway address ${msg.gatewayAddress}; (${gatewayError})`,
    )
  }
}

/** Records a service change to take effect at the next session (`recordApplicationServiceConfigChange`). */
function recordServiceConfigChange(
  ctx: Context,
  app: Application,
  services: ApplicationServiceConfig[],
): void {
  const current = new Set(app.serviceConfigs.map((s) => s.serviceId))
  const same = current.size === services.length && services.every((s) => current.has(s.serviceId))
  if (same) {
    app.serviceConfigs = services
    return
  }
  const next = getNextSessionStartHeight(sessionParams(ctx), ctx.height)
  if (app.serviceConfigHistory.length === 0) {
    app.serviceConfigHistory = app.serviceConfigs.map((service) =>
      create(ApplicationServiceConfigUpdateSchema, {
        applicationAddress: app.address,
        service,
        activationHeight: 1n,
      }),
    )
  }
  const history = app.serviceConfigHistory.filter((u) => u.service && u.activationHeight !== next)
  for (const update of history)
    if (update.deactivationHeight === 0n) update.deactivationHeight = next
  for (const service of services) {
    history.push(
      create(ApplicationServiceConfigUpdateSchema, {
        applicationAddress: app.address,
        service,
        activationHeight: next,
      }),
    )
  }
  app.serviceConfigHistory = history
  app.serviceConfigs = services
}

/** x/application `StakeApplication`: create (active at once) or raise the stake. */
export function handleMsgStakeApplication(ctx: Context, msg: MsgStakeApplication) {
  try {
    validateMsgStakeApplication(msg)
  } catch (error) {
    throw grpcError('InvalidArgument', errorText(error))
  }
  const stake = coinAmount(msg.stake)
  let app = getApplication(ctx, msg.address)
  let escrow: bigint
  let wasUnbonding = false
  if (!app) {
    const limit = msg.perSessionSpendLimit
    app = create(ApplicationSchema, {
      address: msg.address,
      stake: msg.stake,
      serviceConfigs: msg.services,
      delegateeGatewayAddresses: [],
      perSessionSpendLimit:
        limit && coinAmount(limit) > 0n && limit.denom === DENOM ? limit : undefined,
    })
    escrow = stake
  } else {
    const current = coinAmount(app.stake)
    if (stake <= current) {
      throw grpcError(
        'InvalidArgument',
        appErrors.invalidStake.wrap(
          `stake amount ${coinString(msg.stake!)} must be higher than previous stake amount ${current}upokt`,
        ),
      )
    }
    app.stake = msg.stake
    recordServiceConfigChange(ctx, app, msg.services)
    if (msg.perSessionSpendLimit) {
      app.perSessionSpendLimit =
        coinAmount(msg.perSessionSpendLimit) === 0n ? undefined : msg.perSessionSpendLimit
    }
    escrow = stake - current
    if (isAppUnbonding(app)) {
      wasUnbonding = true
      app.unstakeSessionEndHeight = 0n
    }
  }
  const minStake = coinAmount(getParams(ctx, 'application').minStake)
  if (stake < minStake) {
    throw grpcError(
      'InvalidArgument',
      appErrors.invalidStake.wrap(
        `application "${msg.address}" must stake at least ${minStake}upokt`,
      ),
    )
  }
  try {
    sendCoinsFromAccountToModule(ctx, addressBytes(msg.address), 'application', [
      { denom: DENOM, amount: escrow },
    ])
  } catch (error) {
    throw grpcError('Internal', errorText(error))
  }
  setApplication(ctx, app)
  const sessionEndHeight = getSessionEndHeight(sessionParams(ctx), ctx.height)
  if (wasUnbonding) {
    ctx.events.emitTyped(
      EventApplicationUnbondingCanceledSchema,
      create(EventApplicationUnbondingCanceledSchema, {
        application: app,
        sessionEndHeight,
      }),
    )
  }
  ctx.events.emitTyped(
    EventApplicationStakedSchema,
    create(EventApplicationStakedSchema, {
      application: app,
      sessionEndHeight,
    }),
  )
  return create(MsgStakeApplicationResponseSchema)
}

/** x/application `UnstakeApplication`: unbonds at the end of the current session. */
export function handleMsgUnstakeApplication(ctx: Context, msg: MsgUnstakeApplication) {
  const app = getApplication(ctx, msg.address)
  if (!app)
    throw grpcError(
      'NotFound',
      appErrors.notFound.wrap(`application with address "${msg.address}"`),
    )
  if (isAppUnbonding(app)) {
    throw grpcError(
      'FailedPrecondition',
      appErrors.isUnstaking.wrap(`application with address "${msg.address}"`),
    )
  }
  if (app.pendingTransfer) {
    throw grpcError(
      'FailedPrecondition',
      appErrors.hasPendingTransfer.wrap(`application with address "${msg.address}"`),
    )
  }
  const sessionEndHeight = getSessionEndHeight(sessionParams(ctx), ctx.height)
  app.unstakeSessionEndHeight = BigInt.asUintN(64, sessionEndHeight)
  setApplication(ctx, app)
  ctx.events.emitTyped(
    EventApplicationUnbondingBeginSchema,
    create(EventApplicationUnbondingBeginSchema, {
      application: app,
      reason: ApplicationUnbondingReason.ELECTIVE,
      sessionEndHeight,
      unbondingEndHeight: getApplicationUnbondingEndHeight(ctx, app),
    }),
  )
  return create(MsgUnstakeApplicationResponseSchema)
}

function removePendingUndelegation(app: Application, gateway: string): void {
  for (const [height, list] of Object.entries(app.pendingUndelegations)) {
    list.gatewayAddresses = list.gatewayAddresses.filter((g) => g !== gateway)
    if (list.gatewayAddresses.length === 0) delete app.pendingUndelegations[height]
  }
}

/** x/application `DelegateToGateway`: takes effect immediately. */
export function handleMsgDelegateToGateway(ctx: Context, msg: MsgDelegateToGateway) {
  try {
    validateMsgDelegateToGateway(msg)
  } catch (error) {
    throw grpcError('InvalidArgument', errorText(error))
  }
  const app = getApplication(ctx, msg.appAddress)
  if (!app)
    throw grpcError(
      'NotFound',
      appErrors.notFound.wrap(`application with address: ${msg.appAddress}`),
    )
  const gateway = getGateway(ctx, msg.gatewayAddress)
  if (!gateway) {
    throw grpcError(
      'NotFound',
      appErrors.gatewayNotFound.wrap(`gateway with address: "${msg.gatewayAddress}"`),
    )
  }
  const max = getParams(ctx, 'application').maxDelegatedGateways
  if (BigInt(app.delegateeGatewayAddresses.length) >= max) {
    throw grpcError(
      'FailedPrecondition',
      appErrors.maxDelegatedGateways.wrap(
        `application with address "${msg.appAddress}" already delegated to ${max} (max) gateways`,
      ),
    )
  }
  if (!isGatewayActive(gateway, ctx.height)) {
    throw grpcError(
      'FailedPrecondition',
      gatewayErrors.isInactive.wrap(`gateway with address: "${msg.gatewayAddress}"`),
    )
  }
  if (app.delegateeGatewayAddresses.includes(msg.gatewayAddress)) {
    throw grpcError(
      'AlreadyExists',
      appErrors.alreadyDelegated.wrap(
        `application with address "${msg.appAddress}" already delegated to gateway with address: "${msg.gatewayAddress}"`,
      ),
    )
  }
  app.delegateeGatewayAddresses.push(msg.gatewayAddress)
  removePendingUndelegation(app, msg.gatewayAddress)
  setApplication(ctx, app)
  ctx.events.emitTyped(
    EventRedelegationSchema,
    create(EventRedelegationSchema, {
      application: app,
      sessionEndHeight: getSessionEndHeight(sessionParams(ctx), ctx.height),
    }),
  )
  return create(MsgDelegateToGatewayResponseSchema)
}

/** x/application `UndelegateFromGateway`: pending until the current session ends. */
export function handleMsgUndelegateFromGateway(ctx: Context, msg: MsgUndelegateFromGateway) {
  try {
    validateMsgDelegateToGateway(msg)
  } catch (error) {
    throw grpcError('InvalidArgument', errorText(error))
  }
  const app = getApplication(ctx, msg.appAddress)
  if (!app)
    throw grpcError(
      'NotFound',
      appErrors.notFound.wrap(`application with address: "${msg.appAddress}"`),
    )
  const index = app.delegateeGatewayAddresses.lastIndexOf(msg.gatewayAddress)
  if (index < 0) {
    throw grpcError(
      'FailedPrecondition',
      appErrors.notDelegated.wrap(
        `application with address "${msg.appAddress}" not delegated to gateway with address: "${msg.gatewayAddress}"`,
      ),
    )
  }
  app.delegateeGatewayAddresses.splice(index, 1)
  recordPendingUndelegation(ctx, app, msg.gatewayAddress)
  setApplication(ctx, app)
  ctx.events.emitTyped(
    EventRedelegationSchema,
    create(EventRedelegationSchema, {
      application: app,
      sessionEndHeight: getSessionEndHeight(sessionParams(ctx), ctx.height),
    }),
  )
  return create(MsgUndelegateFromGatewayResponseSchema)
}
