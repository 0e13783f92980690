// The state machine: genesis, CheckTx, simulation, block execution (BeginBlock, txs, EndBlock in
// poktroll's module order), commit and queries over the committed state.

import { GasMeter } from '../store/gas.js'
import { BranchStoreSet, CommitStore, type StoreSet } from '../store/multi-store.js'
import { toAbciError } from './abci-error.js'
import { sdkErrors } from './chain-errors.js'
import { type BlockInfo, type ChainInfo, Context, type ExecMode } from './context.js'
import { type AbciEvent, EventManager } from './events.js'
import { beginBlock, endBlock, moduleQueryRoutes } from './module-manager.js'
import { QueryRouter } from './query-router.js'
import { runTx, type TxResult } from './tx.js'
import { simulateQueryRoute } from './tx-service.js'

/** What `FinalizeBlock` returns, plus the app hash the commit produced. */
export type BlockResult = {
  txResults: TxResult[]
  /** BeginBlock and EndBlock events, each tagged with its `mode` attribute. */
  events: AbciEvent[]
  appHash: Uint8Array
}

/** An `abci_query` answer. */
export type QueryResult = {
  code: number
  codespace: string
  log: string
  value: Uint8Array
  height: bigint
}

function tagMode(events: AbciEvent[], mode: 'BeginBlock' | 'EndBlock'): AbciEvent[] {
  return events.map((e) => ({
    ...e,
    attributes: [...e.attributes, { key: 'mode', value: mode, index: true }],
  }))
}

export class App {
  readonly committed = new CommitStore()
  private checkState: BranchStoreSet
  /** This app's query table: Simulate runs against this app's state, never another's. */
  readonly queries: QueryRouter
  /** The last committed block. */
  last: BlockInfo & { appHash: Uint8Array }

  constructor(readonly chain: ChainInfo) {
    this.checkState = new BranchStoreSet(this.committed)
    this.last = { height: 0n, timeMs: 0, hash: new Uint8Array(), appHash: this.committed.appHash() }
    this.queries = new QueryRouter([
      ...moduleQueryRoutes(),
      simulateQueryRoute((txBytes) => this.simulate(txBytes)),
    ])
  }

  private context(
    stores: StoreSet,
    block: BlockInfo,
    mode: ExecMode,
    events = new EventManager(),
  ): Context {
    return new Context(stores, block, this.chain, mode, new GasMeter(undefined), events)
  }

  /** Runs genesis initialisation against the committed store (InitChain). */
  initChain(init: (ctx: Context) => void, genesisTimeMs: number): void {
    const block: BlockInfo = { height: 0n, timeMs: genesisTimeMs, hash: new Uint8Array() }
    const stores = new BranchStoreSet(this.committed)
    init(this.context(stores, block, 'block'))
    stores.write()
    this.last = { ...block, appHash: this.committed.appHash() }
    this.checkState = new BranchStoreSet(this.committed)
  }

  /** Restores the last block facts after loading the committed store from disk. */
  restore(last: BlockInfo & { appHash: Uint8Array }): void {
    this.last = last
    this.checkState = new BranchStoreSet(this.committed)
  }

  /**
   * The block CheckTx and simulation run in: the last committed one, as the SDK resets its check
   * state to the committed header (so a claim simulated at height H is judged at H, and included
   * at H + 1).
   */
  private checkBlockInfo(): BlockInfo {
    return { height: this.last.height, timeMs: this.last.timeMs, hash: this.last.hash }
  }

  /** CheckTx: the ante handler against the check state (which accumulates until the next commit). */
  checkTx(txBytes: Uint8Array): TxResult {
    return runTx(this.context(this.checkState, this.checkBlockInfo(), 'check'), txBytes, 'check')
  }

  /** Simulates a transaction on a throwaway branch of the check state. */
  simulate(txBytes: Uint8Array): TxResult {
    const branch = new BranchStoreSet(this.checkState)
    return runTx(this.context(branch, this.checkBlockInfo(), 'simulate'), txBytes, 'simulate')
  }

  /**
   * FinalizeBlock and Commit: BeginBlock, each transaction in its own branch, EndBlock in
   * poktroll's order (proof validation, settlement and difficulty, then unbondings), then the
   * block's writes are committed at once.
   */
  executeBlock(block: BlockInfo, txs: Uint8Array[]): BlockResult {
    const state = new BranchStoreSet(this.committed)
    const begin = new EventManager()
    beginBlock(this.context(state, block, 'block', begin))
    const txResults = txs.map((tx) => runTx(this.context(state, block, 'deliver'), tx, 'deliver'))
    const end = new EventManager()
    const ctx = this.context(state, block, 'block', end)
    endBlock(ctx)
    state.write()
    const appHash = this.committed.appHash()
    this.last = { ...block, appHash }
    this.checkState = new BranchStoreSet(this.committed)
    return {
      txResults,
      events: [...tagMode(begin.events, 'BeginBlock'), ...tagMode(end.events, 'EndBlock')],
      appHash,
    }
  }

  /**
   * The context a query at `height` runs in (0: the latest), and the height it answers for, as
   * the SDK's `CreateQueryContext`: a height above the head fails. The devnet keeps no old
   * versions of its state, so an older height reads the latest state.
   */
  queryContext(height: bigint): { ctx: Context; height: bigint } {
    const latest = this.last.height
    if (height > latest) {
      throw sdkErrors.invalidHeight.wrap(
        'cannot query with height in the future; please provide a valid height',
      )
    }
    const block: BlockInfo = { height: latest, timeMs: this.last.timeMs, hash: this.last.hash }
    return {
      ctx: this.context(new BranchStoreSet(this.committed), block, 'check'),
      height: height === 0n ? latest : height,
    }
  }

  /** A gRPC query through ABCI against the committed state (writes are discarded). */
  query(path: string, data: Uint8Array, height: bigint): QueryResult {
    try {
      const { ctx, height: h } = this.queryContext(height)
      const value = this.queries.run(ctx, path, data)
      return { code: 0, codespace: '', log: '', value, height: h }
    } catch (error) {
      // The SDK's QueryResult: a failed query reports no height.
      const e = toAbciError(error)
      return {
        code: e.code,
        codespace: e.codespace,
        log: e.log,
        value: new Uint8Array(),
        height: 0n,
      }
    }
  }

  /** A read-only context over the committed state, for tests and the programmatic API. */
  readContext(): Context {
    const block: BlockInfo = {
      height: this.last.height,
      timeMs: this.last.timeMs,
      hash: this.last.hash,
    }
    return this.context(new BranchStoreSet(this.committed), block, 'check')
  }
}
