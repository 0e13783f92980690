// x/application: staking, delegation to gateways and unbonding.

import {
  MsgDelegateToGatewayResponseSchema,
  MsgDelegateToGatewaySchema,
  MsgStakeApplicationResponseSchema,
  MsgStakeApplicationSchema,
  MsgUndelegateFromGatewayResponseSchema,
  MsgUndelegateFromGatewaySchema,
  MsgUnstakeApplicationResponseSchema,
  MsgUnstakeApplicationSchema,
} from '@decai/protocol/gen/pocket/application/tx_pb'
import { type AppModule, msgRoute } from '../../app/module.js'
import { endBlockApplication } from './end-block.js'
import {
  handleMsgDelegateToGateway,
  handleMsgStakeApplication,
  handleMsgUndelegateFromGateway,
  handleMsgUnstakeApplication,
  validateMsgDelegateToGateway,
  validateMsgStakeApplication,
  validateMsgUnstakeApplication,
} from './msg-server.js'
import { applicationQueries } from './queries.js'

export const applicationModule: AppModule = {
  name: 'application',
  msgs: [
    msgRoute(
      MsgStakeApplicationSchema,
      MsgStakeApplicationResponseSchema,
      validateMsgStakeApplication,
      handleMsgStakeApplication,
    ),
    msgRoute(
      MsgUnstakeApplicationSchema,
      MsgUnstakeApplicationResponseSchema,
      validateMsgUnstakeApplication,
      handleMsgUnstakeApplication,
    ),
    msgRoute(
      MsgDelegateToGatewaySchema,
      MsgDelegateToGatewayResponseSchema,
      validateMsgDelegateToGateway,
      handleMsgDelegateToGateway,
    ),
    msgRoute(
      MsgUndelegateFromGatewaySchema,
      MsgUndelegateFromGatewayResponseSchema,
      validateMsgDelegateToGateway,
      handleMsgUndelegateFromGateway,
    ),
  ],
  queries: applicationQueries,
  endBlock: endBlockApplication,
}
