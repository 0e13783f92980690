// Node hashing of the sparse Merkle sum trie as smt v0.14.1 does it with SHA-256 (internal).
//
// Every digest is 48 bytes: sha256(preimage) ‖ sum (8 B, big-endian) ‖ count (8 B, big-endian).
//   leaf:      00 ‖ path (32) ‖ value ‖ weight (8) ‖ count (8)
//   inner:     01 ‖ left (48) ‖ right (48) ‖ sum (8) ‖ count (8)
//   extension: 02 ‖ start ‖ end ‖ path (32) ‖ child (48) ‖ sum (8) ‖ count (8)   (storage only)
import { addU64Into, getBit } from './bytes.js'
import { sha256, sha256Into } from './sha256.js'

export const HASH_SIZE = 32
export const PATH_SIZE = 32
export const DIGEST_SIZE = 48
export const META_SIZE = 16
/** Maximum trie depth: one level per path bit. */
export const MAX_DEPTH = PATH_SIZE * 8

export const LEAF_PREFIX = 0
export const INNER_PREFIX = 1
export const EXTENSION_PREFIX = 2

/** The digest of an empty subtrie: zero hash, sum 0, count 0. */
export const PLACEHOLDER: Uint8Array = new Uint8Array(DIGEST_SIZE)

export function hashPath(key: Uint8Array): Uint8Array {
  return sha256(key)
}

/** Digest of a serialized node whose last 16 bytes are its sum and count (leaf or inner). */
export function digestPreimage(preimage: Uint8Array): Uint8Array {
  const out = new Uint8Array(HASH_SIZE + META_SIZE)
  sha256Into(preimage, preimage.length, out, 0)
  // A loop, not `set(subarray(…))`: a view per digest is an allocation on the trie's hot path.
  for (let i = 0, m = preimage.length - META_SIZE; i < META_SIZE; i++)
    out[HASH_SIZE + i] = preimage[m + i] as number
  return out
}

export function encodeLeaf(path: Uint8Array, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + path.length + value.length)
  out[0] = LEAF_PREFIX
  out.set(path, 1)
  out.set(value, 1 + path.length)
  return out
}

/**
 * The inner-node preimage for children of any length, as Go builds it: the sum and count are
 * read from each child's last 16 bytes and added with uint64 wrap-around. Callers guarantee
 * both children are at least 16 bytes long.
 */
export function encodeInner(left: Uint8Array, right: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + left.length + right.length + META_SIZE)
  out[0] = INNER_PREFIX
  out.set(left, 1)
  out.set(right, 1 + left.length)
  const meta = 1 + left.length + right.length
  addU64Into(left, left.length - 16, right, right.length - 16, out, meta)
  addU64Into(left, left.length - 8, right, right.length - 8, out, meta + 8)
  return out
}

// The trie hashes millions of 113-byte inner preimages; one scratch buffer avoids an allocation
// per node (JavaScript is single-threaded, and nothing here re-enters).
const innerScratch = new Uint8Array(1 + 2 * DIGEST_SIZE + META_SIZE)
innerScratch[0] = INNER_PREFIX

/** Inner digest of two well-formed 48-byte child digests (the trie's hot path). */
export function digestInner(left: Uint8Array, right: Uint8Array): Uint8Array {
  const out = new Uint8Array(DIGEST_SIZE)
  digestInnerInto(left, right, out)
  return out
}

/** `digestInner` into `out`, which may be `left` or `right` (both are read first). */
function digestInnerInto(left: Uint8Array, right: Uint8Array, out: Uint8Array): void {
  const buf = innerScratch
  buf.set(left, 1)
  buf.set(right, 1 + DIGEST_SIZE)
  addU64Into(left, HASH_SIZE, right, HASH_SIZE, buf, 97)
  addU64Into(left, HASH_SIZE + 8, right, HASH_SIZE + 8, buf, 105)
  sha256Into(buf, buf.length, out, 0)
  for (let i = 0; i < META_SIZE; i++) out[HASH_SIZE + i] = buf[97 + i] as number
}

/**
 * Hashes a subtrie digest up through a chain of single-child inner nodes at depths
 * `end - 1` down to `start`, the child taking the side that `path` names at each depth. This is
 * what an smt extension node stands for; with `start >= end` it returns `digest` unchanged.
 */
export function digestChain(
  digest: Uint8Array,
  path: Uint8Array,
  start: number,
  end: number,
): Uint8Array {
  if (start >= end) return digest
  // One array for the whole chain, hashed over in place level by level.
  const h = new Uint8Array(DIGEST_SIZE)
  h.set(digest)
  for (let d = end - 1; d >= start; d--) {
    if (getBit(path, d) === 0) digestInnerInto(h, PLACEHOLDER, h)
    else digestInnerInto(PLACEHOLDER, h, h)
  }
  return h
}

export function encodeExtension(
  start: number,
  end: number,
  path: Uint8Array,
  child: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(3 + PATH_SIZE + DIGEST_SIZE + META_SIZE)
  out[0] = EXTENSION_PREFIX
  out[1] = start
  out[2] = end
  out.set(path, 3)
  out.set(child, 3 + PATH_SIZE)
  out.set(child.subarray(HASH_SIZE), 3 + PATH_SIZE + DIGEST_SIZE)
  return out
}
