// The operations a settlement queues on its ClaimSettlementResult: mints, burns, module and account
// transfers.

import { create } from '@decai/protocol'
import type { Claim } from '@decai/protocol/gen/pocket/proof/types_pb'
import {
  type ClaimSettlementResult,
  ClaimSettlementResultSchema,
  MintBurnOpSchema,
  ModToAcctTransferSchema,
  ModToModTransferSchema,
  type SettlementOpReason as Op,
} from '@decai/protocol/gen/pocket/tokenomics/types_pb'
import { coin } from '../../app/codec.js'

export const newResult = (claim: Claim): ClaimSettlementResult =>
  create(ClaimSettlementResultSchema, { claim })

export function mint(
  result: ClaimSettlementResult,
  opReason: Op,
  module: string,
  amount: bigint,
): void {
  result.mints.push(
    create(MintBurnOpSchema, { opReason, DestinationModule: module, coin: coin(amount) }),
  )
}

export function burn(
  result: ClaimSettlementResult,
  opReason: Op,
  module: string,
  amount: bigint,
): void {
  result.burns.push(
    create(MintBurnOpSchema, { opReason, DestinationModule: module, coin: coin(amount) }),
  )
}

export function modToMod(
  result: ClaimSettlementResult,
  opReason: Op,
  from: string,
  to: string,
  amount: bigint,
): void {
  result.modToModTransfers.push(
    create(ModToModTransferSchema, {
      opReason,
      SenderModule: from,
      RecipientModule: to,
      coin: coin(amount),
    }),
  )
}

export function modToAcct(
  result: ClaimSettlementResult,
  opReason: Op,
  from: string,
  to: string,
  amount: bigint,
): void {
  result.modToAcctTransfers.push(
    create(ModToAcctTransferSchema, {
      opReason,
      SenderModule: from,
      RecipientAddress: to,
      coin: coin(amount),
    }),
  )
}
