import type { GasMeter } from '../store/gas.js'
import type { KVStore } from '../store/kv-store.js'
import type { StoreName, StoreSet } from '../store/multi-store.js'
import type { EventManager } from './events.js'

/** How a piece of state-machine code runs (the SDK's exec modes). */
export type ExecMode = 'check' | 'simulate' | 'deliver' | 'block'

/** The single validator the devnet runs with (it proposes every block). */
export type ValidatorInfo = {
  /** 20-byte consensus address (CometBFT `proposer_address`). */
  consensusAddress: Uint8Array
  /** 32-byte ed25519 consensus public key. */
  consensusPubKey: Uint8Array
  /** `poktvaloper1…` operator address. */
  operatorAddress: string
  /** `pokt1…` account of the operator: where validator rewards go. */
  accountAddress: string
  /** Bonded tokens (uPOKT), the validator's voting power basis. */
  bondedTokens: bigint
  /** Commission rate as an 18-decimal fixed-point integer (0.1 = 10^17). */
  commissionRate: bigint
}

/** Chain-wide facts a context carries. */
export type ChainInfo = {
  chainId: string
  validator: ValidatorInfo
}

/** The block being executed (or, for queries, the last committed one). */
export type BlockInfo = {
  height: bigint
  /** Block time, Unix milliseconds. */
  timeMs: number
  /** The hash of this block (`ctx.HeaderHash()`); what the session module records. */
  hash: Uint8Array
}

/** What every handler, keeper and end-blocker receives (`sdk.Context`). */
export class Context {
  constructor(
    readonly stores: StoreSet,
    readonly block: BlockInfo,
    readonly chain: ChainInfo,
    readonly mode: ExecMode,
    readonly gas: GasMeter,
    readonly events: EventManager,
  ) {}

  store(name: StoreName): KVStore {
    return this.stores.store(name)
  }

  get height(): bigint {
    return this.block.height
  }

  /** The same context over other stores or another event manager. */
  with(overrides: { stores?: StoreSet; events?: EventManager; gas?: GasMeter }): Context {
    return new Context(
      overrides.stores ?? this.stores,
      this.block,
      this.chain,
      this.mode,
      overrides.gas ?? this.gas,
      overrides.events ?? this.events,
    )
  }
}
