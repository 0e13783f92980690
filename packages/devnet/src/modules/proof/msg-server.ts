import { create, unmarshal } from '@decai/protocol'
import {
  EventClaimCreatedSchema,
  EventClaimUpdatedSchema,
  EventProofSubmittedSchema,
  EventProofUpdatedSchema,
  EventProofValidityCheckedSchema,
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
  type Proof,
  ProofRequirementReason,
  ProofSchema,
} from '@decai/protocol/gen/pocket/proof/types_pb'
import type { RelayMiningDifficulty } from '@decai/protocol/gen/pocket/service/relay_mining_difficulty_pb'
import { RelaySchema } from '@decai/protocol/gen/pocket/service/relay_pb'
import type { Session, SessionHeader } from '@decai/protocol/gen/pocket/session/types_pb'
import {
  decodeClosestProof,
  decompactClosestProof,
  getProofPath,
  getRelayHash,
  isRelayMinable,
  verifyClosestProof,
} from '@decai/relay-mining'
import {
  getClaimedUpokt as computeClaimedUpokt,
  getClaimRootCount,
  getClaimRootSum,
  getClaimWindowCloseHeight,
  getEarliestSupplierClaimCommitHeight,
  getEarliestSupplierProofCommitHeight,
  getProofRequirement,
  getProofWindowCloseHeight,
  getRelayDifficultyMultiplier,
  hashClaimBytes,
} from '@decai/session'
import { grpcError, RegisteredError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { proofErrors, sdkErrors, sessionErrors } from '../../app/chain-errors.js'
import {
  addressBytes,
  bytesEqual,
  coinString,
  DENOM,
  decode,
  encode,
  isValidAddress,
} from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { be64, bytesToKey, keyToBytes, textKey } from '../../store/keys.js'
import { prefixEntries } from '../../store/kv-store.js'
import { getAccountPubKey } from '../auth/keeper.js'
import { getBalance, sendCoinsFromAccountToModule } from '../bank/keeper.js'
import { coinAmount, getParams, sessionParams } from '../params.js'
import { getComputeUnitsPerRelayAtHeight, getDifficultyAtHeight } from '../service/keeper.js'
import { getBlockHash, getSession } from '../session/keeper.js'
import { errorText, validateServiceId } from '../shared/validation.js'
import { verifyRelayRequestSignature, verifySupplierSignature } from './relay-verify.js'

const CLAIM_PRIMARY = 'Claim/primary_key/'
const CLAIM_BY_SUPPLIER = 'Claim/address/'
const CLAIM_BY_HEIGHT = 'Claim/height/'
const PROOF_PRIMARY = 'Proof/primary_key/'
const PROOF_BY_SUPPLIER = 'Proof/address/'
const PROOF_BY_HEIGHT = 'Proof/height/'

const primaryKey = (sessionId: string, supplier: string) =>
  `${textKey(sessionId)}/${textKey(supplier)}`

type Record = Claim | Proof
type Layout = { primary: string; bySupplier: string; byHeight: string }
const claimLayout: Layout = {
  primary: CLAIM_PRIMARY,
  bySupplier: CLAIM_BY_SUPPLIER,
  byHeight: CLAIM_BY_HEIGHT,
}
const proofLayout: Layout = {
  primary: PROOF_PRIMARY,
  bySupplier: PROOF_BY_SUPPLIER,
  byHeight: PROOF_BY_HEIGHT,
}

function upsert(ctx: Context, layout: Layout, record: Record, bytes: Uint8Array): void {
  const store = ctx.store('proof')
  const header = record.sessionHeader
  const key = primaryKey(header?.sessionId ?? '', record.supplierOperatorAddress)
  store.set(layout.primary + key, bytes)
  store.set(
    `${layout.bySupplier}${textKey(record.supplierOperatorAddress)}/${key}`,
    keyToBytes(key),
  )
  store.set(
    `${layout.byHeight}${be64(header?.sessionEndBlockHeight ?? 0n)}/${key}`,
    keyToBytes(key),
  )
}

function remove(ctx: Context, layout: Layout, record: Record): void {
  const store = ctx.store('proof')
  const header = record.sessionHeader
  const key = primaryKey(header?.sessionId ?? '', record.supplierOperatorAddress)
  store.delete(layout.primary + key)
  store.delete(`${layout.bySupplier}${textKey(record.supplierOperatorAddress)}/${key}`)
  store.delete(`${layout.byHeight}${be64(header?.sessionEndBlockHeight ?? 0n)}/${key}`)
}

export function upsertClaim(ctx: Context, claim: Claim): void {
  upsert(ctx, claimLayout, claim, encode(ClaimSchema, claim))
}

export function getClaim(ctx: Context, sessionId: string, supplier: string): Claim | undefined {
  const raw = ctx.store('proof').get(CLAIM_PRIMARY + primaryKey(sessionId, supplier))
  return raw ? decode(ClaimSchema, raw) : undefined
}

export function removeClaim(ctx: Context, sessionId: string, supplier: string): void {
  const claim = getClaim(ctx, sessionId, supplier)
  if (claim) remove(ctx, claimLayout, claim)
}

export function upsertProof(ctx: Context, proof: Proof): void {
  upsert(ctx, proofLayout, proof, encode(ProofSchema, proof))
}

export function getProof(ctx: Context, sessionId: string, supplier: string): Proof | undefined {
  const raw = ctx.store('proof').get(PROOF_PRIMARY + primaryKey(sessionId, supplier))
  return raw ? decode(ProofSchema, raw) : undefined
}

export function removeProof(ctx: Context, sessionId: string, supplier: string): void {
  const proof = getProof(ctx, sessionId, supplier)
  if (proof) remove(ctx, proofLayout, proof)
}

/** Claims (or proofs) selected by one of the query filters, in the chain's index order. */
export function listRecords(
  ctx: Context,
  kind: 'claim' | 'proof',
  filter: { supplier?: string; sessionId?: string; sessionEndHeight?: bigint } = {},
): Uint8Array[] {
  const layout = kind === 'claim' ? claimLayout : proofLayout
  const store = ctx.store('proof')
  let indexPrefix: string | undefined
  let primaryPrefix = layout.primary
  if (filter.supplier !== undefined)
    indexPrefix = `${layout.bySupplier}${textKey(filter.supplier)}/`
  else if (filter.sessionEndHeight !== undefined)
    indexPrefix = `${layout.byHeight}${be64(filter.sessionEndHeight)}`
  else if (filter.sessionId !== undefined) primaryPrefix += textKey(filter.sessionId)
  if (indexPrefix === undefined) return prefixEntries(store, primaryPrefix).map(([, v]) => v)
  const out: Uint8Array[] = []
  for (const [, key] of prefixEntries(store, indexPrefix)) {
    const raw = store.get(layout.primary + bytesToKey(key))
    if (raw) out.push(raw)
  }
  return out
}

/** Claims whose session ended at `height` (`GetSessionEndHeightClaimsIterator`). */
export function getClaimsBySessionEndHeight(ctx: Context, height: bigint): Claim[] {
  return listRecords(ctx, 'claim', { sessionEndHeight: height }).map((b) => decode(ClaimSchema, b))
}

// --- claim arithmetic (x/proof/types/claim.go) ---

export function getNumRelays(claim: Claim): bigint {
  return getClaimRootCount(claim.rootHash)
}

export function getNumClaimedComputeUnits(claim: Claim): bigint {
  return getClaimRootSum(claim.rootHash)
}

/** floor(compute units × difficulty multiplier). */
export function getNumEstimatedComputeUnits(
  claim: Claim,
  difficulty: RelayMiningDifficulty,
): bigint {
  const m = getRelayDifficultyMultiplier(difficulty.targetHash)
  return (getNumClaimedComputeUnits(claim) * m.numerator) / m.denominator
}

export function getNumEstimatedRelays(claim: Claim, difficulty: RelayMiningDifficulty): bigint {
  const relays = getNumRelays(claim)
  if (relays === 0n) return 0n
  const cupr = getNumClaimedComputeUnits(claim) / relays
  if (cupr === 0n) return 0n
  return getNumEstimatedComputeUnits(claim, difficulty) / cupr
}

/** `Claim.GetClaimeduPOKT` with the shared params and difficulty at the session start. */
export function getClaimedUpokt(
  ctx: Context,
  claim: Claim,
  difficulty?: RelayMiningDifficulty,
): bigint {
  const header = claim.sessionHeader
  const start = header?.sessionStartBlockHeight ?? 0n
  const target = difficulty ?? getDifficultyAtHeight(ctx, header?.serviceId ?? '', start)
  const params = sessionParams(ctx)
  return computeClaimedUpokt({
    numClaimedComputeUnits: getNumClaimedComputeUnits(claim),
    targetHash: target.targetHash,
    computeUnitsToTokensMultiplier: params.computeUnitsToTokensMultiplier,
    computeUnitCostGranularity: params.computeUnitCostGranularity,
  })
}

/** `ProofRequirementForClaim`: THRESHOLD, PROBABILISTIC or NOT_REQUIRED, via `@decai/session`. */
export function getProofRequirementForClaim(ctx: Context, claim: Claim): ProofRequirementReason {
  const proofParams = getParams(ctx, 'proof')
  const end = claim.sessionHeader?.sessionEndBlockHeight ?? 0n
  const seedHeight = getEarliestSupplierProofCommitHeight(sessionParams(ctx), end) - 1n
  const reason = getProofRequirement({
    claimedUpokt: getClaimedUpokt(ctx, claim),
    proofRequirementThreshold: coinAmount(proofParams.proofRequirementThreshold),
    proofRequestProbability: proofParams.proofRequestProbability,
    claimHash: hashClaimBytes(encode(ClaimSchema, claim)),
    seedBlockHash: getBlockHash(ctx, seedHeight),
  })
  return ProofRequirementReason[reason]
}

// --- validation ---

/** `SessionHeader.ValidateBasic`. */
export function validateSessionHeader(header: SessionHeader): void {
  const appError = accAddressError(header.applicationAddress)
  if (appError) {
    throw sessionErrors.invalidAppAddress.wrap(`"${header.applicationAddress}"; (${appError})`)
  }
  if (header.sessionId.length === 0)
    throw sessionErrors.invalidSessionId.wrap(`"${header.sessionId}"`)
  validateServiceId(header.serviceId)
  if (header.sessionStartBlockHeight <= 0n) {
    throw sessionErrors.invalidBlockHeight.wrap('sessions can only start at height 1 or greater')
  }
  if (header.sessionEndBlockHeight <= header.sessionStartBlockHeight) {
    throw sessionErrors.invalidBlockHeight.wrap(
      'session end block height cannot be less than or equal to session start block height',
    )
  }
}

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
  if (getClaimRootCount(msg.rootHash) === 0n) {
    throw proofErrors.invalidClaimRootHash.wrap(`has zero count in Merkle root (hex) ${hex}`)
  }
  if (getClaimRootSum(msg.rootHash) === 0n) {
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

/** `queryAndValidateSessionHeader`: the header must be the on-chain session with this supplier. */
function queryAndValidateSessionHeader(
  ctx: Context,
  header: SessionHeader,
  supplier: string,
): Session {
  let session: Session
  try {
    session = getSession(
      ctx,
      header.applicationAddress,
      header.serviceId,
      header.sessionStartBlockHeight,
    )
  } catch (error) {
    // The chain keeps only the message of the session query's gRPC status.
    throw new Error(errorText(error))
  }
  if (header.sessionId !== session.sessionId) {
    throw proofErrors.invalidSessionId.wrap(
      `session ID does not match onchain session ID; expected "${session.sessionId}", got "${header.sessionId}"`,
    )
  }
  if (!session.suppliers.some((s) => s.operatorAddress === supplier)) {
    throw proofErrors.notFound.wrap(
      `supplier operator address "${supplier}" not found in session ID "${header.sessionId}"`,
    )
  }
  return session
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

function validateProofWindow(ctx: Context, header: SessionHeader): void {
  const params = sessionParams(ctx)
  const end = header.sessionEndBlockHeight
  const earliest = getEarliestSupplierProofCommitHeight(params, end)
  const close = getProofWindowCloseHeight(params, end)
  if (ctx.height < earliest) {
    throw proofErrors.proofOutsideOfWindow.wrap(
      `current block height (${ctx.height}) is less than session's earliest proof commit height (${earliest})`,
    )
  }
  if (ctx.height > close) {
    throw proofErrors.proofOutsideOfWindow.wrap(
      `current block height (${ctx.height}) is greater than session proof window close height (${close})`,
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

const serviceErrors = {
  invalidRelayRequest: new RegisteredError('service', 1111, 'invalid relay request'),
  invalidRelayResponse: new RegisteredError('service', 1110, 'invalid relay response'),
}

function validateRelaySessionHeader(
  header: SessionHeader | undefined,
  which: 'request' | 'response',
): void {
  const err =
    which === 'request' ? serviceErrors.invalidRelayRequest : serviceErrors.invalidRelayResponse
  if (!header) throw err.wrap(which === 'request' ? 'missing session header' : 'missing meta')
  try {
    validateSessionHeader(header)
  } catch (error) {
    throw err.wrap(`invalid session header: ${errorText(error)}`)
  }
}

function compareSessionHeaders(expected: SessionHeader, actual: SessionHeader | undefined): void {
  const got = actual
  const checks: [string, unknown, unknown, string][] = [
    ['application addresses', expected.applicationAddress, got?.applicationAddress, 'expect'],
    ['service IDs', expected.serviceId, got?.serviceId, 'expected'],
    [
      'session start heights',
      expected.sessionStartBlockHeight,
      got?.sessionStartBlockHeight,
      'expected',
    ],
    ['session end heights', expected.sessionEndBlockHeight, got?.sessionEndBlockHeight, 'expected'],
    ['session IDs', expected.sessionId, got?.sessionId, 'expected'],
  ]
  for (const [what, want, have, verb] of checks) {
    if (want !== have) {
      throw proofErrors.invalidRelay.wrap(
        `session headers ${what} mismatch; ${verb}: ${want}, got: ${have}`,
      )
    }
  }
}

/** Decodes a proof's gob bytes to its closest proof and relay. */
function decodeProofRelay(bytes: Uint8Array) {
  let closest: ReturnType<typeof decompactClosestProof>
  try {
    closest = decompactClosestProof(decodeClosestProof(bytes))
  } catch (error) {
    throw proofErrors.invalidProof.wrap(
      `failed to unmarshal sparse compact merkle closest proof: ${errorText(error)}`,
    )
  }
  const value = closest.closestValueHash ?? new Uint8Array()
  // The leaf value is relay ‖ be64(weight) ‖ be64(count).
  const relayBytes = value.slice(0, Math.max(0, value.length - 16))
  let relay: ReturnType<typeof unmarshal<typeof RelaySchema>>
  try {
    relay = unmarshal(RelaySchema, relayBytes)
  } catch (error) {
    throw proofErrors.invalidRelay.wrap(`failed to unmarshal relay: ${errorText(error)}`)
  }
  return { closest, relay, relayBytes }
}

/** `EnsureWellFormedProof`: everything the submit handler checks about the proof itself. */
export function ensureWellFormedProof(ctx: Context, proof: Proof): void {
  const header = proof.sessionHeader!
  const supplier = proof.supplierOperatorAddress
  const session = queryAndValidateSessionHeader(ctx, header, supplier)
  const onChain = session.header!
  validateProofWindow(ctx, onChain)
  if (proof.closestMerkleProof.length === 0)
    throw proofErrors.invalidProof.wrap('closest merkle proof cannot be empty')
  const { relay, relayBytes } = decodeProofRelay(proof.closestMerkleProof)
  const req = relay.req
  validateRelaySessionHeader(req?.meta?.sessionHeader, 'request')
  if ((req?.meta?.signature.length ?? 0) === 0)
    throw serviceErrors.invalidRelayRequest.wrap('missing application signature')
  if ((req?.meta?.supplierOperatorAddress ?? '') === '') {
    throw serviceErrors.invalidRelayRequest.wrap('relay metadata missing supplier operator address')
  }
  if (supplier !== req?.meta?.supplierOperatorAddress)
    throw proofErrors.supplierMismatch.wrap('supplier type mismatch')
  const res = relay.res
  validateRelaySessionHeader(res?.meta?.sessionHeader, 'response')
  if ((res?.meta?.supplierOperatorSignature.length ?? 0) === 0) {
    throw serviceErrors.invalidRelayResponse.wrap('missing supplier operator signature')
  }
  compareSessionHeaders(onChain, req?.meta?.sessionHeader)
  compareSessionHeaders(onChain, res?.meta?.sessionHeader)
  const difficulty = getDifficultyAtHeight(ctx, onChain.serviceId, onChain.sessionStartBlockHeight)
  if (difficulty.targetHash.length !== 32) {
    throw proofErrors.invalidRelayDifficulty.wrap(
      `failed to validate relay difficulty for service ${onChain.serviceId}`,
    )
  }
  if (!isRelayMinable(getRelayHash(relayBytes), difficulty.targetHash)) {
    throw proofErrors.invalidRelayDifficulty.wrap(
      `failed to validate relay difficulty for service ${onChain.serviceId} due to: the relay difficulty is smaller than the target difficulty`,
    )
  }
  const claim = getClaim(ctx, onChain.sessionId, supplier)
  if (!claim) {
    throw proofErrors.claimNotFound.wrap(
      `no claim found for session ID "${onChain.sessionId}" and supplier "${supplier}"`,
    )
  }
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

/**
 * `EnsureValidProofSignaturesAndClosestPath`: ring and supplier signatures, the expected path,
 * and the closest proof against the claim's root.
 */
export function ensureValidProofSignaturesAndClosestPath(
  ctx: Context,
  claim: Claim,
  proof: Proof,
): void {
  const header = proof.sessionHeader!
  const supplierKey = getAccountPubKey(ctx, proof.supplierOperatorAddress)
  if (!supplierKey) {
    throw proofErrors.pubKeyNotFound.wrap(
      `account ${proof.supplierOperatorAddress} has no public key`,
    )
  }
  const { closest, relay } = decodeProofRelay(proof.closestMerkleProof)
  verifyRelayRequestSignature(ctx, relay.req!)
  verifySupplierSignature(relay.res!, supplierKey)
  const seedHeight =
    getEarliestSupplierProofCommitHeight(sessionParams(ctx), header.sessionEndBlockHeight) - 1n
  const expectedPath = getProofPath(getBlockHash(ctx, seedHeight), header.sessionId)
  if (!bytesEqual(closest.path, expectedPath)) {
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
    throw proofErrors.invalidProof.wrap(
      `the path of the proof provided (${hex(closest.path)}) does not match one expected by the onchain protocol (${hex(expectedPath)})`,
    )
  }
  if (!verifyClosestProof(closest, claim.rootHash)) {
    throw proofErrors.invalidProof.wrap('invalid closest merkle proof')
  }
}

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
