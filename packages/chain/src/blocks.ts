import { toHex } from '@cosmjs/encoding'
import type { QueryContext } from './abci-query.js'
import { ChainError, isChainError } from './errors.js'
import { parseHeight, toSafeHeight } from './heights.js'
import { getWebsocketUrl } from './rpc.js'
import { type NewBlockSubscription, subscribeNewBlocks } from './websocket.js'

/** An ABCI event as CometBFT 0.38 reports it: attribute keys and values are plain strings. */
export type ChainEvent = {
  readonly type: string
  readonly attributes: readonly { readonly key: string; readonly value: string }[]
}

/** A committed block. */
export type ChainBlock = {
  height: bigint
  /** The block ID hash (what poktroll's `GetBlockHash` returns for this height). */
  hash: Uint8Array
  time: Date
  chainId: string
  appHash: Uint8Array
  proposerAddress: Uint8Array
  txs: Uint8Array[]
}

/**
 * The latest block height (`/status`). CometBFT reports a block as soon as it has stored it,
 * a moment before the application has executed it: for state at that height, use
 * `waitForHeight`, which also waits for the application.
 */
export async function getLatestHeight(ctx: QueryContext): Promise<bigint> {
  const status = await ctx.comet.status()
  return BigInt(status.syncInfo.latestBlockHeight)
}

/**
 * The height the application has committed (`abci_info`): queries and simulations read the
 * state at this height. It can trail `getLatestHeight` by one block for a moment.
 */
export async function getCommittedHeight(ctx: QueryContext): Promise<bigint> {
  const info = await ctx.comet.abciInfo()
  return BigInt(info.lastBlockHeight ?? 0)
}

/** The chain ID the node reports. */
export async function getChainId(ctx: QueryContext): Promise<string> {
  const status = await ctx.comet.status()
  return status.nodeInfo.network
}

/**
 * A block by height (the latest by default).
 *
 * @example const block = await client.getBlock({ height: 5n })
 */
export async function getBlock(
  ctx: QueryContext,
  parameters: { height?: bigint | undefined } = {},
): Promise<ChainBlock> {
  const height =
    parameters.height === undefined ? undefined : toSafeHeight(parseHeight(parameters.height))
  const res = await ctx.comet.block(height)
  const { header, txs } = res.block
  return {
    height: BigInt(header.height),
    hash: res.blockId.hash,
    time: new Date(header.time.getTime()),
    chainId: header.chainId,
    appHash: header.appHash,
    proposerAddress: header.proposerAddress,
    txs: [...txs],
  }
}

/**
 * The block ID hash at a height: the seed poktroll mixes into session IDs and proof paths.
 *
 * @example const seed = await client.getBlockHash({ height: session.header.sessionStartBlockHeight })
 */
export async function getBlockHash(
  ctx: QueryContext,
  parameters: { height: bigint },
): Promise<Uint8Array> {
  return (await getBlock(ctx, parameters)).hash
}

/** The outcome of one transaction in a block. */
export type TxExecution = {
  code: number
  codespace: string
  log: string
  gasWanted: bigint
  gasUsed: bigint
  events: ChainEvent[]
}

/** The results of executing a block: per-transaction outcomes and FinalizeBlock events. */
export type BlockResults = {
  height: bigint
  txResults: TxExecution[]
  /** Begin/end-block events: settlement (`EventClaimSettled`, ...) happens here. */
  finalizeBlockEvents: ChainEvent[]
}

/**
 * A block's execution results (`block_results`).
 *
 * CometBFT stores a block, and `/status` reports its height, before executing it; until
 * `FinalizeBlock` has run, `block_results` for that newest height fails ("could not find results
 * for height"). Such a height is waited for (up to `timeout` ms, 10 s by default), so reading up
 * to the latest height is safe; a missing older height (a pruned node) fails at once.
 */
export async function getBlockResults(
  ctx: QueryContext,
  parameters: { height: bigint; timeout?: number | undefined },
): Promise<BlockResults> {
  const height = toSafeHeight(parseHeight(parameters.height))
  const deadline = Date.now() + (parameters.timeout ?? 10_000)
  let res: Awaited<ReturnType<QueryContext['comet']['blockResults']>>
  for (let attempt = 0; ; attempt++) {
    try {
      res = await ctx.comet.blockResults(height)
      break
    } catch (error) {
      if (!isPendingResults(error) || Date.now() >= deadline) throw error
      if ((await getLatestHeight(ctx)) > BigInt(height)) throw error
      await sleep(Math.min(25 * 2 ** attempt, 250))
    }
  }
  return {
    height: BigInt(res.height),
    txResults: res.results.map(toTxExecution),
    finalizeBlockEvents: res.finalizeBlockEvents.map(copyEvent),
  }
}

// CometBFT's ErrNoABCIResponsesForHeight.
function isPendingResults(error: unknown): boolean {
  return (
    isChainError(error) &&
    error.code === 'RPC_ERROR' &&
    /could not find results for height/i.test(`${error.details ?? ''} ${error.message}`)
  )
}

type CometTxData = {
  readonly code: number
  readonly codespace?: string | undefined
  readonly log?: string | undefined
  readonly gasWanted: bigint
  readonly gasUsed: bigint
  readonly events: readonly ChainEvent[]
}

export function toTxExecution(data: CometTxData): TxExecution {
  return {
    code: data.code,
    codespace: data.codespace ?? '',
    log: data.log ?? '',
    gasWanted: data.gasWanted,
    gasUsed: data.gasUsed,
    events: data.events.map(copyEvent),
  }
}

function copyEvent(event: ChainEvent): ChainEvent {
  return {
    type: event.type,
    attributes: event.attributes.map(({ key, value }) => ({ key, value })),
  }
}

/** A transaction included in a block. */
export type IncludedTx = TxExecution & {
  /** Uppercase hex, as CometBFT and explorers print it. */
  hash: string
  height: bigint
  index: number
  tx: Uint8Array
}

/**
 * A transaction by hash, once included; `NOT_FOUND` while it is not (CometBFT keeps no record of
 * pending or rejected transactions).
 */
export async function getTx(ctx: QueryContext, parameters: { hash: string }): Promise<IncludedTx> {
  const hash = parameters.hash
  if (!/^[0-9a-fA-F]{64}$/.test(hash)) {
    throw new ChainError('INVALID_ARGUMENT', 'A transaction hash is 32 bytes of hex.', {
      details: hash,
    })
  }
  try {
    const res = await ctx.comet.tx({ hash: fromHexBytes(hash) })
    return {
      ...toTxExecution(res.result),
      hash: toHex(res.hash).toUpperCase(),
      height: BigInt(res.height),
      index: res.index,
      tx: res.tx,
    }
  } catch (error) {
    if (isChainError(error) && error.code === 'RPC_ERROR' && /not found/i.test(error.message)) {
      throw new ChainError('NOT_FOUND', `Transaction ${hash.toUpperCase()} not found.`, {
        cause: error,
        txHash: hash.toUpperCase(),
      })
    }
    throw error
  }
}

function fromHexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

// --- Watching blocks ---------------------------------------------------------------------------

export type WatchBlocksParameters = {
  /** Called once per height, in order; the next call waits for a returned promise. */
  onBlock: (block: ChainBlock) => void | Promise<void>
  /**
   * Errors that do not stop the watch: a failed poll, a throwing `onBlock`, and `WEBSOCKET_FAILED`
   * when the subscription cannot connect, fails or stalls (the watch then polls instead).
   */
  onError?: ((error: ChainError) => void) | undefined
  /** The first height to deliver; the next block to be committed by default. */
  fromHeight?: bigint | undefined
  /**
   * `websocket` takes blocks from the `NewBlock` subscription, checking its progress with a slow
   * poll; `auto` (the default) also delivers what that poll finds, so a gap never waits for the
   * watchdog; `polling` asks for the latest height every `pollingInterval`. When the subscription
   * fails, both report `WEBSOCKET_FAILED`, poll at `pollingInterval` and subscribe again later.
   */
  transport?: 'auto' | 'websocket' | 'polling' | undefined
  /** Milliseconds between polls; 1000 by default (five times that while the websocket works). */
  pollingInterval?: number | undefined
  /**
   * Milliseconds the websocket may take to connect, or stay silent while the chain moves on by
   * two blocks, before it counts as failed; 5000 by default.
   */
  websocketTimeout?: number | undefined
  signal?: AbortSignal | undefined
}

/**
 * Calls `onBlock` for every new block, each height exactly once and in order, until the returned
 * function is called or `signal` aborts.
 *
 * @example
 * const unwatch = client.watchBlocks({ onBlock: (b) => console.log(b.height) })
 * // later
 * unwatch()
 */
export function watchBlocks(
  ctx: QueryContext & { rpcUrl: string },
  parameters: WatchBlocksParameters,
): () => void {
  const {
    onBlock,
    onError = () => {},
    transport = 'auto',
    pollingInterval = 1000,
    websocketTimeout = 5000,
  } = parameters
  let stopped = false
  let next = parameters.fromHeight
  let target = 0n
  let pumping = false
  let pollTimer: ReturnType<typeof setTimeout> | undefined
  let polling = false
  // The subscription, while there is one, and what the watchdog knows about it.
  let socket: NewBlockSubscription | undefined
  let socketOpen = false
  let socketFailures = 0
  let socketTimer: ReturnType<typeof setTimeout> | undefined
  let lastSocketAt = 0
  let lastSocketHeight: bigint | undefined
  let latestPolled: bigint | undefined

  const report = (error: unknown) => {
    if (stopped) return
    onError(
      isChainError(error)
        ? error
        : new ChainError('NETWORK_ERROR', 'Watching blocks failed.', {
            cause: error,
          }),
    )
  }

  // Delivers every height up to `target`, one at a time.
  const pump = async () => {
    if (pumping) return
    pumping = true
    try {
      while (!stopped && next !== undefined && next <= target) {
        const block = await getBlock(ctx, { height: next })
        if (stopped) return
        try {
          await onBlock(block)
        } catch (error) {
          report(error)
        }
        next++
      }
    } catch (error) {
      report(error)
    } finally {
      pumping = false
    }
  }

  const advance = (height: bigint) => {
    if (next === undefined) next = height
    if (height > target) target = height
    void pump()
  }

  const schedulePoll = (delay: number) => {
    if (stopped) return
    if (pollTimer) clearTimeout(pollTimer)
    pollTimer = setTimeout(poll, delay)
  }

  const poll = async () => {
    pollTimer = undefined
    if (stopped || polling) return
    polling = true
    try {
      // Committed, not merely stored: `onBlock` may read the state at its height (as after a
      // websocket NewBlock, which CometBFT fires once the block is committed).
      const latest = await getCommittedHeight(ctx)
      latestPolled = latest
      // Without `fromHeight`, start after the block current when the watch began.
      if (next === undefined) next = latest + 1n
      if (transport !== 'websocket' || !socketOpen) advance(latest)
      checkSocketProgress(latest)
    } catch (error) {
      report(error)
    } finally {
      polling = false
    }
    if (transport === 'polling') schedulePoll(pollingInterval)
    else schedulePoll(socketOpen ? pollingInterval * 5 : pollingInterval)
  }

  // A socket that is open but silent while the chain moves on has lost its subscription (cosmjs
  // reconnects without subscribing again) or its node.
  const checkSocketProgress = (latest: bigint) => {
    if (!socket || !socketOpen) return
    const heard = lastSocketHeight ?? latest
    if (lastSocketHeight === undefined) lastSocketHeight = latest
    if (latest >= heard + 2n && Date.now() - lastSocketAt > websocketTimeout) {
      failSocket(
        `no NewBlock event for ${Date.now() - lastSocketAt} ms while the chain went from height ${heard} to ${latest}`,
      )
    }
  }

  const subscribe = () => {
    socketTimer = undefined
    if (stopped) return
    const url = getWebsocketUrl(ctx.rpcUrl)
    const subscription = subscribeNewBlocks(ctx.rpcUrl, {
      onHeight: (height) => {
        if (socket !== subscription) return
        lastSocketAt = Date.now()
        lastSocketHeight = height
        advance(height)
      },
      onFailure: (reason, cause) => {
        if (socket === subscription) failSocket(reason, cause)
      },
    })
    socket = subscription
    socketOpen = false
    lastSocketHeight = undefined
    socketTimer = setTimeout(() => {
      if (socket === subscription && !socketOpen)
        failSocket(`could not open ${url} within ${websocketTimeout} ms`)
    }, websocketTimeout)
    subscription.connected.then(() => {
      if (socket !== subscription || stopped) return
      socketOpen = true
      socketFailures = 0
      lastSocketAt = Date.now()
      lastSocketHeight = latestPolled
      if (socketTimer) clearTimeout(socketTimer)
      socketTimer = undefined
    })
  }

  // Reports the failure once, polls in the meantime and subscribes again with a backoff.
  const failSocket = (reason: string, cause?: unknown) => {
    if (!socket || stopped) return
    socket.close()
    socket = undefined
    socketOpen = false
    if (socketTimer) clearTimeout(socketTimer)
    report(
      new ChainError('WEBSOCKET_FAILED', 'The block subscription failed; polling instead.', {
        details: `${getWebsocketUrl(ctx.rpcUrl)}: ${reason}`,
        cause,
      }),
    )
    const backoff = Math.min(1000 * 2 ** socketFailures, 30_000)
    socketFailures++
    socketTimer = setTimeout(subscribe, backoff)
    schedulePoll(0)
  }

  const stop = () => {
    if (stopped) return
    stopped = true
    if (pollTimer) clearTimeout(pollTimer)
    if (socketTimer) clearTimeout(socketTimer)
    socket?.close()
    socket = undefined
  }

  if (parameters.signal?.aborted) return stop
  parameters.signal?.addEventListener('abort', stop, { once: true })
  if (transport !== 'polling') subscribe()
  void poll()
  return stop
}

/**
 * Resolves with the block at `height` once the application has committed it, so that queries
 * and simulations that follow see the state at `height` (CometBFT's `/status` reports a block
 * a moment before that).
 *
 * @example await client.waitForHeight({ height: session.header.sessionEndBlockHeight + 1n })
 */
export async function waitForHeight(
  ctx: QueryContext,
  parameters: {
    height: bigint
    timeout?: number | undefined
    pollingInterval?: number | undefined
    signal?: AbortSignal | undefined
  },
): Promise<ChainBlock> {
  const { height, timeout = 60_000, pollingInterval = 250, signal } = parameters
  const deadline = Date.now() + timeout
  for (;;) {
    if (signal?.aborted) throw new ChainError('ABORTED', 'Waiting for a height was aborted.')
    const latest = await getCommittedHeight(ctx)
    if (latest >= height) return getBlock(ctx, { height })
    if (Date.now() >= deadline) {
      throw new ChainError('TIMEOUT', `Height ${height} was not reached in ${timeout} ms.`, {
        details: `latest height ${latest}`,
      })
    }
    await sleep(pollingInterval, signal)
  }
}

/** Waits `ms` milliseconds, or less if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
