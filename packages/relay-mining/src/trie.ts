import { equalBytes } from '@decai/core'
import { copy, firstDifferentBit, flipBit, getBit, isU64, readU64, writeU64 } from './bytes.js'
import { SmstError } from './errors.js'
import {
  DIGEST_SIZE,
  digestChain,
  digestInner,
  digestPreimage,
  EXTENSION_PREFIX,
  encodeExtension,
  encodeInner,
  HASH_SIZE,
  hashPath,
  INNER_PREFIX,
  LEAF_PREFIX,
  MAX_DEPTH,
  META_SIZE,
  PATH_SIZE,
  PLACEHOLDER,
} from './hasher.js'
import type { NodeStore } from './node-store.js'
import type { ClosestProof } from './proof.js'

// The trie is kept in its canonical compressed form: a leaf sits at the shallowest depth where
// it is alone, and a branch exists only where two non-empty subtries split. The single-child
// inner nodes between a branch and its parent (smt's extension nodes) are implicit: their
// digests are computed on demand from the branch's path. Roots and proofs are therefore a
// function of the leaf set alone, exactly as smt computes them whatever its internal history.

type Leaf = {
  kind: 0
  path: Uint8Array
  /**
   * The leaf as smt hashes and stores it: 00 ‖ path (32 B) ‖ value ‖ weight (8 B) ‖ count = 1
   * (8 B). Kept whole so that hashing it needs no copy.
   */
  record: Uint8Array
  digest: Uint8Array | undefined
  /** Stored in the node store under `digest`. */
  persisted: boolean
}

type Branch = {
  kind: 1
  /** Depth of the split: children differ at this bit. */
  bit: number
  /** Bits [0, bit) are the common prefix of every leaf below. */
  path: Uint8Array
  left: Node
  right: Node
  /** Digest of the inner node at depth `bit`. */
  digest: Uint8Array | undefined
  persisted: boolean
  /** Cached digest of the chain above, seen from depth `edgeFrom`. */
  edge: Uint8Array | undefined
  edgeFrom: number
  /** Key of the extension record stored for the chain above, if any. */
  storedEdge: Uint8Array | undefined
}

/** A committed subtrie not loaded yet; `digest` is as seen from its parent. */
type Lazy = { kind: 2; digest: Uint8Array }

type Node = Leaf | Branch | Lazy
type Loaded = Leaf | Branch

export type SmstOptions = {
  /** Where `commit` writes nodes and from where a reopened trie reads them. */
  store?: NodeStore
  /** A committed root (48 bytes) to reopen from `store`. */
  root?: Uint8Array
}

export type SmstEntry = {
  /** The value stored for the key (for a mined relay: the relay bytes). */
  value: Uint8Array
  weight: bigint
}

/**
 * A sparse Merkle sum trie, byte-compatible with pokt-network/smt v0.14.1 as poktroll uses it:
 * SHA-256 paths and nodes, values stored unhashed, 48-byte digests (hash ‖ sum ‖ count).
 *
 * Changes live in memory until `commit` writes them to the node store. Hashing is lazy: `root`
 * and `proveClosest` hash only what changed since the last call.
 */
export class Smst {
  readonly #store: NodeStore | undefined
  #root: Node | undefined
  #orphans: Uint8Array[] = []
  #loaded = 0
  /** Where new leaf records are carved from (see `#allocateRecord`). */
  #slab = new Uint8Array(0)
  #slabUsed = 0

  constructor(options: SmstOptions = {}) {
    this.#store = options.store
    const { root } = options
    if (root === undefined) return
    if (!(root instanceof Uint8Array) || root.length !== DIGEST_SIZE)
      throw new SmstError('INVALID_ARGUMENT', 'Root must be 48 bytes.')
    if (equalBytes(root, PLACEHOLDER)) return
    if (!this.#store) throw new SmstError('INVALID_ARGUMENT', 'Reopening a root needs a store.')
    this.#root = { kind: 2, digest: copy(root) }
  }

  /** Inserts or replaces the leaf for `key`. */
  update(key: Uint8Array, value: Uint8Array, weight: bigint): void {
    assertBytes(key, 'key')
    assertBytes(value, 'value')
    if (!isU64(weight)) throw new SmstError('INVALID_ARGUMENT', 'Weight must be a uint64 bigint.')
    const path = hashPath(key)
    const record = this.#allocateRecord(LEAF_VALUE_OFFSET + value.length + META_SIZE)
    record[0] = LEAF_PREFIX
    record.set(path, 1)
    record.set(value, LEAF_VALUE_OFFSET)
    writeU64(record, LEAF_VALUE_OFFSET + value.length, weight)
    record[record.length - 1] = 1
    this.#insert(path, record)
  }

  /** The value and weight stored for `key`, or `undefined` if it has no leaf. */
  get(key: Uint8Array): SmstEntry | undefined {
    assertBytes(key, 'key')
    const path = hashPath(key)
    let slot: Slot = { parent: undefined, right: false }
    let node = this.#root
    let from = 0
    while (node !== undefined) {
      const n = this.#load(node, from, path, slot)
      if (n.kind === 0) {
        if (!equalBytes(n.path, path)) return undefined
        const end = n.record.length - META_SIZE
        return { value: n.record.slice(LEAF_VALUE_OFFSET, end), weight: readU64(n.record, end) }
      }
      if (firstDifferentBit(path, n.path, from, n.bit) < n.bit) return undefined
      const right = getBit(path, n.bit) === 1
      slot = { parent: n, right }
      node = right ? n.right : n.left
      from = n.bit + 1
    }
    return undefined
  }

  /** Removes the leaf for `key`; returns whether there was one. */
  delete(key: Uint8Array): boolean {
    assertBytes(key, 'key')
    const path = hashPath(key)
    if (this.#root === undefined) return false
    const stack: Branch[] = []
    let slot: Slot = { parent: undefined, right: false }
    let node: Node = this.#root
    let from = 0
    for (;;) {
      const n = this.#load(node, from, path, slot)
      if (n.kind === 0) {
        if (!equalBytes(n.path, path)) return false
        this.#orphan(n)
        break
      }
      if (firstDifferentBit(path, n.path, from, n.bit) < n.bit) return false
      stack.push(n)
      const right = getBit(path, n.bit) === 1
      slot = { parent: n, right }
      node = right ? n.right : n.left
      from = n.bit + 1
    }
    const parent = stack.pop()
    if (parent === undefined) {
      this.#root = undefined
      return true
    }
    // The parent disappears and the sibling takes its place, one or more levels up.
    const siblingRight = getBit(path, parent.bit) === 0
    const siblingPath = path.slice()
    flipBit(siblingPath, parent.bit)
    const sibling = this.#load(
      siblingRight ? parent.right : parent.left,
      parent.bit + 1,
      siblingPath,
      {
        parent,
        right: siblingRight,
      },
    )
    this.#orphan(parent)
    const grand = stack[stack.length - 1]
    this.#setSlot({ parent: grand, right: grand ? getBit(path, grand.bit) === 1 : false }, sibling)
    for (const b of stack) this.#dirty(b)
    return true
  }

  /** The 48-byte root: sha256 digest ‖ total weight (sum) ‖ leaf count, both uint64 big-endian. */
  root(): Uint8Array {
    return this.#root === undefined ? PLACEHOLDER.slice() : this.#edge(this.#root, 0).slice()
  }

  /** Total weight of all leaves (uint64, wrapping as in Go). */
  sum(): bigint {
    return readU64(this.#rootDigest(), HASH_SIZE)
  }

  /** Number of leaves. */
  count(): bigint {
    return readU64(this.#rootDigest(), HASH_SIZE + 8)
  }

  /**
   * Proves the leaf whose path shares the longest prefix with `path` (32 bytes), as smt's
   * `ProveClosest` does: walk down along `path`, taking the other branch wherever `path` leads
   * into an empty subtrie.
   */
  proveClosest(path: Uint8Array): ClosestProof {
    if (!(path instanceof Uint8Array) || path.length !== PATH_SIZE)
      throw new SmstError('INVALID_ARGUMENT', 'A closest-proof path must be 32 bytes.', {
        details: `got ${path instanceof Uint8Array ? `${path.length} bytes` : typeof path}`,
      })
    if (this.#root === undefined) {
      // smt's answer for an empty trie: the placeholder as path, bit 0 "flipped".
      return {
        path: copy(path),
        flippedBits: [0],
        depth: 0,
        closestPath: PLACEHOLDER.slice(),
        closestValueHash: undefined,
        closestProof: { sideNodes: [], nonMembershipLeafData: undefined, siblingData: undefined },
      }
    }
    const working = copy(path)
    const flippedBits: number[] = []
    const sides: Uint8Array[] = []
    let sibling: { node: Node; from: number; path: Uint8Array } | undefined
    let slot: Slot = { parent: undefined, right: false }
    let node: Node = this.#root
    let from = 0
    for (;;) {
      const n = this.#load(node, from, working, slot)
      if (n.kind === 0) {
        node = n
        break
      }
      // Inside the chain above a branch one side is empty: follow the other one.
      for (let d = from; d < n.bit; d++) {
        if (getBit(working, d) !== getBit(n.path, d)) {
          flipBit(working, d)
          flippedBits.push(d)
        }
        sides.push(PLACEHOLDER)
      }
      const right = getBit(working, n.bit) === 1
      const other = right ? n.left : n.right
      const otherPath = working.slice()
      flipBit(otherPath, n.bit)
      sibling = { node: other, from: n.bit + 1, path: otherPath }
      sides.push(this.#edge(other, n.bit + 1))
      slot = { parent: n, right }
      node = right ? n.right : n.left
      from = n.bit + 1
    }
    const leaf = node as Leaf
    let siblingData: Uint8Array | undefined
    if (sibling) {
      const parent = slot.parent as Branch
      const s = this.#load(sibling.node, sibling.from, sibling.path, {
        parent,
        right: !slot.right,
      })
      siblingData = this.#encode(s, sibling.from)
    }
    return {
      path: copy(path),
      flippedBits,
      depth: sides.length,
      closestPath: leaf.path.slice(),
      closestValueHash: leaf.record.slice(LEAF_VALUE_OFFSET),
      closestProof: { sideNodes: sides.reverse(), nonMembershipLeafData: undefined, siblingData },
    }
  }

  /**
   * Writes every node changed since the last commit to the store and deletes the ones that
   * left the trie, in one `NodeStore.write`. Without a store it only hashes.
   */
  commit(): void {
    if (this.#root === undefined) {
      this.#flush([])
      return
    }
    this.#edge(this.#root, 0)
    const sets: [Uint8Array, Uint8Array][] = []
    if (this.#store) this.#commitEdge(this.#root, 0, sets)
    this.#flush(sets)
  }

  /**
   * Forgets every committed node held in memory; they are read back from the store when needed.
   * Keeps memory bounded for large tries. Call it after `commit` (uncommitted changes stay).
   */
  evict(): void {
    if (!this.#store || this.#root === undefined || this.#root.kind === 2) return
    if (!this.#isClean(this.#root)) return
    this.#root = { kind: 2, digest: this.#edge(this.#root, 0) }
    this.#loaded = 0
  }

  /** Nodes created or loaded since the trie was opened or last evicted (a memory gauge). */
  get loadedNodes(): number {
    return this.#loaded
  }

  #rootDigest(): Uint8Array {
    return this.#root === undefined ? PLACEHOLDER : this.#edge(this.#root, 0)
  }

  /**
   * Room for a new leaf record. Records are carved out of shared 64 KiB slabs: one typed array
   * with its own backing store per leaf costs more than the rest of an update (V8 allocates and
   * tracks every backing store outside its heap). Slab space is never reused, so a record stays
   * immutable; a slab is freed once no leaf refers to it.
   */
  #allocateRecord(size: number): Uint8Array {
    if (size > SLAB_SIZE / 8) return new Uint8Array(size)
    if (this.#slabUsed + size > this.#slab.length) {
      this.#slab = new Uint8Array(SLAB_SIZE)
      this.#slabUsed = 0
    }
    const record = this.#slab.subarray(this.#slabUsed, this.#slabUsed + size)
    this.#slabUsed += size
    return record
  }

  #insert(path: Uint8Array, record: Uint8Array): void {
    const leaf: Leaf = { kind: 0, path, record, digest: undefined, persisted: false }
    this.#loaded++
    if (this.#root === undefined) {
      this.#root = leaf
      return
    }
    // An insert always changes every branch on its way down, so they are marked as it goes.
    let parent: Branch | undefined
    let right = false
    let node: Node = this.#root
    let from = 0
    for (;;) {
      const n: Loaded = node.kind === 2 ? this.#loadInto(node, from, path, parent, right) : node
      if (n.kind === 0) {
        if (equalBytes(n.path, path)) {
          this.#orphan(n)
          this.#put(parent, right, leaf)
        } else {
          const bit = firstDifferentBit(path, n.path, from, MAX_DEPTH)
          this.#put(parent, right, this.#branch(bit, path, leaf, n))
        }
        return
      }
      const bit = firstDifferentBit(path, n.path, from, n.bit)
      if (bit < n.bit) {
        // The new leaf leaves the chain above `n`: split it with a branch at `bit`. The branch
        // keeps `n`'s path, as smt's extension split keeps the extension's path.
        this.#put(parent, right, this.#branch(bit, n.path, leaf, n))
        return
      }
      this.#dirty(n)
      parent = n
      right = getBit(path, n.bit) === 1
      node = right ? n.right : n.left
      from = n.bit + 1
    }
  }

  /** A new branch at `bit` over `leaf` and `other`, which differ at that bit. */
  #branch(bit: number, path: Uint8Array, leaf: Leaf, other: Loaded): Branch {
    const leafRight = getBit(leaf.path, bit) === 1
    this.#loaded++
    return {
      kind: 1,
      bit,
      path,
      left: leafRight ? other : leaf,
      right: leafRight ? leaf : other,
      digest: undefined,
      persisted: false,
      edge: undefined,
      edgeFrom: 0,
      storedEdge: undefined,
    }
  }

  #setSlot(slot: Slot, node: Node): void {
    this.#put(slot.parent, slot.right, node)
  }

  #put(parent: Branch | undefined, right: boolean, node: Node): void {
    if (parent === undefined) this.#root = node
    else if (right) parent.right = node
    else parent.left = node
  }

  /** Marks a branch as changed: its stored records become orphans, its digests stale. */
  #dirty(b: Branch): void {
    if (b.persisted) {
      this.#orphans.push(b.digest as Uint8Array)
      b.persisted = false
    }
    b.digest = undefined
    b.edge = undefined
  }

  /** Records that a node left the trie. */
  #orphan(n: Loaded): void {
    if (n.persisted) {
      this.#orphans.push(n.digest as Uint8Array)
      n.persisted = false
    }
    if (n.kind === 1 && n.storedEdge) {
      this.#orphans.push(n.storedEdge)
      n.storedEdge = undefined
    }
  }

  /** The digest of the subtrie rooted at `n` as seen from depth `from` (its parent's child). */
  #edge(n: Node, from: number): Uint8Array {
    if (n.kind === 2) return n.digest
    if (n.kind === 0) {
      if (n.digest === undefined) n.digest = digestPreimage(n.record)
      return n.digest
    }
    const d = this.#branchDigest(n)
    if (from === n.bit) return d
    if (n.edge === undefined || n.edgeFrom !== from) {
      n.edge = digestChain(d, n.path, from, n.bit)
      n.edgeFrom = from
    }
    return n.edge
  }

  #branchDigest(b: Branch): Uint8Array {
    if (b.digest === undefined) {
      const from = b.bit + 1
      b.digest = digestInner(this.#edge(b.left, from), this.#edge(b.right, from))
    }
    return b.digest
  }

  /** Serialization of `n` seen from depth `from`, as smt stores it and puts it in proofs. */
  #encode(n: Loaded, from: number): Uint8Array {
    if (n.kind === 0) return copy(n.record)
    const digest = this.#branchDigest(n)
    if (from < n.bit) return encodeExtension(from, n.bit, n.path, digest)
    const child = n.bit + 1
    return encodeInner(this.#edge(n.left, child), this.#edge(n.right, child))
  }

  #commitEdge(n: Node, from: number, sets: [Uint8Array, Uint8Array][]): void {
    if (n.kind === 2) return
    if (n.kind === 0) {
      if (!n.persisted) {
        sets.push([n.digest as Uint8Array, copy(n.record)])
        n.persisted = true
      }
      return
    }
    if (!n.persisted) {
      const child = n.bit + 1
      this.#commitEdge(n.left, child, sets)
      this.#commitEdge(n.right, child, sets)
      sets.push([n.digest as Uint8Array, this.#encode(n, n.bit)])
      n.persisted = true
    }
    // The chain above a branch is stored as an extension record under the chain's digest.
    const edge = from < n.bit ? this.#edge(n, from) : undefined
    if (n.storedEdge !== undefined && (edge === undefined || !equalBytes(n.storedEdge, edge))) {
      this.#orphans.push(n.storedEdge)
      n.storedEdge = undefined
    }
    if (edge !== undefined && n.storedEdge === undefined) {
      sets.push([edge, encodeExtension(from, n.bit, n.path, n.digest as Uint8Array)])
      n.storedEdge = edge
    }
  }

  #flush(sets: [Uint8Array, Uint8Array][]): void {
    const deletes = this.#orphans
    this.#orphans = []
    if (!this.#store || (deletes.length === 0 && sets.length === 0)) return
    try {
      this.#store.write({ deletes, sets })
    } catch (cause) {
      throw new SmstError('STORE_FAILED', 'The node store failed to write a commit.', { cause })
    }
  }

  #isClean(n: Node): boolean {
    if (n.kind === 2) return true
    if (n.kind === 0) return n.persisted
    return n.persisted && this.#isClean(n.left) && this.#isClean(n.right)
  }

  /**
   * Replaces a lazy node by the node it stands for, reading the store, and puts the loaded node
   * into `slot`. `from` is the depth of the slot; `path` agrees with the subtrie on bits [0, from).
   */
  #load(n: Node, from: number, path: Uint8Array, slot: Slot): Loaded {
    return n.kind === 2 ? this.#loadInto(n, from, path, slot.parent, slot.right) : n
  }

  #loadInto(
    n: Lazy,
    from: number,
    path: Uint8Array,
    parent: Branch | undefined,
    right: boolean,
  ): Loaded {
    const loaded = this.#read(n.digest, from, path)
    this.#put(parent, right, loaded)
    return loaded
  }

  #read(digest: Uint8Array, from: number, path: Uint8Array): Loaded {
    const data = this.#get(digest)
    this.#loaded++
    if (data[0] === LEAF_PREFIX && data.length >= 1 + PATH_SIZE + META_SIZE) {
      return {
        kind: 0,
        path: copy(data, 1, 1 + PATH_SIZE),
        record: copy(data),
        digest,
        persisted: true,
      }
    }
    if (data[0] === INNER_PREFIX && data.length === 1 + 2 * DIGEST_SIZE + META_SIZE) {
      return this.#readInner(data, digest, from, path.slice())
    }
    if (data[0] === EXTENSION_PREFIX && data.length === 3 + PATH_SIZE + DIGEST_SIZE + META_SIZE) {
      const start = data[1] as number
      const end = data[2] as number
      if (start === from && end > start) {
        const child = copy(data, 3 + PATH_SIZE, 3 + PATH_SIZE + DIGEST_SIZE)
        // The record's path, with the bits above the chain taken from the walk (they agree in
        // records this trie writes). Keeping the rest keeps proofs' SiblingData as it was.
        const branchPath = copy(data, 3, 3 + PATH_SIZE)
        for (let i = 0; i < start; i++)
          if (getBit(branchPath, i) !== getBit(path, i)) flipBit(branchPath, i)
        const inner = this.#get(child)
        if (inner[0] === INNER_PREFIX && inner.length === 1 + 2 * DIGEST_SIZE + META_SIZE) {
          const b = this.#readInner(inner, child, end, branchPath)
          b.edge = digest
          b.edgeFrom = from
          b.storedEdge = digest
          return b
        }
      }
    }
    throw new SmstError('STORE_FAILED', 'A stored node is malformed.', {
      details: `node ${toShortHex(digest)} at depth ${from}`,
    })
  }

  #readInner(data: Uint8Array, digest: Uint8Array, bit: number, path: Uint8Array): Branch {
    const left = copy(data, 1, 1 + DIGEST_SIZE)
    const right = copy(data, 1 + DIGEST_SIZE, 1 + 2 * DIGEST_SIZE)
    // This trie never stores an inner node with an empty side (that is an extension's job).
    if (equalBytes(left, PLACEHOLDER) || equalBytes(right, PLACEHOLDER) || bit >= MAX_DEPTH)
      throw new SmstError('STORE_FAILED', 'A stored inner node is not canonical.', {
        details: `node ${toShortHex(digest)} at depth ${bit}`,
      })
    return {
      kind: 1,
      bit,
      path,
      left: { kind: 2, digest: left },
      right: { kind: 2, digest: right },
      digest,
      persisted: true,
      edge: undefined,
      edgeFrom: 0,
      storedEdge: undefined,
    }
  }

  #get(digest: Uint8Array): Uint8Array {
    let data: Uint8Array | undefined
    try {
      data = this.#store?.get(digest)
    } catch (cause) {
      throw new SmstError('STORE_FAILED', 'The node store failed to read a node.', { cause })
    }
    if (data === undefined)
      throw new SmstError('STORE_FAILED', 'A node is missing from the store.', {
        details: `node ${toShortHex(digest)}`,
      })
    return data
  }
}

type Slot = { parent: Branch | undefined; right: boolean }

/** Where the value starts in a leaf record (after the prefix byte and the path). */
const LEAF_VALUE_OFFSET = 1 + PATH_SIZE
const SLAB_SIZE = 64 * 1024

function assertBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new SmstError('INVALID_ARGUMENT', `The ${name} must be a Uint8Array.`)
}

function toShortHex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < Math.min(bytes.length, 8); i++)
    s += (bytes[i] as number).toString(16).padStart(2, '0')
  return `${s}…`
}
