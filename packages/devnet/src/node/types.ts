import type { AbciEvent } from '../app/events.js'
import type { TxResult } from '../app/tx.js'
import type { BlockId, CommitSig, Header } from './block-hash.js'

/** A committed block with everything the RPC serves about it. */
export type StoredBlock = {
  height: bigint
  hash: Uint8Array
  blockId: BlockId
  header: Header
  txs: Uint8Array[]
  /** The commit of the previous block (absent for block 1). */
  lastCommit: { height: bigint; blockId: BlockId; signatures: CommitSig[] } | undefined
  txResults: TxResult[]
  finalizeEvents: AbciEvent[]
  /** App hash after executing this block (in the next block's header). */
  appHash: Uint8Array
  /** Size of the block in bytes, as `block_size` reports it. */
  size: number
}

/** A transaction as indexed: where it landed and what it did. */
export type TxRecord = {
  hash: Uint8Array
  height: bigint
  index: number
  tx: Uint8Array
  result: TxResult
}
