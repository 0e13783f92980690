// x/service: services, compute units per relay and relay-mining difficulty.

import {
  MsgAddServiceResponseSchema,
  MsgAddServiceSchema,
  MsgTransferServiceResponseSchema,
  MsgTransferServiceSchema,
} from '@decai/protocol/gen/pocket/service/tx_pb'
import { type AppModule, msgRoute } from '../../app/module.js'
import {
  handleMsgAddService,
  handleMsgTransferService,
  validateMsgAddService,
  validateMsgTransferService,
} from './msg-server.js'
import { serviceQueries } from './queries.js'

export const serviceModule: AppModule = {
  name: 'service',
  msgs: [
    msgRoute(
      MsgAddServiceSchema,
      MsgAddServiceResponseSchema,
      validateMsgAddService,
      handleMsgAddService,
    ),
    msgRoute(
      MsgTransferServiceSchema,
      MsgTransferServiceResponseSchema,
      validateMsgTransferService,
      handleMsgTransferService,
    ),
  ],
  queries: serviceQueries,
}
