// x/proof EndBlocker.

import { create } from '@decai/protocol'
import { EventProofValidityCheckedSchema } from '@decai/protocol/gen/pocket/proof/event_pb'
import { ClaimProofStatus, ProofSchema } from '@decai/protocol/gen/pocket/proof/types_pb'
import { errorText } from '../../app/abci-error.js'
import { decode } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { getClaim, listRecords, removeProof, upsertClaim } from './keeper.js'
import { ensureValidProofSignaturesAndClosestPath } from './proof-validation.js'

/** x/proof EndBlocker: validates every proof submitted, records the verdict, drops the proof. */
export function endBlockProof(ctx: Context): void {
  const proofs = listRecords(ctx, 'proof').map((b) => decode(ProofSchema, b))
  for (const proof of proofs) {
    const header = proof.sessionHeader!
    const claim = getClaim(ctx, header.sessionId, proof.supplierOperatorAddress)
    if (!claim) continue
    let status = ClaimProofStatus.VALIDATED
    let failureReason = ''
    try {
      ensureValidProofSignaturesAndClosestPath(ctx, claim, proof)
    } catch (error) {
      status = ClaimProofStatus.INVALID
      failureReason = errorText(error)
    }
    claim.proofValidationStatus = status
    upsertClaim(ctx, claim)
    ctx.events.emitTyped(
      EventProofValidityCheckedSchema,
      create(EventProofValidityCheckedSchema, {
        blockHeight: BigInt.asUintN(64, ctx.height),
        failureReason,
        serviceId: claim.sessionHeader!.serviceId,
        applicationAddress: claim.sessionHeader!.applicationAddress,
        sessionEndBlockHeight: claim.sessionHeader!.sessionEndBlockHeight,
        claimProofStatusInt: status,
        supplierOperatorAddress: proof.supplierOperatorAddress,
      }),
    )
  }
  for (const proof of proofs)
    removeProof(ctx, proof.sessionHeader!.sessionId, proof.supplierOperatorAddress)
}
