import type { ClaimSettlement } from '@decai/chain'
import type { SessionWindows } from '@decai/session'
import { finishSession, type LifecycleContext } from './lifecycle-context.js'
import type { SessionRecord } from './session-store.js'

// The settlement phase: at the settlement height, `proved` | `proof_not_required` →
// `settled` | `expired` as the chain's EventClaimSettled / EventClaimExpired say; `unsettled`
// when no event turns up.

/** The settlement event of this supplier's claim for the session, among a block's events. */
export function findSettlement(
  settlements: readonly ClaimSettlement[],
  supplier: string,
  r: Pick<SessionRecord, 'sessionId' | 'sessionEndHeight' | 'applicationAddress' | 'serviceId'>,
): ClaimSettlement | undefined {
  return settlements.find(
    (s) =>
      s.supplierOperatorAddress === supplier &&
      (s.sessionId === r.sessionId ||
        // Events that do not name the session: match it by what they do name.
        (s.sessionId === '' &&
          s.sessionEndBlockHeight === r.sessionEndHeight &&
          s.applicationAddress === r.applicationAddress &&
          s.serviceId === r.serviceId)),
  )
}

/** Ends a session as its claim's settlement event says. */
export async function settleSession(
  ctx: LifecycleContext,
  r: SessionRecord,
  w: SessionWindows,
  height: bigint,
): Promise<void> {
  const settlements = await ctx.chain.client.getClaimSettlements({
    fromHeight: w.settlementHeight,
    toHeight: w.settlementHeight,
  })
  const found = findSettlement(settlements, ctx.supplier, r)
  if (found) {
    const to = found.status === 'settled' ? 'settled' : 'expired'
    finishSession(ctx, r, r.state, to, { settledUpokt: found.settledUpokt })
    ctx.metrics.settlements.inc({ result: to })
    if (to === 'settled') ctx.metrics.settledUpokt.inc({}, Number(found.settledUpokt))
    ctx.logger.info(`claim ${to}`, {
      session: r.sessionId,
      settledUpokt: found.settledUpokt,
      claimedUpokt: found.claimedUpokt,
      expirationReason: found.expirationReason,
    })
    return
  }
  // The node may prune block results; after a session's worth of blocks, stop looking.
  if (height > w.settlementHeight + (w.endHeight - w.startHeight + 1n)) {
    finishSession(ctx, r, r.state, 'unsettled', { error: 'no settlement event found' })
    ctx.metrics.settlements.inc({ result: 'unknown' })
  }
}
