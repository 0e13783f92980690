// x/gateway: staking and unbonding.

import {
  MsgStakeGatewayResponseSchema,
  MsgStakeGatewaySchema,
  MsgUnstakeGatewayResponseSchema,
  MsgUnstakeGatewaySchema,
} from '@decai/protocol/gen/pocket/gateway/tx_pb'
import { type AppModule, msgRoute } from '../../app/module.js'
import { endBlockGateway } from './end-block.js'
import {
  handleMsgStakeGateway,
  handleMsgUnstakeGateway,
  validateMsgStakeGateway,
  validateMsgUnstakeGateway,
} from './msg-server.js'
import { gatewayQueries } from './queries.js'

export const gatewayModule: AppModule = {
  name: 'gateway',
  msgs: [
    msgRoute(
      MsgStakeGatewaySchema,
      MsgStakeGatewayResponseSchema,
      validateMsgStakeGateway,
      handleMsgStakeGateway,
    ),
    msgRoute(
      MsgUnstakeGatewaySchema,
      MsgUnstakeGatewayResponseSchema,
      validateMsgUnstakeGateway,
      handleMsgUnstakeGateway,
    ),
  ],
  queries: gatewayQueries,
  endBlock: endBlockGateway,
}
