// x/bank: balances, supply and MsgSend.

import { MsgSendResponseSchema, MsgSendSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/tx_pb'
import { type AppModule, msgRoute } from '../../app/module.js'
import { handleMsgSend, validateMsgSend } from './msg-server.js'
import { bankQueries } from './queries.js'

export const bankModule: AppModule = {
  name: 'bank',
  msgs: [msgRoute(MsgSendSchema, MsgSendResponseSchema, validateMsgSend, handleMsgSend)],
  queries: bankQueries,
}
