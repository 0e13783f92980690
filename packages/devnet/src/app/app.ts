// The state machine: genesis, CheckTx, simulation, block execution (BeginBlock, txs, EndBlock in
// poktroll's module order), commit and queries over the committed state.

import { create, marshal } from '@decai/protocol'
import { GasInfoSchema, ResultSchema } from '@decai/protocol/gen/cosmos/base/abci/v1beta1/abci_pb'
import { EventAttributeSchema, EventSchema } from '@decai/protocol/gen/tendermint/abci/types_pb'
import { endBlockApplication } from '../modules/application/msg-server.js'
import { endBlockGateway } from '../modules/gateway/msg-server.js'
import { endBlockProof } from '../modules/proof/msg-server.js'
import { storeBlockHash } from '../modules/session/keeper.js'
import { beginBlockSupplier, endBlockSupplier } from '../modules/supplier/msg-server.js'
import { endBlockTokenomics } from '../modules/tokenomics/settlement.js'
import { GasMeter } from '../store/gas.js'
import { BranchStoreSet, CommitStore, type StoreSet } from '../store/multi-store.js'
import { AbciError, toAbciError } from './abci-error.js'
import { sdkErrors } from './chain-errors.js'
import { type BlockInfo, type ChainInfo, Context, type ExecMode } from './context.js'
import { type AbciEvent, EventManager } from './events.js'
import { createQueryRouter, type QueryHandler, runQuery } from './query-router.js'
import { runTx, type TxResult } from './tx.js'
import { readFields } from './wire.js'

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
  private readonly queries: ReadonlyMap<string, QueryHandler>
  /** The last committed block. */
  last: BlockInfo & { appHash: Uint8Array }

  constructor(readonly chain: ChainInfo) {
    this.checkState = new BranchStoreSet(this.committed)
    this.last = { height: 0n, timeMs: 0, hash: new Uint8Array(), appHash: this.committed.appHash() }
    this.queries = createQueryRouter({
      '/cosmos.tx.v1beta1.Service/Simulate': (_ctx, data) => this.simulateQuery(data),
    })
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

  private simulateQuery(data: Uint8Array): Uint8Array {
    let txBytes: Uint8Array | undefined
    for (const f of readFields(data)) if (f.no === 2) txBytes = f.value
    if (!txBytes)
      throw new AbciError(
        'sdk',
        18,
        'rpc error: code = InvalidArgument desc = empty txBytes is not allowed: invalid request',
      )
    const result = this.simulate(txBytes)
    if (result.code !== 0) {
      // The simulation service reports failures as a gRPC Unknown status, formatting the error
      // with `%v`, which appends where it was first wrapped.
      const frame = result.frame ? ` [${result.frame}]` : ''
      throw sdkErrors.unknownRequest.wrap(
        `rpc error: code = Unknown desc = ${result.log}${frame} with gas used: '${result.gasUsed}'`,
      )
    }
    const gasInfo = marshal(
      GasInfoSchema,
      create(GasInfoSchema, { gasWanted: result.gasWanted, gasUsed: result.gasUsed }),
    )
    const res = marshal(
      ResultSchema,
      create(ResultSchema, {
        data: result.data,
        events: result.events.map((e) =>
          create(EventSchema, {
            type: e.type,
            attributes: e.attributes.map((a) => create(EventAttributeSchema, a)),
          }),
        ),
      }),
    )
    return concatFields([
      [1, gasInfo],
      [2, res],
    ])
  }

  /**
   * FinalizeBlock and Commit: BeginBlock, each transaction in its own branch, EndBlock in
   * poktroll's order (proof validation, settlement and difficulty, then unbondings), then the
   * block's writes are committed at once.
   */
  executeBlock(block: BlockInfo, txs: Uint8Array[]): BlockResult {
    const state = new BranchStoreSet(this.committed)
    const begin = new EventManager()
    beginBlockSupplier(this.context(state, block, 'block', begin))
    const txResults = txs.map((tx) => runTx(this.context(state, block, 'deliver'), tx, 'deliver'))
    const end = new EventManager()
    const ctx = this.context(state, block, 'block', end)
    storeBlockHash(ctx)
    endBlockProof(ctx)
    endBlockTokenomics(ctx)
    endBlockGateway(ctx)
    endBlockApplication(ctx)
    endBlockSupplier(ctx)
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

  /** A gRPC query through ABCI against the committed state (writes are discarded). */
  query(path: string, data: Uint8Array, height: bigint): QueryResult {
    const latest = this.last.height
    const h = height === 0n ? latest : height
    if (h > latest) {
      const e = sdkErrors.invalidHeight.wrap(
        'cannot query with height in the future; please provide a valid height',
      )
      // The SDK's QueryResult: a failed query reports no height.
      return {
        code: e.code,
        codespace: e.codespace,
        log: e.log,
        value: new Uint8Array(),
        height: 0n,
      }
    }
    const block: BlockInfo = { height: latest, timeMs: this.last.timeMs, hash: this.last.hash }
    try {
      const value = runQuery(
        this.queries,
        this.context(new BranchStoreSet(this.committed), block, 'check'),
        path,
        data,
      )
      return { code: 0, codespace: '', log: '', value, height: h }
    } catch (error) {
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

function concatFields(fields: [number, Uint8Array][]): Uint8Array {
  const parts: number[] = []
  for (const [no, bytes] of fields) {
    parts.push((no << 3) | 2)
    let len = bytes.length
    while (len >= 0x80) {
      parts.push((len & 0x7f) | 0x80)
      len >>>= 7
    }
    parts.push(len)
    parts.push(...bytes)
  }
  return Uint8Array.from(parts)
}
