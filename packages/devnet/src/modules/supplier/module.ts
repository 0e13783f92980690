// x/supplier: staking, service config activation and unbonding.

import {
  MsgStakeSupplierResponseSchema,
  MsgStakeSupplierSchema,
  MsgUnstakeSupplierResponseSchema,
  MsgUnstakeSupplierSchema,
} from '@decai/protocol/gen/pocket/supplier/tx_pb'
import { type AppModule, msgRoute } from '../../app/module.js'
import { beginBlockSupplier } from './begin-block.js'
import { endBlockSupplier } from './end-block.js'
import {
  handleMsgStakeSupplier,
  handleMsgUnstakeSupplier,
  validateMsgStakeSupplier,
  validateMsgUnstakeSupplier,
} from './msg-server.js'
import { supplierQueries } from './queries.js'

export const supplierModule: AppModule = {
  name: 'supplier',
  msgs: [
    msgRoute(
      MsgStakeSupplierSchema,
      MsgStakeSupplierResponseSchema,
      validateMsgStakeSupplier,
      handleMsgStakeSupplier,
    ),
    msgRoute(
      MsgUnstakeSupplierSchema,
      MsgUnstakeSupplierResponseSchema,
      validateMsgUnstakeSupplier,
      handleMsgUnstakeSupplier,
    ),
  ],
  queries: supplierQueries,
  beginBlock: beginBlockSupplier,
  endBlock: endBlockSupplier,
}
