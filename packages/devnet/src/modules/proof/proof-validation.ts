// Proof validation: the session a claim or proof names, its windows, a proof's relay, and the
// signatures and closest path checked at the end of the block.

import { equalBytes } from '@decai/core'
import { unmarshal } from '@decai/protocol'
import type { Claim, Proof } from '@decai/protocol/gen/pocket/proof/types_pb'
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
import { getEarliestSupplierProofCommitHeight, getProofWindowCloseHeight } from '@decai/session'
import { errorText } from '../../app/abci-error.js'
import { proofErrors, serviceErrors } from '../../app/chain-errors.js'
import type { Context } from '../../app/context.js'
import { getAccountPubKey } from '../auth/keeper.js'
import { serviceInvalidRelayRequest } from '../service/errors.js'
import { getDifficultyAtHeight } from '../service/keeper.js'
import { getBlockHash, getSession } from '../session/keeper.js'
import { validateSessionHeader } from '../session/session-header.js'
import { sessionParams } from '../shared/keeper.js'
import { getClaim } from './keeper.js'
import { verifyRelayRequestSignature, verifySupplierSignature } from './relay-verify.js'

/** `queryAndValidateSessionHeader`: the header must be the on-chain session with this supplier. */
export function queryAndValidateSessionHeader(
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

function validateRelaySessionHeader(
  header: SessionHeader | undefined,
  which: 'request' | 'response',
): void {
  const err = which === 'request' ? serviceInvalidRelayRequest : serviceErrors.invalidRelayResponse
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
    throw serviceInvalidRelayRequest.wrap('missing application signature')
  if ((req?.meta?.supplierOperatorAddress ?? '') === '') {
    throw serviceInvalidRelayRequest.wrap('relay metadata missing supplier operator address')
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
  if (!equalBytes(closest.path, expectedPath)) {
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
    throw proofErrors.invalidProof.wrap(
      `the path of the proof provided (${hex(closest.path)}) does not match one expected by the onchain protocol (${hex(expectedPath)})`,
    )
  }
  if (!verifyClosestProof(closest, claim.rootHash)) {
    throw proofErrors.invalidProof.wrap('invalid closest merkle proof')
  }
}
