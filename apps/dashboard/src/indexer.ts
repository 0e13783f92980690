import { setTimeout as delay } from 'node:timers/promises'
import { isPostgresUnavailable } from '@decai/app-kit/postgres'
import {
  type BlockResults,
  type ChainClient,
  type ChainEvent,
  ClaimExpirationReason,
  type ClaimSettlement,
  decodeEvent,
  EventClaimExpiredSchema,
  EventClaimSettledSchema,
  parseClaimExpired,
  parseClaimSettled,
  parseCoinAmount,
  SettlementOpReason,
} from '@decai/chain'
import { describeError } from '@decai/core'
import { DashboardError, isDashboardError } from './errors.js'
import type { BlockRows, ClaimRow, SettlementRow, Store } from './store.js'

// Follows the chain into the store: first catches up from the cursor with a few blocks fetched
// at once (committed strictly in order), then takes each new block from `watchBlocks`. A block
// that cannot be read is retried, never skipped: a gap would lose settlements for good.

export type IndexerStatus = {
  /** The last block in the index. */
  indexedHeight: bigint
  /** The chain's committed height, when last heard. */
  chainHeight: bigint | undefined
  /** Whether the last call to the node succeeded. */
  rpcUp: boolean
  /** The last error talking to the node, while it is down. */
  lastError: string | undefined
  chainId: string | undefined
}

export type StartIndexerParameters = {
  client: ChainClient
  store: Store
  /** The first height to index when the store is empty; 1 by default. */
  fromHeight?: bigint | undefined
  /** Blocks fetched at once while catching up; 8 by default. */
  concurrency?: number | undefined
  /** Milliseconds between retries of a failed read; 1000 by default. */
  retryMs?: number | undefined
  /** Milliseconds between network snapshots (services, suppliers, ...); 5000 by default. */
  networkIntervalMs?: number | undefined
  /** Called after each committed block (tests use it to pace themselves). */
  onCommit?: ((height: bigint) => void) | undefined
  onError?: ((error: unknown) => void) | undefined
}

export type Indexer = {
  status(): IndexerStatus
  /** Resolves once the index has reached `height`. */
  waitForHeight(height: bigint, timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

/** What one block's results add to the index. */
export function readBlockRows(results: BlockResults, timeMs: number): BlockRows {
  const settlements: SettlementRow[] = []
  results.finalizeBlockEvents.forEach((event, eventIndex) => {
    const settled = decodeEvent(event, EventClaimSettledSchema)
    if (settled)
      settlements.push(toSettlementRow(parseClaimSettled(settled, results.height), eventIndex))
    const expired = decodeEvent(event, EventClaimExpiredSchema)
    if (expired)
      settlements.push(toSettlementRow(parseClaimExpired(expired, results.height), eventIndex))
  })
  const claims: ClaimRow[] = []
  for (const tx of results.txResults) {
    if (tx.code !== 0) continue
    for (const event of tx.events) {
      const claim = readClaimEvent(event)
      if (claim) claims.push(claim)
    }
  }
  return { height: results.height, timeMs, settlements, claims }
}

function toSettlementRow(s: ClaimSettlement, eventIndex: number): SettlementRow {
  return {
    eventIndex,
    status: s.status,
    serviceId: s.serviceId,
    application: s.applicationAddress,
    supplierOperator: s.supplierOperatorAddress,
    supplierOwner: s.supplierOwnerAddress,
    sessionId: s.sessionId,
    sessionEndHeight: s.sessionEndBlockHeight,
    numRelays: s.numRelays,
    computeUnits: s.numClaimedComputeUnits,
    estimatedComputeUnits: s.numEstimatedComputeUnits,
    claimedUpokt: s.claimedUpokt,
    settledUpokt: s.settledUpokt,
    mintedUpokt: s.mintedUpokt,
    expirationReason:
      s.expirationReason === undefined ? '' : (ClaimExpirationReason[s.expirationReason] ?? ''),
    rewards: s.rewards.map((r) => ({
      recipient: r.recipient,
      role: r.role,
      tlm: r.tlm,
      opReason: SettlementOpReason[r.opReason] ?? String(r.opReason),
      amount: r.amount,
    })),
  }
}

const claimEventTypes = new Set([
  'pocket.proof.EventClaimCreated',
  'pocket.proof.EventClaimUpdated',
])

function readClaimEvent(event: ChainEvent): ClaimRow | undefined {
  if (!claimEventTypes.has(event.type)) return undefined
  const decoded = decodeEvent(event)
  if (!decoded) return undefined
  const m = decoded.message as unknown as {
    supplierOperatorAddress: string
    applicationAddress: string
    serviceId: string
    sessionEndBlockHeight: bigint
    numRelays: bigint
    numClaimedComputeUnits: bigint
    claimedUpokt: string
  }
  return {
    supplierOperator: m.supplierOperatorAddress,
    application: m.applicationAddress,
    serviceId: m.serviceId,
    sessionEndHeight: m.sessionEndBlockHeight,
    numRelays: m.numRelays,
    computeUnits: m.numClaimedComputeUnits,
    claimedUpokt: parseCoinAmount(m.claimedUpokt).amount,
  }
}

/** Starts following the chain from the store's cursor. */
export function startIndexer(parameters: StartIndexerParameters): Indexer {
  const {
    client,
    store,
    concurrency = 8,
    retryMs = 1000,
    networkIntervalMs = 5000,
    onCommit = () => {},
    onError = () => {},
  } = parameters
  const controller = new AbortController()
  const { signal } = controller
  const status: IndexerStatus = {
    indexedHeight: 0n,
    chainHeight: undefined,
    rpcUp: false,
    lastError: undefined,
    chainId: undefined,
  }
  const waiters = new Set<{ height: bigint; resolve: () => void }>()

  const ok = () => {
    status.rpcUp = true
    status.lastError = undefined
  }
  const failed = (error: unknown) => {
    status.rpcUp = false
    status.lastError = describeError(error)
    onError(error)
  }
  /**
   * Runs `read` until it succeeds or the indexer stops (then resolves undefined). An error
   * `passing` says is not ends the run.
   */
  const retry = async <T>(
    read: () => Promise<T>,
    passing: (error: unknown) => boolean = () => true,
  ): Promise<T | undefined> => {
    while (!signal.aborted) {
      try {
        const value = await read()
        ok()
        return value
      } catch (error) {
        if (signal.aborted) return undefined
        // Not a passing failure: the index is of another chain; stop, and say so.
        if (isDashboardError(error) && error.code === 'CHAIN_MISMATCH') throw error
        if (!passing(error)) throw error
        failed(error)
        await sleep(retryMs, signal)
      }
    }
    return undefined
  }

  const commit = async (rows: BlockRows) => {
    if (signal.aborted) return
    // A store that cannot be reached (PostgreSQL down) is waited for like the node: the block
    // is written once it answers, never skipped.
    if ((await retry(() => store.commitBlock(rows), isPostgresUnavailable)) === undefined) return
    // Written now or before (false): either way the cursor is at least this height.
    if (rows.height > status.indexedHeight) status.indexedHeight = rows.height
    if (status.chainHeight === undefined || status.chainHeight < rows.height)
      status.chainHeight = rows.height
    for (const waiter of waiters) {
      if (status.indexedHeight >= waiter.height) {
        waiters.delete(waiter)
        waiter.resolve()
      }
    }
    onCommit(rows.height)
  }

  /** A block's rows; the block itself (for its time) is read only when it settled something. */
  const fetchRows = async (height: bigint, time?: Date): Promise<BlockRows> => {
    const rows = readBlockRows(await client.getBlockResults({ height }), time?.getTime() ?? 0)
    if (time === undefined && rows.settlements.length > 0)
      rows.timeMs = (await client.getBlock({ height })).time.getTime()
    return rows
  }

  // The chain ID alone does not tell a devnet started again from genesis from the one indexed:
  // the hash of the first indexed block does.
  const checkChain = async () => {
    const chainId = await client.getChainId()
    const anchorHeight = BigInt(
      (await store.getMeta('anchor_height')) ?? parameters.fromHeight ?? 1n,
    )
    const anchorHash = Buffer.from((await client.getBlock({ height: anchorHeight })).hash).toString(
      'hex',
    )
    const known = {
      chainId: await store.getMeta('chain_id'),
      hash: await store.getMeta('anchor_hash'),
    }
    if (known.chainId === undefined) {
      await store.setMeta('chain_id', chainId)
      await store.setMeta('anchor_height', String(anchorHeight))
      await store.setMeta('anchor_hash', anchorHash)
    } else if (known.chainId !== chainId || known.hash !== anchorHash) {
      throw new DashboardError('CHAIN_MISMATCH', 'The index belongs to another chain.', {
        details: `index: ${known.chainId}, block ${anchorHeight} ${known.hash}; node: ${chainId}, ${anchorHash}`,
      })
    }
    status.chainId = chainId
  }

  const snapshotNetwork = async () => {
    const height = await client.getCommittedHeight()
    const [services, suppliers, applications, gateways] = await Promise.all([
      client.getServices(),
      client.getSuppliers(),
      client.getApplications(),
      client.getGateways(),
    ])
    const stake = (coin: { amount: string } | undefined) =>
      parseCoinAmount(coin?.amount ?? '').amount
    await store.replaceNetwork({
      height,
      services: services.map((s) => ({
        id: s.id,
        name: s.name,
        owner: s.ownerAddress,
        computeUnitsPerRelay: s.computeUnitsPerRelay,
      })),
      suppliers: suppliers.map((s) => ({
        operator: s.operatorAddress,
        owner: s.ownerAddress,
        stakeUpokt: stake(s.stake),
        services: s.services.map((c) => c.serviceId),
      })),
      applications: applications.map((a) => ({
        address: a.address,
        stakeUpokt: stake(a.stake),
        services: a.serviceConfigs.map((c) => c.serviceId),
        gateways: a.delegateeGatewayAddresses,
      })),
      gateways: gateways.map((g) => ({ address: g.address, stakeUpokt: stake(g.stake) })),
    })
  }

  const networkLoop = async () => {
    while (!signal.aborted) {
      await retry(snapshotNetwork)
      await sleep(networkIntervalMs, signal)
    }
  }

  // Catch up with a window of reads in flight, committing in height order.
  const catchUp = async () => {
    for (;;) {
      const target = await retry(() => client.getCommittedHeight())
      if (target === undefined) return
      status.chainHeight = target
      const cursor = await retry(() => store.getHeight(), isPostgresUnavailable)
      if (cursor === undefined) return
      let next = cursor + 1n
      if (cursor === 0n && parameters.fromHeight !== undefined) next = parameters.fromHeight
      if (next > target) return
      const pending = new Map<bigint, Promise<BlockRows | undefined>>()
      const fetch = (height: bigint) => retry(() => fetchRows(height))
      for (let h = next; h <= target && h < next + BigInt(concurrency); h++)
        pending.set(h, fetch(h))
      for (let h = next; h <= target; h++) {
        const rows = await pending.get(h)
        pending.delete(h)
        if (rows === undefined) return
        const ahead = h + BigInt(concurrency)
        if (ahead <= target) pending.set(ahead, fetch(ahead))
        await commit(rows)
      }
    }
  }

  let unwatch: (() => void) | undefined
  const run = async () => {
    const start = await retry(
      async () => ({
        height: await store.getHeight(),
        chainId: await store.getMeta('chain_id'),
      }),
      isPostgresUnavailable,
    )
    if (start === undefined) return
    status.indexedHeight = start.height
    status.chainId ??= start.chainId
    await retry(checkChain)
    if (signal.aborted) return
    void networkLoop()
    await catchUp()
    if (signal.aborted) return
    unwatch = client.watchBlocks({
      fromHeight: status.indexedHeight + 1n,
      onBlock: async (block) => {
        ok()
        // From the cursor, not from the block: a height the watch gave up on (it moves on
        // after a failed onBlock) is filled in here rather than lost.
        const cursor = await retry(() => store.getHeight(), isPostgresUnavailable)
        if (cursor === undefined) return
        for (let height = cursor + 1n; height <= block.height; height++) {
          const time = height === block.height ? block.time : undefined
          const rows = await retry(() => fetchRows(height, time))
          if (rows === undefined) return
          await commit(rows)
        }
      },
      onError: failed,
      signal,
    })
  }
  const running = run().catch((error) => {
    failed(error)
  })

  return {
    status: () => ({ ...status }),
    waitForHeight: (height, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        if (status.indexedHeight >= height) return resolve()
        const waiter = {
          height,
          resolve: () => {
            clearTimeout(timer)
            resolve()
          },
        }
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(
            new DashboardError('INTERNAL', `The index did not reach height ${height}.`, {
              details: `at ${status.indexedHeight}; ${status.lastError ?? 'no error'}`,
            }),
          )
        }, timeoutMs)
        waiters.add(waiter)
      }),
    stop: async () => {
      controller.abort()
      unwatch?.()
      await running
    },
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => {})
}
