import type { Logger } from '@decai/app-kit/logger'
import type { SigningChainClient } from '@decai/chain'
import { getSessionWindows, type SessionWindows } from '@decai/session'
import type { ChainView } from './chain-view.js'
import { claimSession } from './lifecycle-claim.js'
import type { LifecycleContext } from './lifecycle-context.js'
import { decideProof, submitProof } from './lifecycle-proof.js'
import { settleSession } from './lifecycle-settle.js'
import type { SupplierMetrics } from './metrics.js'
import type { RelayMeter } from './rate-limit.js'
import type { SessionRecord, SessionState, SessionStore } from './session-store.js'
import { createTxBatcher, type TxBatcher } from './tx-batcher.js'

// The claim and proof lifecycle, driven by new blocks. Each session is a persisted state
// machine (session-store.ts); every step first records what it is about to do, and on
// resumption first asks the chain whether it already happened, so a restart at any point
// neither claims twice nor loses a claim:
//
//   open ──(claim window opens: seal the trie, record its root)──▶ claiming
//   claiming ──(claim on chain: found, or sent and included)──▶ claimed
//   claimed ──(proof window opens, proof required)──▶ proving ──(proof on chain)──▶ proved
//   claimed ──(proof window opens, not required)──▶ proof_not_required
//   proved | proof_not_required ──(settlement height: EventClaimSettled / Expired)──▶ settled | expired
//
// Failures end in `empty` (nothing mined), `claim_failed`, `proof_failed` or `unsettled`.
// The phases are lifecycle-claim.ts, lifecycle-proof.ts and lifecycle-settle.ts; this file
// decides which one a block makes due and runs them, one step per session at a time.
//
// The steps of one block run side by side, and the claims (likewise the proofs) they send are
// gathered into shared transactions (tx-batcher.ts): a batch goes out once every running step
// has either sent its message or finished, so the sessions that end at the same height are
// claimed in one transaction and proven in one, as poktroll's RelayMiner does.

export type LifecycleParameters = {
  store: SessionStore
  chain: ChainView
  /** Sends claims and proofs as the supplier operator. */
  signer: SigningChainClient
  operatorAddress: string
  meter: RelayMeter
  metrics: SupplierMetrics
  logger: Logger
  /** Blocks a finished session's record is kept. */
  keepBlocks: number
}

export type Lifecycle = ReturnType<typeof createLifecycle>

/** The phase a session in `state` has due at `height`, if any. */
export type LifecyclePhase = 'claim' | 'decide_proof' | 'submit_proof' | 'settle'

export function getDuePhase(
  state: SessionState,
  w: SessionWindows,
  height: bigint,
): LifecyclePhase | undefined {
  switch (state) {
    case 'open':
      return height >= w.claimWindowOpenHeight ? 'claim' : undefined
    case 'claiming':
      return 'claim'
    case 'claimed':
      // The proof path's seed is the block before the window opens; wait for the window.
      return height >= w.proofWindowOpenHeight ? 'decide_proof' : undefined
    case 'proving':
      return 'submit_proof'
    case 'proved':
    case 'proof_not_required':
      return height >= w.settlementHeight ? 'settle' : undefined
    default:
      return undefined
  }
}

const phases: Record<
  LifecyclePhase,
  (ctx: LifecycleContext, r: SessionRecord, w: SessionWindows, height: bigint) => Promise<void>
> = {
  claim: claimSession,
  decide_proof: decideProof,
  submit_proof: submitProof,
  settle: settleSession,
}

/** Runs the phase a block makes due for one session. */
export async function stepSession(
  ctx: LifecycleContext,
  record: SessionRecord,
  height: bigint,
): Promise<void> {
  ctx.logger.debug('session step', { session: record.sessionId, state: record.state, height })
  const w = getSessionWindows(
    await ctx.chain.getSharedParams(record.sessionEndHeight),
    record.sessionEndHeight,
  )
  const phase = getDuePhase(record.state, w, height)
  if (phase) await phases[phase](ctx, record, w, height)
}

export function createLifecycle(p: LifecycleParameters) {
  const { store, chain, metrics, logger } = p
  const busy = new Set<string>()
  const tasks = new Set<Promise<void>>()
  // A batch goes out when no running step is still on its way to sending.
  const ready = () => tasks.size <= batches.claims.parked + batches.proofs.parked
  const sendTx = (messages: Parameters<TxBatcher['send']>[0][]) =>
    p.signer.sendTransaction({ messages })
  const batches = {
    claims: createTxBatcher({ sendTx, ready }),
    proofs: createTxBatcher({ sendTx, ready }),
  }
  const ctx: LifecycleContext = {
    store,
    chain,
    signer: p.signer,
    supplier: p.operatorAddress,
    meter: p.meter,
    metrics,
    logger,
    // Sealed before a restart: still sealed.
    sealed: new Set(
      store
        .listActiveSessions()
        .filter((s) => s.state !== 'open')
        .map((s) => s.sessionId),
    ),
    batches,
  }
  let stopped = false
  let running: Promise<void> | undefined
  let again = false

  /** Starts the due step of every active session not already in a step. */
  const tick = async () => {
    const height = chain.height
    for (const record of store.listActiveSessions()) {
      if (stopped) return
      if (busy.has(record.sessionId)) continue
      busy.add(record.sessionId)
      const task = stepSession(ctx, record, height)
        .catch((error: unknown) => {
          metrics.errors.inc({ component: 'lifecycle' })
          logger.warn('session step failed (will retry)', { session: record.sessionId, error })
        })
        .finally(() => {
          busy.delete(record.sessionId)
          tasks.delete(task)
          // One step fewer to wait for: the others' messages may be ready to go.
          batches.claims.poke()
          batches.proofs.poke()
        })
      tasks.add(task)
    }
    const pruned = store.prune(height - BigInt(p.keepBlocks))
    if (pruned > 0) logger.debug('pruned finished sessions', { count: pruned })
  }

  // One tick at a time; blocks that arrive meanwhile ask for one more.
  const run = () => {
    if (running) {
      again = true
      return
    }
    running = (async () => {
      do {
        again = false
        try {
          await tick()
        } catch (error) {
          metrics.errors.inc({ component: 'lifecycle' })
          logger.error('lifecycle tick failed', { error })
        }
      } while (again && !stopped)
    })().finally(() => {
      running = undefined
    })
  }

  return {
    /** Call for every new block: starts the steps that block makes due. */
    onBlock(_height: bigint): void {
      if (!stopped) run()
    },
    isSealed(sessionId: string): boolean {
      return ctx.sealed.has(sessionId)
    },
    /** Whether a step is in progress (possibly waiting for its transaction to be included). */
    get busy(): boolean {
      return running !== undefined || tasks.size > 0
    },
    /** Resolves when every started step has finished. */
    async idle(): Promise<void> {
      while (running || tasks.size > 0) {
        await running
        await Promise.allSettled([...tasks])
      }
    },
    async stop(): Promise<void> {
      stopped = true
      await this.idle()
    },
  }
}
