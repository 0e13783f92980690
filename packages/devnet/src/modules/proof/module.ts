// x/proof: claims, proofs and proof validation.

import {
  MsgCreateClaimResponseSchema,
  MsgCreateClaimSchema,
  MsgSubmitProofResponseSchema,
  MsgSubmitProofSchema,
} from '@decai/protocol/gen/pocket/proof/tx_pb'
import { type AppModule, msgRoute } from '../../app/module.js'
import { endBlockProof } from './end-block.js'
import {
  handleMsgCreateClaim,
  handleMsgSubmitProof,
  validateMsgCreateClaim,
  validateMsgSubmitProof,
} from './msg-server.js'
import { proofQueries } from './queries.js'

export const proofModule: AppModule = {
  name: 'proof',
  msgs: [
    msgRoute(
      MsgCreateClaimSchema,
      MsgCreateClaimResponseSchema,
      validateMsgCreateClaim,
      handleMsgCreateClaim,
    ),
    msgRoute(
      MsgSubmitProofSchema,
      MsgSubmitProofResponseSchema,
      validateMsgSubmitProof,
      handleMsgSubmitProof,
    ),
  ],
  queries: proofQueries,
  endBlock: endBlockProof,
}
