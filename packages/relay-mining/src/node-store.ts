import { toHex } from './bytes.js'

/** The changes one `commit` makes to a node store. */
export type NodeStoreBatch = {
  /** Digests of nodes that are no longer part of the trie. Applied before `sets`. */
  deletes: Uint8Array[]
  /** `[digest, serialized node]` pairs to write. */
  sets: [Uint8Array, Uint8Array][]
}

/**
 * Where a trie keeps its nodes between commits: serialized nodes keyed by their 48-byte digest,
 * in the layout of smt's `MapStore`. Nodes are read lazily, one digest at a time, so a trie
 * reopened from its root only loads the paths it touches.
 */
export interface NodeStore {
  /** The serialized node stored under `digest`, or `undefined` if there is none. */
  get(digest: Uint8Array): Uint8Array | undefined
  /** Applies a commit: every delete, then every set. Durable stores do it atomically. */
  write(batch: NodeStoreBatch): void
}

/** An in-memory `NodeStore` (the counterpart of smt's `simplemap`). */
export class MemoryNodeStore implements NodeStore {
  readonly #nodes = new Map<string, Uint8Array>()

  get(digest: Uint8Array): Uint8Array | undefined {
    return this.#nodes.get(toHex(digest))
  }

  write(batch: NodeStoreBatch): void {
    for (const digest of batch.deletes) this.#nodes.delete(toHex(digest))
    for (const [digest, node] of batch.sets) this.#nodes.set(toHex(digest), node)
  }

  /** Number of stored nodes. */
  get size(): number {
    return this.#nodes.size
  }
}
