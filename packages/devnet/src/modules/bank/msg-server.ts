// x/bank MsgServer.

import { create } from '@decai/protocol'
import { type MsgSend, MsgSendResponseSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/tx_pb'
import { ERRORS_METHOD_FRAME, sdkFrame } from '../../app/abci-error.js'
import { addressCodecError } from '../../app/bech32-errors.js'
import { sdkErrors } from '../../app/chain-errors.js'
import { addressBytes, coinsString, parseCoins } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { isBlockedAddress, sendCoins } from './keeper.js'

/** x/bank `MsgServer.Send`. */
export function handleMsgSend(ctx: Context, msg: MsgSend) {
  // The address codec's errors, with the frames of x/bank's msg server.
  const fromError = addressCodecError(msg.fromAddress)
  if (fromError) {
    throw sdkErrors.invalidAddress
      .wrap(`invalid from address: ${fromError}`)
      .at(ERRORS_METHOD_FRAME)
  }
  const toError = addressCodecError(msg.toAddress)
  if (toError) {
    throw sdkErrors.invalidAddress.wrap(`invalid to address: ${toError}`).at(ERRORS_METHOD_FRAME)
  }
  const from = addressBytes(msg.fromAddress)
  const to = addressBytes(msg.toAddress)
  const coins = parseCoins(msg.amount)
  if (!coins || coins.length === 0) {
    throw sdkErrors.invalidCoins
      .wrap(coinsString(msg.amount))
      .at(sdkFrame('x/bank/keeper/msg_server.go:49'))
  }
  if (isBlockedAddress(to)) {
    throw sdkErrors.unauthorized
      .wrap(`${msg.toAddress} is not allowed to receive funds`)
      .at(sdkFrame('x/bank/keeper/msg_server.go:62'))
  }
  sendCoins(ctx, from, to, coins)
  return create(MsgSendResponseSchema)
}

// MsgSend has no ValidateBasic since SDK v0.50: its msg server checks the addresses.
export const validateMsgSend = (_msg: MsgSend) => {}
