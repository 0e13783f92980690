import type { Logger } from '@decai/app-kit/logger'
import {
  type EncodedMessage,
  type IncludedTx,
  isChainError,
  type SigningChainClient,
} from '@decai/chain'
import type { Claim } from '@decai/protocol'
import { toSessionHeader } from '@decai/session'
import type { ChainView } from './chain-view.js'
import type { SupplierMetrics } from './metrics.js'
import type { RelayMeter } from './rate-limit.js'
import type { SessionRecord, SessionState, SessionStore, SessionUpdate } from './session-store.js'
import type { TxBatcher } from './tx-batcher.js'

// What every phase of the claim and proof lifecycle (lifecycle.ts) works with, and the steps
// they share: ending a session, and asking the chain for its claim.

export type LifecycleContext = {
  store: SessionStore
  chain: ChainView
  /** Sends claims and proofs as the supplier operator. */
  signer: SigningChainClient
  /** The supplier operator address. */
  supplier: string
  meter: RelayMeter
  metrics: SupplierMetrics
  logger: Logger
  /** Sessions whose trie is sealed: no relay may enter it any more. */
  sealed: Set<string>
  /**
   * Gather the claims, and the proofs, sent at about the same time into shared transactions;
   * without them each message goes in a transaction of its own.
   */
  batches?: { claims: TxBatcher; proofs: TxBatcher } | undefined
}

/** Sends a claim or proof message, in a shared transaction when the context batches them. */
export function sendLifecycleMessage(
  ctx: LifecycleContext,
  kind: 'claims' | 'proofs',
  message: EncodedMessage,
): Promise<IncludedTx> {
  const batcher = ctx.batches?.[kind]
  return batcher ? batcher.send(message) : ctx.signer.sendTransaction({ messages: [message] })
}

export const isNotFound = (e: unknown) => isChainError(e) && e.code === 'NOT_FOUND'

/** Moves a session to a terminal state and deletes its trie (nothing more will be proven). */
export function finishSession(
  ctx: LifecycleContext,
  record: SessionRecord,
  from: SessionState,
  to: SessionState,
  update: SessionUpdate = {},
): void {
  const { store, supplier } = ctx
  // Past its claim window no relay of the session can be mined anyway (eligibility).
  ctx.sealed.delete(record.sessionId)
  if (
    store.transition(record.sessionId, supplier, from, to, {
      updatedHeight: ctx.chain.height,
      ...update,
    })
  ) {
    try {
      store.deleteTrie(supplier, record.sessionId)
    } catch (error) {
      ctx.metrics.errors.inc({ component: 'store' })
      ctx.logger.error('cannot delete a finished session trie', {
        error,
        session: record.sessionId,
      })
    }
  }
}

/** The session header a claim or proof names. */
export const toClaimHeader = (r: SessionRecord) =>
  toSessionHeader({
    applicationAddress: r.applicationAddress,
    serviceId: r.serviceId,
    sessionId: r.sessionId,
    sessionStartBlockHeight: r.sessionStartHeight,
    sessionEndBlockHeight: r.sessionEndHeight,
  })

/** This supplier's claim for the session on chain, if any. */
export async function findClaim(
  ctx: Pick<LifecycleContext, 'chain' | 'supplier'>,
  r: SessionRecord,
): Promise<Claim | undefined> {
  try {
    return await ctx.chain.client.getClaim({
      sessionId: r.sessionId,
      supplierOperatorAddress: ctx.supplier,
    })
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}
