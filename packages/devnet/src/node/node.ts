import { EventEmitter } from 'node:events'
import { equalBytes } from '@decai/core'
import { sha256 } from '@noble/hashes/sha2.js'
import { App } from '../app/app.js'
import type { ChainInfo, Context } from '../app/context.js'
import type { TxResult } from '../app/tx.js'
import { DevnetError } from '../errors.js'
import {
  type BlockId,
  type CommitSig,
  encodeHeader,
  type Header,
  hashCommit,
  hashConsensusParams,
  hashHeader,
  hashResults,
  hashTxs,
  hashValidators,
  merkleRoot,
} from './block-hash.js'
import type { ChainStore } from './chain-store.js'
import type { StoredBlock, TxRecord } from './types.js'

/** CometBFT's block protocol version (0.38). */
export const BLOCK_PROTOCOL = 11n
/** Consensus params the devnet reports (CometBFT defaults; no block gas limit). */
export const CONSENSUS_PARAMS = { maxBytes: 22_020_096n, maxGas: -1n }
/** The voting power of the single validator. */
export const VOTING_POWER = 10n

export type NodeOptions = {
  chain: ChainInfo
  store: ChainStore
  /** Genesis state initialisation, run once on an empty store. */
  genesis: (ctx: Context) => void
  genesisTimeMs: number
  /** A fingerprint of the genesis config; a store made from another genesis is refused. */
  genesisDigest: string
}

export type MempoolEntry = { hash: Uint8Array; tx: Uint8Array }

/** Events: `block` (StoredBlock), `tx` (TxRecord), `error` (unknown). */
export class Node extends EventEmitter {
  readonly app: App
  private readonly mempool: MempoolEntry[] = []
  private readonly seen = new Set<string>()
  private latest: StoredBlock | undefined
  private producing = false

  constructor(private readonly options: NodeOptions) {
    super()
    this.app = new App(options.chain)
    const { store } = options
    const digest = store.getMeta('genesis_digest')
    if (digest === undefined) {
      this.app.initChain(options.genesis, options.genesisTimeMs)
      store.commitBlock(this.app.committed, undefined, [], {
        genesis_digest: options.genesisDigest,
        chain_id: options.chain.chainId,
        genesis_time_ms: String(options.genesisTimeMs),
        genesis_app_hash: Buffer.from(this.app.last.appHash).toString('hex'),
      })
      this.produceBlock()
      return
    }
    if (digest !== options.genesisDigest) {
      throw new DevnetError('INVALID_STORE', 'The store holds a chain made from another genesis.', {
        details: 'use a fresh data directory, or the config the store was created with',
      })
    }
    store.loadState(this.app.committed)
    const height = BigInt(store.getMeta('last_height') ?? '0')
    const block = height > 0n ? store.getBlock(height) : undefined
    if (!block) throw new DevnetError('INVALID_STORE', 'The store has no committed block.')
    const appHash = this.app.committed.appHash()
    if (!equalBytes(appHash, block.appHash)) {
      throw new DevnetError(
        'INVALID_STORE',
        'The restored state does not match the last app hash.',
        {
          details: `stored ${hex(block.appHash)}, recomputed ${hex(appHash)}`,
        },
      )
    }
    this.latest = block
    this.app.restore({ height, timeMs: timeMsOf(block.header), hash: block.hash, appHash })
  }

  get chainId(): string {
    return this.options.chain.chainId
  }

  get height(): bigint {
    return this.latest?.height ?? 0n
  }

  get latestBlock(): StoredBlock | undefined {
    return this.latest
  }

  get store(): ChainStore {
    return this.options.store
  }

  getBlock(height: bigint): StoredBlock | undefined {
    if (this.latest && height === this.latest.height) return this.latest
    return this.options.store.getBlock(height)
  }

  getTx(hash: Uint8Array): TxRecord | undefined {
    return this.options.store.getTx(hash)
  }

  get pendingTxs(): readonly MempoolEntry[] {
    return this.mempool
  }

  /** CheckTx, then into the mempool when it passes. Throws for a duplicate. */
  submitTx(tx: Uint8Array): { hash: Uint8Array; check: TxResult } {
    const hash = sha256(tx)
    const key = hex(hash)
    if (this.seen.has(key)) throw new DevnetError('RPC_FAILED', 'tx already exists in cache')
    const check = this.app.checkTx(tx)
    if (check.code === 0) {
      this.seen.add(key)
      this.mempool.push({ hash, tx })
    }
    return { hash, check }
  }

  /** Produces and commits one block with the mempool's transactions. */
  produceBlock(): StoredBlock {
    if (this.producing) throw new DevnetError('BLOCK_FAILED', 'A block is already being produced.')
    this.producing = true
    try {
      return this.buildBlock()
    } finally {
      this.producing = false
    }
  }

  private buildBlock(): StoredBlock {
    const { chain, store } = this.options
    const previous = this.latest
    const height = (previous?.height ?? 0n) + 1n
    const txs = this.mempool.splice(0, this.mempool.length).map((e) => e.tx)
    const previousMs = previous ? timeMsOf(previous.header) : this.options.genesisTimeMs
    const timeMs = Math.max(Date.now(), previousMs + 1)
    const time = { seconds: BigInt(Math.floor(timeMs / 1000)), nanos: (timeMs % 1000) * 1_000_000 }
    const emptyId: BlockId = { hash: new Uint8Array(), parts: { total: 0, hash: new Uint8Array() } }
    const lastCommit = previous
      ? {
          height: previous.height,
          blockId: previous.blockId,
          signatures: [this.commitSig(previous, time)],
        }
      : undefined
    const validators = hashValidators([
      { pubKey: chain.validator.consensusPubKey, power: VOTING_POWER },
    ])
    const header: Header = {
      version: { block: BLOCK_PROTOCOL, app: 0n },
      chainId: chain.chainId,
      height,
      time,
      lastBlockId: previous?.blockId ?? emptyId,
      lastCommitHash: hashCommit(lastCommit?.signatures ?? []),
      dataHash: hashTxs(txs),
      validatorsHash: validators,
      nextValidatorsHash: validators,
      consensusHash: hashConsensusParams(CONSENSUS_PARAMS.maxBytes, CONSENSUS_PARAMS.maxGas),
      appHash: this.app.last.appHash,
      lastResultsHash: hashResults(previous?.txResults ?? []),
      evidenceHash: merkleRoot([]),
      proposerAddress: chain.validator.consensusAddress,
    }
    const hash = hashHeader(header)
    let result: ReturnType<App['executeBlock']>
    try {
      result = this.app.executeBlock({ height, timeMs, hash }, txs)
    } catch (error) {
      // Nothing was committed; keep the transactions for the next attempt.
      this.mempool.unshift(...txs.map((tx) => ({ hash: sha256(tx), tx })))
      throw new DevnetError('BLOCK_FAILED', `Block ${height} failed.`, {
        cause: error,
      })
    }
    const encoded = encodeHeader(header)
    const size = encoded.length + txs.reduce((n, tx) => n + tx.length, 0)
    const block: StoredBlock = {
      height,
      hash,
      blockId: { hash, parts: { total: 1, hash: merkleRoot([encoded, ...txs]) } },
      header,
      txs,
      lastCommit,
      txResults: result.txResults,
      finalizeEvents: result.events,
      appHash: result.appHash,
      size,
    }
    const records: TxRecord[] = txs.map((tx, index) => ({
      hash: sha256(tx),
      height,
      index,
      tx,
      result: result.txResults[index]!,
    }))
    store.commitBlock(this.app.committed, block, records, {
      last_height: String(height),
      last_app_hash: hex(result.appHash),
    })
    this.latest = block
    this.recheckMempool()
    this.emit('block', block)
    for (const record of records) this.emit('tx', record)
    return block
  }

  /** CometBFT's recheck: drop mempool transactions that no longer pass CheckTx. */
  private recheckMempool(): void {
    const keep = this.mempool.splice(0, this.mempool.length)
    for (const entry of keep) {
      if (this.app.checkTx(entry.tx).code === 0) this.mempool.push(entry)
      else this.seen.delete(hex(entry.hash))
    }
  }

  private commitSig(block: StoredBlock, time: { seconds: bigint; nanos: number }): CommitSig {
    // The devnet has no consensus: the "signature" is a digest, not an ed25519 signature.
    const digest = sha256(block.hash)
    const signature = new Uint8Array(64)
    signature.set(digest, 0)
    signature.set(digest, 32)
    return { validatorAddress: this.options.chain.validator.consensusAddress, time, signature }
  }

  /** Resolves when a transaction is committed (or rejects after `timeoutMs`). */
  waitForTx(hash: Uint8Array, timeoutMs: number): Promise<TxRecord> {
    const existing = this.getTx(hash)
    if (existing) return Promise.resolve(existing)
    return new Promise((resolve, reject) => {
      const onTx = (record: TxRecord) => {
        if (!equalBytes(record.hash, hash)) return
        clearTimeout(timer)
        this.off('tx', onTx)
        resolve(record)
      }
      const timer = setTimeout(() => {
        this.off('tx', onTx)
        reject(new DevnetError('RPC_FAILED', 'timed out waiting for tx to be included in a block'))
      }, timeoutMs)
      this.on('tx', onTx)
    })
  }
}

export function timeMsOf(header: Header): number {
  return Number(header.time.seconds) * 1000 + Math.floor(header.time.nanos / 1_000_000)
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}
