import { encodeMessage, isChainErrorOf, knownChainErrors } from '@decai/chain'
import {
  type Claim,
  ClaimProofStatus,
  MsgSubmitProofSchema,
  ProofRequirementReason,
} from '@decai/protocol'
import {
  compactClosestProof,
  encodeClosestProof,
  getClaimedUpokt,
  getProofPath,
  getRootSum,
} from '@decai/relay-mining'
import {
  getProofRequirement,
  getProofRequirementSeedHeight,
  hashClaim,
  type SessionWindows,
} from '@decai/session'
import {
  findClaim,
  finishSession,
  isNotFound,
  type LifecycleContext,
  sendLifecycleMessage,
  toClaimHeader,
} from './lifecycle-context.js'
import type { SessionRecord } from './session-store.js'

// The proof phase: once the proof window opens, `claimed` → `proof_not_required`, or
// → `proving` → (proof on chain: found, or sent and included) → `proved`; an invalid or missed
// proof ends `proof_failed`, a claim gone missing `unsettled`.

/** Whether the claimed session must be proven, and proves it if so. */
export async function decideProof(
  ctx: LifecycleContext,
  r: SessionRecord,
  w: SessionWindows,
  height: bigint,
): Promise<void> {
  const { store, supplier } = ctx
  const onChain = await findClaim(ctx, r)
  if (!onChain) {
    finishSession(ctx, r, 'claimed', 'unsettled', {
      error: 'the claim was not found at proof time',
    })
    ctx.metrics.proofs.inc({ result: 'claim_missing' })
    return
  }
  const seedHash = await getProofSeedHash(ctx, r)
  let requirement: string
  try {
    requirement = await getRequirement(ctx, r, onChain, seedHash)
  } catch (error) {
    // Without an answer, prove on the last block of the window rather than risk a slash.
    if (height < w.proofWindowCloseHeight - 1n) throw error
    ctx.logger.warn('proof requirement unknown: proving anyway', { session: r.sessionId, error })
    requirement = 'UNKNOWN'
  }
  if (requirement === 'NOT_REQUIRED') {
    store.transition(r.sessionId, supplier, 'claimed', 'proof_not_required', {
      proofRequirement: requirement,
      updatedHeight: height,
    })
    ctx.metrics.proofs.inc({ result: 'not_required' })
    ctx.logger.info('no proof required', { session: r.sessionId })
    return
  }
  store.transition(r.sessionId, supplier, 'claimed', 'proving', {
    proofRequirement: requirement,
    updatedHeight: height,
  })
  await submitProof(ctx, store.getSession(r.sessionId, supplier)!, w, height)
}

/** The block hash that seeds the proof requirement and the proof path. */
async function getProofSeedHash(ctx: LifecycleContext, r: SessionRecord): Promise<Uint8Array> {
  const shared = await ctx.chain.getSharedParams(r.sessionEndHeight)
  return ctx.chain.client.getBlockHash({
    height: getProofRequirementSeedHeight(shared, r.sessionEndHeight),
  })
}

/** poktroll's proof requirement for the claim on chain, from the params in force now. */
async function getRequirement(
  ctx: LifecycleContext,
  r: SessionRecord,
  onChain: Claim,
  seedHash: Uint8Array,
): Promise<string> {
  const [proofParams, mining, current] = await Promise.all([
    ctx.chain.getModuleParams('proof'),
    ctx.chain.getMiningParams(r.serviceId, r.sessionStartHeight),
    ctx.chain.getLatestSharedParams(),
  ])
  const reason = getProofRequirement({
    claimedUpokt: getClaimedUpokt({
      computeUnits: getRootSum(onChain.rootHash),
      target: mining.targetHash,
      computeUnitsToTokensMultiplier: current.computeUnitsToTokensMultiplier,
      computeUnitCostGranularity: current.computeUnitCostGranularity,
    }),
    proofRequirementThreshold: BigInt(proofParams.proofRequirementThreshold?.amount ?? '0'),
    proofRequestProbability: proofParams.proofRequestProbability,
    claimHash: hashClaim(onChain),
    seedBlockHash: seedHash,
  })
  // Stored and logged by name (THRESHOLD, PROBABILISTIC, NOT_REQUIRED).
  return ProofRequirementReason[reason]
}

/**
 * Whether the chain has this session's proof. A validated proof is removed from the store
 * (the claim's status then says VALIDATED or INVALID); a settled claim is gone altogether.
 */
export async function findProof(
  ctx: LifecycleContext,
  r: SessionRecord,
): Promise<'none' | 'found' | 'invalid' | 'gone'> {
  try {
    await ctx.chain.client.getProof({
      sessionId: r.sessionId,
      supplierOperatorAddress: ctx.supplier,
    })
    return 'found'
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
  const claim = await findClaim(ctx, r)
  if (!claim) return 'gone'
  if (claim.proofValidationStatus === ClaimProofStatus.VALIDATED) return 'found'
  if (claim.proofValidationStatus === ClaimProofStatus.INVALID) return 'invalid'
  return 'none'
}

/** Proves a `proving` session (or finds its proof on chain). */
export async function submitProof(
  ctx: LifecycleContext,
  r: SessionRecord,
  w: SessionWindows,
  height: bigint,
): Promise<void> {
  const existing = await findProof(ctx, r)
  if (existing === 'invalid') {
    finishSession(ctx, r, 'proving', 'proof_failed', { error: 'the chain found the proof invalid' })
    ctx.metrics.proofs.inc({ result: 'invalid' })
    return
  }
  if (existing !== 'none') {
    // Found (or already settled: the settlement event tells how it ended).
    ctx.store.transition(r.sessionId, ctx.supplier, 'proving', 'proved', { updatedHeight: height })
    ctx.metrics.proofs.inc({ result: 'found' })
    return
  }
  if (height > w.proofWindowCloseHeight) {
    finishSession(ctx, r, 'proving', 'proof_failed', { error: 'the proof window closed' })
    ctx.metrics.proofs.inc({ result: 'missed' })
    return
  }
  const proof = buildProof(ctx, r, await getProofSeedHash(ctx, r))
  await sendProof(ctx, r, w, proof)
}

/** The session's closest proof for the seed, gob-encoded as the chain takes it. */
export function buildProof(
  ctx: Pick<LifecycleContext, 'store' | 'supplier'>,
  r: Pick<SessionRecord, 'sessionId'>,
  seedHash: Uint8Array,
): Uint8Array {
  const trie = ctx.store.getTrie(ctx.supplier, r.sessionId)
  return encodeClosestProof(
    compactClosestProof(trie.proveClosest(getProofPath(seedHash, r.sessionId))),
  )
}

async function sendProof(
  ctx: LifecycleContext,
  r: SessionRecord,
  w: SessionWindows,
  proof: Uint8Array,
): Promise<void> {
  try {
    const message = encodeMessage(MsgSubmitProofSchema, {
      supplierOperatorAddress: ctx.supplier,
      sessionHeader: toClaimHeader(r),
      proof,
    })
    // Shared with the proofs of the other sessions that end at the same height.
    const tx = await sendLifecycleMessage(ctx, 'proofs', message)
    ctx.store.transition(r.sessionId, ctx.supplier, 'proving', 'proved', {
      proofTxHash: tx.hash,
      updatedHeight: tx.height,
    })
    ctx.metrics.proofs.inc({ result: 'submitted' })
    ctx.logger.info('proof submitted', { session: r.sessionId, tx: tx.hash, height: tx.height })
  } catch (error) {
    ctx.metrics.errors.inc({ component: 'proof' })
    if (
      isChainErrorOf(error, knownChainErrors.proof.ErrProofProofOutsideOfWindow) &&
      ctx.chain.height >= w.proofWindowCloseHeight
    ) {
      finishSession(ctx, r, 'proving', 'proof_failed', { error: String(error) })
      ctx.metrics.proofs.inc({ result: 'failed' })
    }
    ctx.logger.warn('proof not submitted (will retry)', { session: r.sessionId, error })
  }
}
