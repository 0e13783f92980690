// x/proof MsgServer: ValidateBasic and the handlers of CreateClaim and SubmitProof.

import { create } from '@decai/protocol'
import {
  EventClaimCreatedSchema,
  EventClaimUpdatedSchema,
  EventProofSubmittedSchema,
  EventProofUpdatedSchema,
} from '@decai/protocol/gen/pocket/proof/event_pb'
import {
  type MsgCreateClaim,
  MsgCreateClaimResponseSchema,
  type MsgSubmitProof,
  MsgSubmitProofResponseSchema,
} from '@decai/protocol/gen/pocket/proof/tx_pb'
import {
  type Claim,
  ClaimProofStatus,
  ClaimSchema,
  ProofRequirementReason,
  ProofSchema,
} from '@decai/protocol/gen/pocket/proof/types_pb'
import type { RelayMiningDifficulty } from '@decai/protocol/gen/pocket/service/relay_mining_difficulty_pb'
import type { SessionHeader } from '@decai/protocol/gen/pocket/session/types_pb'
import { getRootCount, getRootSum } from '@decai/relay-mining'
import { getClaimWindowCloseHeight, getEarliestSupplierClaimCommitHeight } from '@decai/session'
import { errorText, grpcError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { proofErrors, sdkErrors } from '../../app/chain-errors.js'
import { addressBytes, coinString, DENOM, isValidAddress } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { getBalance, sendCoinsFromAccountToModule } from '../bank/keeper.js'
import { coinAmount, getParams } from '../params.js'
import { getComputeUnitsPerRelayAtHeight, getDifficultyAtHeight } from '../service/keeper.js'
import { validateSessionHeader } from '../session/session-header.js'
import { sessionParams } from '../shared/keeper.js'
import {
  getClaimedUpokt,
  getNumClaimedComputeUnits,
  getNumEstimatedComputeUnits,
  getNumEstimatedRelays,
  getNumRelays,
  getProofRequirementForClaim,
} from './claim.js'
import { getClaim, getProof, upsertClaim, upsertProof } from './keeper.js'
import { ensureWellFormedProof, queryAndValidateSessionHeader } from './proof-validation.js'

export function validateMsgCreateClaim(msg: MsgCreateClaim): void {
  if (!isValidAddress(msg.supplierOperatorAddress))
    throw proofErrors.invalidAddress.wrap(msg.supplierOperatorAddress)
  if (!msg.sessionHeader) throw proofErrors.invalidSessionHeader.wrap('session header is nil')
  try {
    validateSessionHeader(msg.sessionHeader)
  } catch (error) {
    throw proofErrors.invalidSessionHeader.wrap(`invalid session header: ${errorText(error)}`)
  }
  if (msg.rootHash.length !== 48) {
    throw proofErrors.invalidClaimRootHash.wrap(
      `expecting root hash to be 48 bytes, got ${msg.rootHash.length} bytes`,
    )
  }
  const hex = Buffer.from(msg.rootHash).toString('hex')
  if (getRootCount(msg.rootHash) === 0n) {
    throw proofErrors.invalidClaimRootHash.wrap(`has zero count in Merkle root (hex) ${hex}`)
  }
  if (getRootSum(msg.rootHash) === 0n) {
    throw proofErrors.invalidClaimRootHash.wrap(`has zero sum in Merkle root (hex) ${hex}`)
  }
}

export function validateMsgSubmitProof(msg: MsgSubmitProof): void {
  if (!isValidAddress(msg.supplierOperatorAddress)) {
    throw sdkErrors.invalidAddress.wrap(
      `supplier operator address "${msg.supplierOperatorAddress}", error: ${accAddressError(msg.supplierOperatorAddress)}`,
    )
  }
  if (!msg.sessionHeader) throw proofErrors.invalidSessionHeader.wrap('session header is nil')
  try {
    validateSessionHeader(msg.sessionHeader)
  } catch (error) {
    throw proofErrors.invalidSessionHeader.wrap(errorText(error))
  }
  if (msg.proof.length === 0) throw proofErrors.invalidProof.wrap('proof cannot be empty')
}

function validateClaimWindow(ctx: Context, header: SessionHeader): void {
  const params = sessionParams(ctx)
  const end = header.sessionEndBlockHeight
  const earliest = getEarliestSupplierClaimCommitHeight(params, end)
  const close = getClaimWindowCloseHeight(params, end)
  if (ctx.height < earliest) {
    throw proofErrors.claimOutsideOfWindow.wrap(
      `current block height (${ctx.height}) is less than the session's earliest claim commit height (${earliest})`,
    )
  }
  if (ctx.height > close) {
    throw proofErrors.claimOutsideOfWindow.wrap(
      `current block height (${ctx.height}) is greater than session claim window close height (${close})`,
    )
  }
}

function claimEventFields(ctx: Context, claim: Claim, difficulty: RelayMiningDifficulty) {
  const header = claim.sessionHeader!
  return {
    numRelays: getNumRelays(claim),
    numClaimedComputeUnits: getNumClaimedComputeUnits(claim),
    numEstimatedRelays: getNumEstimatedRelays(claim, difficulty),
    claimedUpokt: coinString({ denom: DENOM, amount: getClaimedUpokt(ctx, claim, difficulty) }),
    serviceId: header.serviceId,
    applicationAddress: header.applicationAddress,
    sessionEndBlockHeight: header.sessionEndBlockHeight,
    claimProofStatusInt: ClaimProofStatus.PENDING_VALIDATION,
    supplierOperatorAddress: claim.supplierOperatorAddress,
  }
}

/** x/proof `CreateClaim`: inside the claim window, with sum == count × cupr at session start. */
export function handleMsgCreateClaim(ctx: Context, msg: MsgCreateClaim) {
  try {
    validateMsgCreateClaim(msg)
  } catch (error) {
    throw grpcError('InvalidArgument', errorText(error))
  }
  const header = msg.sessionHeader!
  try {
    queryAndValidateSessionHeader(ctx, header, msg.supplierOperatorAddress)
  } catch (error) {
    throw grpcError('InvalidArgument', errorText(error))
  }
  const claim = create(ClaimSchema, {
    supplierOperatorAddress: msg.supplierOperatorAddress,
    sessionHeader: header,
    rootHash: msg.rootHash,
  })
  try {
    validateClaimWindow(ctx, header)
  } catch (error) {
    throw grpcError('FailedPrecondition', errorText(error))
  }
  const numRelays = getNumRelays(claim)
  const numComputeUnits = getNumClaimedComputeUnits(claim)
  const cupr = getComputeUnitsPerRelayAtHeight(
    ctx,
    header.serviceId,
    header.sessionStartBlockHeight,
  )
  if (cupr === undefined) {
    throw grpcError(
      'NotFound',
      proofErrors.serviceNotFound.wrap(`service ${header.serviceId} not found`),
    )
  }
  const expected = BigInt.asUintN(64, numRelays * cupr)
  if (numComputeUnits !== expected) {
    throw grpcError(
      'InvalidArgument',
      proofErrors.computeUnitsMismatch.wrap(
        `claim compute units: ${numComputeUnits} is not equal to number of relays ${numRelays} * compute units per relay ${cupr} for service ${header.serviceId}`,
      ),
    )
  }
  const existing = getClaim(ctx, header.sessionId, msg.supplierOperatorAddress) !== undefined
  upsertClaim(ctx, claim)
  const difficulty = getDifficultyAtHeight(ctx, header.serviceId, header.sessionStartBlockHeight)
  const fields = { ...claimEventFields(ctx, claim, difficulty), numEstimatedComputeUnits: expected }
  if (existing)
    ctx.events.emitTyped(EventClaimUpdatedSchema, create(EventClaimUpdatedSchema, fields))
  else ctx.events.emitTyped(EventClaimCreatedSchema, create(EventClaimCreatedSchema, fields))
  return create(MsgCreateClaimResponseSchema)
}

/** x/proof `SubmitProof`: well-formed, for an existing claim that requires a proof; fee paid. */
export function handleMsgSubmitProof(ctx: Context, msg: MsgSubmitProof) {
  try {
    validateMsgSubmitProof(msg)
  } catch (error) {
    throw grpcError('InvalidArgument', errorText(error))
  }
  const header = msg.sessionHeader!
  const supplier = msg.supplierOperatorAddress
  const proof = create(ProofSchema, {
    supplierOperatorAddress: supplier,
    sessionHeader: header,
    closestMerkleProof: msg.proof,
  })
  try {
    ensureWellFormedProof(ctx, proof)
  } catch (error) {
    throw grpcError('FailedPrecondition', errorText(error))
  }
  const claim = getClaim(ctx, header.sessionId, supplier)
  if (!claim) throw grpcError('FailedPrecondition', proofErrors.claimNotFound.error())
  deductProofSubmissionFee(ctx, supplier)
  if (getProofRequirementForClaim(ctx, claim) === ProofRequirementReason.NOT_REQUIRED) {
    throw grpcError('FailedPrecondition', proofErrors.notRequired.error())
  }
  const difficulty = getDifficultyAtHeight(ctx, header.serviceId, header.sessionStartBlockHeight)
  const existing = getProof(ctx, header.sessionId, supplier) !== undefined
  upsertProof(ctx, proof)
  const fields = {
    ...claimEventFields(ctx, claim, difficulty),
    numEstimatedComputeUnits: getNumEstimatedComputeUnits(claim, difficulty),
    supplierOperatorAddress: supplier,
  }
  if (existing)
    ctx.events.emitTyped(EventProofUpdatedSchema, create(EventProofUpdatedSchema, fields))
  else ctx.events.emitTyped(EventProofSubmittedSchema, create(EventProofSubmittedSchema, fields))
  return create(MsgSubmitProofResponseSchema)
}

function deductProofSubmissionFee(ctx: Context, supplier: string): void {
  const fee = coinAmount(getParams(ctx, 'proof').proofSubmissionFee)
  const address = addressBytes(supplier)
  const balance = getBalance(ctx, address)
  if (balance === 0n) {
    throw grpcError(
      'FailedPrecondition',
      proofErrors.notEnoughFunds.wrap('account has no spendable coins'),
    )
  }
  if (balance <= fee) {
    throw grpcError(
      'FailedPrecondition',
      proofErrors.notEnoughFunds.wrap(
        `account has ${balance}, but the proof submission fee is ${fee}upokt`,
      ),
    )
  }
  if (fee === 0n) return
  try {
    sendCoinsFromAccountToModule(ctx, address, 'proof', [{ denom: DENOM, amount: fee }])
  } catch {
    throw grpcError(
      'FailedPrecondition',
      proofErrors.failedToDeductFee.wrap(`account has ${balance}, failed to deduct ${fee}upokt`),
    )
  }
}
