import { encodeMessage, isChainErrorOf, knownChainErrors } from '@decai/chain'
import { MsgCreateClaimSchema } from '@decai/protocol'
import { getRootCount, getRootSum } from '@decai/relay-mining'
import type { SessionWindows } from '@decai/session'
import {
  findClaim,
  finishSession,
  type LifecycleContext,
  sendLifecycleMessage,
  toClaimHeader,
} from './lifecycle-context.js'
import type { SessionRecord } from './session-store.js'

// The claim phase: `open` → (seal the trie, record its root) → `claiming` → (claim on chain:
// found, or sent and included) → `claimed`; an empty trie ends `empty`, a missed window
// `claim_failed`.

/** Seals the trie and records its root; `false` if nothing was mined. */
export function sealSession(ctx: LifecycleContext, record: SessionRecord): boolean {
  const { store, supplier } = ctx
  ctx.sealed.add(record.sessionId)
  ctx.meter.forget(`${record.applicationAddress}|${record.sessionId}`)
  const root = store.getRoot(supplier, record.sessionId)
  if (getRootCount(root) === 0n) {
    finishSession(ctx, record, 'open', 'empty')
    ctx.metrics.claims.inc({ result: 'empty' })
    return false
  }
  return store.transition(record.sessionId, supplier, 'open', 'claiming', {
    rootHash: root,
    updatedHeight: ctx.chain.height,
  })
}

/** Seals an open session once its claim window opens, then claims it (or finds its claim). */
export async function claimSession(
  ctx: LifecycleContext,
  record: SessionRecord,
  w: SessionWindows,
  height: bigint,
): Promise<void> {
  let r = record
  if (r.state === 'open') {
    if (height > w.claimWindowCloseHeight) return missClaimWindow(ctx, r)
    if (!sealSession(ctx, r)) return
    r = ctx.store.getSession(r.sessionId, ctx.supplier)!
    ctx.logger.info('session sealed for its claim', {
      session: r.sessionId,
      relays: getRootCount(r.rootHash!),
      computeUnits: getRootSum(r.rootHash!),
    })
  }
  // Resuming (after a restart, or a failed send): the chain says whether it already landed.
  const existing = await findClaim(ctx, r)
  if (existing) {
    ctx.store.transition(r.sessionId, ctx.supplier, 'claiming', 'claimed', {
      updatedHeight: height,
    })
    ctx.metrics.claims.inc({ result: 'found' })
    return
  }
  if (height > w.claimWindowCloseHeight) {
    finishSession(ctx, r, 'claiming', 'claim_failed', { error: 'the claim window closed' })
    ctx.metrics.claims.inc({ result: 'missed' })
    return
  }
  await sendClaim(ctx, r, w)
}

/** An open session found past its claim window (the supplier was down): nothing to claim. */
function missClaimWindow(ctx: LifecycleContext, r: SessionRecord): void {
  ctx.sealed.add(r.sessionId)
  const empty = getRootCount(ctx.store.getRoot(ctx.supplier, r.sessionId)) === 0n
  finishSession(ctx, r, 'open', empty ? 'empty' : 'claim_failed', {
    ...(empty ? {} : { error: 'the claim window closed before the supplier could claim' }),
  })
  if (!empty) ctx.metrics.claims.inc({ result: 'missed' })
}

async function sendClaim(ctx: LifecycleContext, r: SessionRecord, w: SessionWindows) {
  try {
    const message = encodeMessage(MsgCreateClaimSchema, {
      supplierOperatorAddress: ctx.supplier,
      sessionHeader: toClaimHeader(r),
      rootHash: r.rootHash!,
    })
    // Shared with the claims of the other sessions that end at the same height.
    const tx = await sendLifecycleMessage(ctx, 'claims', message)
    ctx.store.transition(r.sessionId, ctx.supplier, 'claiming', 'claimed', {
      claimTxHash: tx.hash,
      updatedHeight: tx.height,
    })
    ctx.metrics.claims.inc({ result: 'created' })
    ctx.logger.info('claim created', { session: r.sessionId, tx: tx.hash, height: tx.height })
  } catch (error) {
    ctx.metrics.errors.inc({ component: 'claim' })
    if (
      isChainErrorOf(error, knownChainErrors.proof.ErrProofClaimOutsideOfWindow) &&
      ctx.chain.height >= w.claimWindowCloseHeight
    ) {
      finishSession(ctx, r, 'claiming', 'claim_failed', { error: String(error) })
      ctx.metrics.claims.inc({ result: 'failed' })
    }
    // Anything else is retried at the next block (after checking the chain again).
    ctx.logger.warn('claim not created (will retry)', { session: r.sessionId, error })
  }
}
