import {
  type ClaimSettlement,
  isChainError,
  isChainErrorOf,
  knownChainErrors,
  type SigningChainClient,
} from '@decai/chain'
import { type Claim, ClaimProofStatus } from '@decai/protocol'
import {
  compactClosestProof,
  encodeClosestProof,
  getProofPath,
  getRootCount,
} from '@decai/relay-mining'
import {
  getClaimedUpokt,
  getClaimRootSum,
  getProofRequirement,
  getProofRequirementSeedHeight,
  getSessionWindows,
  hashClaim,
  type SessionWindows,
  toSessionHeader,
} from '@decai/session'
import type { ChainView } from './chain-view.js'
import type { Logger } from './logger.js'
import type { SupplierMetrics } from './metrics.js'
import type { RelayMeter } from './rate-limit.js'
import type { SessionRecord, SessionState, SessionStore } from './session-store.js'

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

const isNotFound = (e: unknown) => isChainError(e) && e.code === 'NOT_FOUND'

export function createLifecycle(p: LifecycleParameters) {
  const { store, chain, signer, operatorAddress: supplier, metrics, logger } = p
  // Sessions whose trie is sealed: no relay may enter it any more.
  const sealed = new Set<string>(
    store
      .listActiveSessions()
      .filter((s) => s.state !== 'open')
      .map((s) => s.sessionId),
  )
  const busy = new Set<string>()
  let stopped = false
  let running: Promise<void> | undefined
  let again = false
  const tasks = new Set<Promise<void>>()

  const finish = (record: SessionRecord, from: SessionState, to: SessionState, update = {}) => {
    // Past its claim window no relay of the session can be mined anyway (eligibility).
    sealed.delete(record.sessionId)
    if (
      store.transition(record.sessionId, supplier, from, to, {
        updatedHeight: chain.height,
        ...update,
      })
    ) {
      try {
        store.deleteTrie(supplier, record.sessionId)
      } catch (error) {
        metrics.errors.inc({ component: 'store' })
        logger.error('cannot delete a finished session trie', { error, session: record.sessionId })
      }
    }
  }

  /** Seals the trie and records its root; `false` if nothing was mined. */
  const seal = (record: SessionRecord): boolean => {
    sealed.add(record.sessionId)
    p.meter.forget(`${record.applicationAddress}|${record.sessionId}`)
    const root = store.getRoot(supplier, record.sessionId)
    if (getRootCount(root) === 0n) {
      finish(record, 'open', 'empty')
      metrics.claims.inc({ result: 'empty' })
      return false
    }
    return store.transition(record.sessionId, supplier, 'open', 'claiming', {
      rootHash: root,
      updatedHeight: chain.height,
    })
  }

  const headerOf = (r: SessionRecord) =>
    toSessionHeader({
      applicationAddress: r.applicationAddress,
      serviceId: r.serviceId,
      sessionId: r.sessionId,
      sessionStartBlockHeight: r.sessionStartHeight,
      sessionEndBlockHeight: r.sessionEndHeight,
    })

  const findClaim = async (r: SessionRecord): Promise<Claim | undefined> => {
    try {
      return await chain.client.getClaim({
        sessionId: r.sessionId,
        supplierOperatorAddress: supplier,
      })
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  /**
   * Whether the chain has this session's proof. A validated proof is removed from the store
   * (the claim's status then says VALIDATED or INVALID); a settled claim is gone altogether.
   */
  const findProof = async (r: SessionRecord): Promise<'none' | 'found' | 'invalid' | 'gone'> => {
    try {
      await chain.client.getProof({ sessionId: r.sessionId, supplierOperatorAddress: supplier })
      return 'found'
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
    const claim = await findClaim(r)
    if (!claim) return 'gone'
    if (claim.proofValidationStatus === ClaimProofStatus.VALIDATED) return 'found'
    if (claim.proofValidationStatus === ClaimProofStatus.INVALID) return 'invalid'
    return 'none'
  }

  const claim = async (record: SessionRecord, w: SessionWindows, height: bigint) => {
    let r = record
    if (r.state === 'open') {
      if (height > w.claimWindowCloseHeight) {
        sealed.add(r.sessionId)
        const empty = getRootCount(store.getRoot(supplier, r.sessionId)) === 0n
        finish(r, 'open', empty ? 'empty' : 'claim_failed', {
          ...(empty ? {} : { error: 'the claim window closed before the supplier could claim' }),
        })
        if (!empty) metrics.claims.inc({ result: 'missed' })
        return
      }
      if (!seal(r)) return
      r = store.getSession(r.sessionId, supplier)!
      logger.info('session sealed for its claim', {
        session: r.sessionId,
        relays: getRootCount(r.rootHash!),
        computeUnits: getClaimRootSum(r.rootHash!),
      })
    }
    // Resuming (after a restart, or a failed send): the chain says whether it already landed.
    const existing = await findClaim(r)
    if (existing) {
      store.transition(r.sessionId, supplier, 'claiming', 'claimed', { updatedHeight: height })
      metrics.claims.inc({ result: 'found' })
      return
    }
    if (height > w.claimWindowCloseHeight) {
      finish(r, 'claiming', 'claim_failed', { error: 'the claim window closed' })
      metrics.claims.inc({ result: 'missed' })
      return
    }
    try {
      const tx = await signer.createClaim({ sessionHeader: headerOf(r), rootHash: r.rootHash! })
      store.transition(r.sessionId, supplier, 'claiming', 'claimed', {
        claimTxHash: tx.hash,
        updatedHeight: tx.height,
      })
      metrics.claims.inc({ result: 'created' })
      logger.info('claim created', { session: r.sessionId, tx: tx.hash, height: tx.height })
    } catch (error) {
      metrics.errors.inc({ component: 'claim' })
      if (
        isChainErrorOf(error, knownChainErrors.proof.ErrProofClaimOutsideOfWindow) &&
        chain.height >= w.claimWindowCloseHeight
      ) {
        finish(r, 'claiming', 'claim_failed', { error: String(error) })
        metrics.claims.inc({ result: 'failed' })
      }
      // Anything else is retried at the next block (after checking the chain again).
      logger.warn('claim not created (will retry)', { session: r.sessionId, error })
    }
  }

  const decideProof = async (r: SessionRecord, w: SessionWindows, height: bigint) => {
    const onChain = await findClaim(r)
    if (!onChain) {
      finish(r, 'claimed', 'unsettled', { error: 'the claim was not found at proof time' })
      metrics.proofs.inc({ result: 'claim_missing' })
      return
    }
    const shared = await chain.getSharedParams(r.sessionEndHeight)
    const seedHash = await chain.client.getBlockHash({
      height: getProofRequirementSeedHeight(shared, r.sessionEndHeight),
    })
    let requirement: string
    try {
      const [proofParams, mining, current] = await Promise.all([
        chain.getModuleParams('proof'),
        chain.getMiningParams(r.serviceId, r.sessionStartHeight),
        chain.getLatestSharedParams(),
      ])
      requirement = getProofRequirement({
        claimedUpokt: getClaimedUpokt({
          numClaimedComputeUnits: getClaimRootSum(onChain.rootHash),
          targetHash: mining.targetHash,
          computeUnitsToTokensMultiplier: current.computeUnitsToTokensMultiplier,
          computeUnitCostGranularity: current.computeUnitCostGranularity,
        }),
        proofRequirementThreshold: BigInt(proofParams.proofRequirementThreshold?.amount ?? '0'),
        proofRequestProbability: proofParams.proofRequestProbability,
        claimHash: hashClaim(onChain),
        seedBlockHash: seedHash,
      })
    } catch (error) {
      // Without an answer, prove on the last block of the window rather than risk a slash.
      if (height < w.proofWindowCloseHeight - 1n) throw error
      logger.warn('proof requirement unknown: proving anyway', { session: r.sessionId, error })
      requirement = 'UNKNOWN'
    }
    if (requirement === 'NOT_REQUIRED') {
      store.transition(r.sessionId, supplier, 'claimed', 'proof_not_required', {
        proofRequirement: requirement,
        updatedHeight: height,
      })
      metrics.proofs.inc({ result: 'not_required' })
      logger.info('no proof required', { session: r.sessionId })
      return
    }
    store.transition(r.sessionId, supplier, 'claimed', 'proving', {
      proofRequirement: requirement,
      updatedHeight: height,
    })
    await submitProof(store.getSession(r.sessionId, supplier)!, w, height)
  }

  const submitProof = async (r: SessionRecord, w: SessionWindows, height: bigint) => {
    const existing = await findProof(r)
    if (existing === 'invalid') {
      finish(r, 'proving', 'proof_failed', { error: 'the chain found the proof invalid' })
      metrics.proofs.inc({ result: 'invalid' })
      return
    }
    if (existing !== 'none') {
      // Found (or already settled: the settlement event tells how it ended).
      store.transition(r.sessionId, supplier, 'proving', 'proved', { updatedHeight: height })
      metrics.proofs.inc({ result: 'found' })
      return
    }
    if (height > w.proofWindowCloseHeight) {
      finish(r, 'proving', 'proof_failed', { error: 'the proof window closed' })
      metrics.proofs.inc({ result: 'missed' })
      return
    }
    const shared = await chain.getSharedParams(r.sessionEndHeight)
    const seedHash = await chain.client.getBlockHash({
      height: getProofRequirementSeedHeight(shared, r.sessionEndHeight),
    })
    const proof = encodeClosestProof(
      compactClosestProof(
        store.getTrie(supplier, r.sessionId).proveClosest(getProofPath(seedHash, r.sessionId)),
      ),
    )
    try {
      const tx = await signer.submitProof({ sessionHeader: headerOf(r), proof })
      store.transition(r.sessionId, supplier, 'proving', 'proved', {
        proofTxHash: tx.hash,
        updatedHeight: tx.height,
      })
      metrics.proofs.inc({ result: 'submitted' })
      logger.info('proof submitted', { session: r.sessionId, tx: tx.hash, height: tx.height })
    } catch (error) {
      metrics.errors.inc({ component: 'proof' })
      if (
        isChainErrorOf(error, knownChainErrors.proof.ErrProofProofOutsideOfWindow) &&
        chain.height >= w.proofWindowCloseHeight
      ) {
        finish(r, 'proving', 'proof_failed', { error: String(error) })
        metrics.proofs.inc({ result: 'failed' })
      }
      logger.warn('proof not submitted (will retry)', { session: r.sessionId, error })
    }
  }

  const settle = async (r: SessionRecord, w: SessionWindows, height: bigint) => {
    let found: ClaimSettlement | undefined
    const settlements = await chain.client.getClaimSettlements({
      fromHeight: w.settlementHeight,
      toHeight: w.settlementHeight,
    })
    found = settlements.find(
      (s) =>
        s.supplierOperatorAddress === supplier &&
        (s.sessionId === r.sessionId ||
          (s.sessionId === '' &&
            s.sessionEndBlockHeight === r.sessionEndHeight &&
            s.applicationAddress === r.applicationAddress &&
            s.serviceId === r.serviceId)),
    )
    if (found) {
      const to = found.status === 'settled' ? 'settled' : 'expired'
      finish(r, r.state, to, { settledUpokt: found.settledUpokt })
      metrics.settlements.inc({ result: to })
      if (to === 'settled') metrics.settledUpokt.inc({}, Number(found.settledUpokt))
      logger.info(`claim ${to}`, {
        session: r.sessionId,
        settledUpokt: found.settledUpokt,
        claimedUpokt: found.claimedUpokt,
        expirationReason: found.expirationReason,
      })
      return
    }
    // The node may prune block results; after a session's worth of blocks, stop looking.
    if (height > w.settlementHeight + (w.endHeight - w.startHeight + 1n)) {
      finish(r, r.state, 'unsettled', { error: 'no settlement event found' })
      metrics.settlements.inc({ result: 'unknown' })
    }
  }

  const step = async (record: SessionRecord, height: bigint) => {
    logger.debug('session step', { session: record.sessionId, state: record.state, height })
    const w = getSessionWindows(
      await chain.getSharedParams(record.sessionEndHeight),
      record.sessionEndHeight,
    )
    switch (record.state) {
      case 'open':
        if (height >= w.claimWindowOpenHeight) await claim(record, w, height)
        return
      case 'claiming':
        await claim(record, w, height)
        return
      case 'claimed':
        // The proof path's seed is the block before the window opens; wait for the window.
        if (height >= w.proofWindowOpenHeight) await decideProof(record, w, height)
        return
      case 'proving':
        await submitProof(record, w, height)
        return
      case 'proved':
      case 'proof_not_required':
        if (height >= w.settlementHeight) await settle(record, w, height)
        return
      default:
        return
    }
  }

  const tick = async () => {
    const height = chain.height
    for (const record of store.listActiveSessions()) {
      if (stopped) return
      if (busy.has(record.sessionId)) continue
      busy.add(record.sessionId)
      const task = step(record, height)
        .catch((error: unknown) => {
          metrics.errors.inc({ component: 'lifecycle' })
          logger.warn('session step failed (will retry)', { session: record.sessionId, error })
        })
        .finally(() => {
          busy.delete(record.sessionId)
          tasks.delete(task)
        })
      tasks.add(task)
    }
    const pruned = store.prune(height - BigInt(p.keepBlocks))
    if (pruned > 0) logger.debug('pruned finished sessions', { count: pruned })
  }

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
      return sealed.has(sessionId)
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
