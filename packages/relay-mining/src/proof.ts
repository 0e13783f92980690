import { describeError, equalBytes } from '@decai/core'
import { copy, flipBit, getBit, isZero, readU64, setBit } from './bytes.js'
import { SmstError } from './errors.js'
import {
  DIGEST_SIZE,
  digestInner,
  digestPreimage,
  EXTENSION_PREFIX,
  encodeInner,
  encodeLeaf,
  LEAF_PREFIX,
  MAX_DEPTH,
  META_SIZE,
  PATH_SIZE,
  PLACEHOLDER,
} from './hasher.js'

/** smt `SparseMerkleProof`. Side nodes run from the leaf's sibling up to the root's child. */
export type SparseMerkleProof = {
  sideNodes: Uint8Array[]
  nonMembershipLeafData: Uint8Array | undefined
  siblingData: Uint8Array | undefined
}

/** smt `SparseMerkleClosestProof`. */
export type ClosestProof = {
  /** The path the proof was requested for. */
  path: Uint8Array
  /** Depths at which the walk left `path` because its side was empty (ascending). */
  flippedBits: number[]
  /** Depth of the proven leaf. */
  depth: number
  /** Path of the proven leaf. */
  closestPath: Uint8Array
  /** The proven leaf's stored value: relay bytes ‖ weight ‖ count (`undefined` for an empty trie). */
  closestValueHash: Uint8Array | undefined
  closestProof: SparseMerkleProof
}

/** smt `SparseCompactMerkleProof`: placeholder side nodes replaced by bits of `bitMask`. */
export type CompactProof = {
  sideNodes: Uint8Array[]
  nonMembershipLeafData: Uint8Array | undefined
  bitMask: Uint8Array
  numSideNodes: number
  siblingData: Uint8Array | undefined
}

/**
 * smt `SparseCompactMerkleClosestProof`, the structure whose gob encoding is
 * `MsgSubmitProof.proof`. Integers are minimal big-endian byte strings (0 is `[0x00]`).
 */
export type CompactClosestProof = {
  path: Uint8Array
  flippedBits: Uint8Array[]
  depth: Uint8Array
  closestPath: Uint8Array
  closestValueHash: Uint8Array | undefined
  /** `undefined` only in a malformed proof (Go's nil pointer). */
  closestProof: CompactProof | undefined
}

// --- Compaction -------------------------------------------------------------------------------

/** smt `CompactClosestProof`. Throws `INVALID_PROOF` when the proof fails smt's basic checks. */
export function compactClosestProof(proof: ClosestProof): CompactClosestProof {
  const reason = guard(() => closestProofProblem(proof))
  if (reason)
    throw new SmstError('INVALID_PROOF', 'The closest proof is malformed.', { details: reason })
  const { sideNodes } = proof.closestProof
  const bitMask = new Uint8Array(Math.ceil(sideNodes.length / 8))
  const kept: Uint8Array[] = []
  sideNodes.forEach((node, i) => {
    const fixed = fixSize(node)
    if (equalBytes(fixed, PLACEHOLDER)) setBit(bitMask, i)
    else kept.push(fixed)
  })
  return {
    path: proof.path,
    flippedBits: proof.flippedBits.map(intToBytes),
    depth: intToBytes(proof.depth),
    closestPath: proof.closestPath,
    closestValueHash: proof.closestValueHash,
    closestProof: {
      sideNodes: kept,
      nonMembershipLeafData: proof.closestProof.nonMembershipLeafData,
      bitMask,
      numSideNodes: sideNodes.length,
      siblingData: proof.closestProof.siblingData,
    },
  }
}

/** smt `DecompactClosestProof`. Throws `INVALID_PROOF` where Go returns an error or panics. */
export function decompactClosestProof(proof: CompactClosestProof): ClosestProof {
  let out: ClosestProof | undefined
  const reason = guard(() => {
    const r = decompact(proof)
    if (typeof r === 'string') return r
    out = r
    return undefined
  })
  if (reason !== undefined || out === undefined)
    throw new SmstError('INVALID_PROOF', 'The compact closest proof is malformed.', {
      details: reason ?? 'unreadable proof',
    })
  return out
}

function decompact(proof: CompactClosestProof): ClosestProof | string {
  if (proof.path.length !== PATH_SIZE) return `path is ${proof.path.length} bytes, want 32`
  // smt allows as many bytes as it takes to write the trie depth (256): two.
  if (proof.depth.length > 2) return `depth is ${proof.depth.length} bytes, at most 2`
  for (const b of proof.flippedBits)
    if (b.length > 2) return `a flipped bit is ${b.length} bytes, at most 2`
  const compact = proof.closestProof
  if (compact === undefined) return 'closest proof is missing' // a nil dereference in Go
  const n = compact.numSideNodes
  if (!Number.isInteger(n) || n < 0 || n > MAX_DEPTH) return `invalid number of side nodes ${n}`
  if (compact.bitMask.length !== Math.ceil(n / 8))
    return `bit mask is ${compact.bitMask.length} bytes, want ${Math.ceil(n / 8)}`
  if (n > 0 && compact.sideNodes.length !== n - popCount(compact.bitMask))
    return `${compact.sideNodes.length} side nodes for ${n} with ${popCount(compact.bitMask)} placeholders`
  const sideNodes: Uint8Array[] = []
  let next = 0
  for (let i = 0; i < n; i++) {
    if (getBit(compact.bitMask, i) === 1) sideNodes.push(PLACEHOLDER)
    else {
      // Mask bits past `n` still count above, so Go can run out of side nodes here (a panic).
      const node = compact.sideNodes[next++]
      if (node === undefined) return 'bit mask and side nodes disagree'
      sideNodes.push(node)
    }
  }
  return {
    path: proof.path,
    flippedBits: proof.flippedBits.map(bytesToInt),
    depth: bytesToInt(proof.depth),
    closestPath: proof.closestPath,
    closestValueHash: proof.closestValueHash,
    closestProof: {
      sideNodes,
      nonMembershipLeafData: compact.nonMembershipLeafData,
      siblingData: compact.siblingData,
    },
  }
}

// --- Verification -----------------------------------------------------------------------------

export type VerifyClosestProofOptions = {
  /**
   * Also require that the proof is the one `proveClosest(proof.path)` returns: the proven leaf
   * is the closest leaf to `path`, at its real depth, and nothing in the proof is superfluous.
   * The chain does not check this (see the package README); the default `false` accepts
   * exactly what smt's `VerifyClosestProof` accepts.
   */
  strict?: boolean
}

/**
 * smt `VerifyClosestProof` with poktroll's spec (SHA-256, sum trie, values unhashed): the basic
 * validation, then the root recomputed from the closest leaf and its side nodes. Returns `false`
 * wherever Go returns `false`, an error, or panics; never throws.
 */
export function verifyClosestProof(
  proof: ClosestProof,
  root: Uint8Array,
  options: VerifyClosestProofOptions = {},
): boolean {
  let ok = false
  const problem = guard(() => {
    if (closestProofProblem(proof) !== undefined) return 'invalid'
    if (options.strict && !isCanonicalClosestProof(proof, root)) return 'not canonical'
    const computed = verifySumProof(proof)
    ok = computed !== undefined && equalBytes(computed, root)
    return undefined
  })
  return problem === undefined && ok
}

/** Recomputes the root a closest proof commits to, or `undefined` where Go fails. */
function verifySumProof(proof: ClosestProof): Uint8Array | undefined {
  const key = proof.closestPath
  const data = proof.closestValueHash
  // VerifySumProof rebuilds value ‖ sum ‖ count, which is `data` itself; a nil value with a
  // zero sum becomes an empty value, that is a non-membership proof.
  let valueHash: Uint8Array
  if (data === undefined) valueHash = new Uint8Array(0)
  else {
    if (data.length < META_SIZE) return undefined // a negative slice index in Go
    const sumIsZero = isZero(data.subarray(data.length - META_SIZE, data.length - 8))
    valueHash = data.length === META_SIZE && sumIsZero ? new Uint8Array(0) : data
  }
  if (key.length < PATH_SIZE) return undefined // key[:32] panics
  const path = key.subarray(0, PATH_SIZE)
  const { sideNodes, nonMembershipLeafData } = proof.closestProof
  let h: Uint8Array
  if (valueHash.length === 0) {
    if (nonMembershipLeafData === undefined) h = PLACEHOLDER
    else {
      if (nonMembershipLeafData[0] !== LEAF_PREFIX) return undefined // checkPrefix panics
      const other = nonMembershipLeafData.subarray(1, 1 + PATH_SIZE)
      if (equalBytes(other, path)) return undefined // "non-membership proof on related leaf"
      h = digestPreimage(encodeLeaf(other, nonMembershipLeafData.subarray(1 + PATH_SIZE)))
    }
  } else {
    h = digestPreimage(encodeLeaf(path, valueHash))
  }
  const n = sideNodes.length
  for (let i = 0; i < n; i++) {
    // Both are 48 bytes here (h is a digest; side nodes are cut or padded as Go copies them).
    const node = fixSize(sideNodes[i] as Uint8Array)
    h = getBit(path, n - 1 - i) === 0 ? digestInner(h, node) : digestInner(node, h)
  }
  return h
}

/**
 * smt's `validateBasic` for a closest proof and its inner proof; returns why it fails, with
 * Go's panics counted as failures.
 */
function closestProofProblem(proof: ClosestProof): string | undefined {
  if (proof.path.length !== PATH_SIZE) return 'path length'
  if (!Number.isInteger(proof.depth) || proof.depth < 0 || proof.depth > MAX_DEPTH) return 'depth'
  for (const b of proof.flippedBits)
    if (!Number.isInteger(b) || b < 0 || b > proof.depth) return 'flipped bit range'
  const working = copy(proof.path)
  for (const b of proof.flippedBits) {
    if (b >= MAX_DEPTH) return 'flipped bit past the path' // index out of range in Go
    flipBit(working, b)
  }
  if (proof.closestPath.length * 8 < proof.depth) return 'closest path too short'
  for (let i = 0; i < proof.depth; i++)
    if (getBit(working, i) !== getBit(proof.closestPath, i)) return 'closest path prefix'
  return sparseProofProblem(proof.closestProof)
}

function sparseProofProblem(proof: SparseMerkleProof): string | undefined {
  const { sideNodes, nonMembershipLeafData, siblingData } = proof
  if (sideNodes.length > MAX_DEPTH) return 'too many side nodes'
  if (nonMembershipLeafData !== undefined && nonMembershipLeafData.length < 1 + PATH_SIZE)
    return 'non-membership leaf data size'
  if (siblingData === undefined || sideNodes.length === 0) return undefined
  for (const node of sideNodes) if (node.length !== DIGEST_SIZE) return 'side node size'
  const hash = hashSiblingData(siblingData)
  if (hash === undefined || !equalBytes(hash, sideNodes[0] as Uint8Array)) return 'sibling data'
  return undefined
}

/**
 * smt `hashSumSerialization`: the digest of a serialized node. An extension is hashed as the
 * chain of inner nodes it stands for. `undefined` where Go panics.
 */
function hashSiblingData(data: Uint8Array): Uint8Array | undefined {
  if (data.length === 0) return undefined
  if (data[0] !== EXTENSION_PREFIX) {
    if (data.length < META_SIZE) return undefined
    return digestPreimage(data)
  }
  if (data.length < 3 + PATH_SIZE + META_SIZE) return undefined
  const start = data[1] as number
  const end = data[2] as number
  const path = data.subarray(3, 3 + PATH_SIZE)
  const child = data.subarray(3 + PATH_SIZE, data.length - META_SIZE)
  if (end - 1 >= start && child.length < META_SIZE) return undefined
  let h = child
  for (let d = end - 1; d >= start; d--)
    h = digestPreimage(
      getBit(path, d) === 0 ? encodeInner(h, PLACEHOLDER) : encodeInner(PLACEHOLDER, h),
    )
  return h
}

/**
 * What `proveClosest` guarantees and the chain does not check: the leaf is at depth
 * `len(sideNodes)`, the walk left `path` exactly where `path` led into an empty subtrie, and the
 * proof carries nothing else.
 */
function isCanonicalClosestProof(proof: ClosestProof, root: Uint8Array): boolean {
  const { sideNodes, nonMembershipLeafData } = proof.closestProof
  if (nonMembershipLeafData !== undefined) return false
  if (proof.closestValueHash === undefined) {
    // Only the empty trie has no closest leaf; smt describes it with bit 0 flipped.
    return (
      equalBytes(root, PLACEHOLDER) &&
      sideNodes.length === 0 &&
      proof.depth === 0 &&
      proof.flippedBits.length === 1 &&
      proof.flippedBits[0] === 0 &&
      equalBytes(proof.closestPath, PLACEHOLDER)
    )
  }
  const value = proof.closestValueHash
  // A leaf holds its value, its weight and a count of exactly one.
  if (value.length < META_SIZE || readU64(value, value.length - 8) !== 1n) return false
  if (proof.closestPath.length !== PATH_SIZE || proof.depth !== sideNodes.length) return false
  if (sideNodes.some((node) => node.length !== DIGEST_SIZE)) return false
  let f = 0
  for (let d = 0; d < proof.depth; d++) {
    if (getBit(proof.path, d) === getBit(proof.closestPath, d)) continue
    if (proof.flippedBits[f++] !== d) return false
    // Leaving the path is only allowed where its side is empty.
    if (!isZero(sideNodes[proof.depth - 1 - d] as Uint8Array)) return false
  }
  return f === proof.flippedBits.length
}

// --- Helpers ----------------------------------------------------------------------------------

/** Go copies side nodes into a digest-sized buffer: shorter ones are zero-padded, longer cut. */
function fixSize(node: Uint8Array): Uint8Array {
  if (node.length === DIGEST_SIZE) return node
  const out = new Uint8Array(DIGEST_SIZE)
  out.set(node.subarray(0, DIGEST_SIZE))
  return out
}

/** smt `intToBytes`: minimal big-endian, 0 as one zero byte. */
function intToBytes(value: number): Uint8Array {
  if (value <= 0) return new Uint8Array(value === 0 ? 1 : 0)
  const out: number[] = []
  for (let v = value; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256)
  return Uint8Array.from(out)
}

/** smt `bytesToInt` for at most two bytes (validated before use). */
function bytesToInt(bytes: Uint8Array): number {
  let v = 0
  for (let i = 0; i < bytes.length; i++) v = v * 256 + (bytes[i] as number)
  return v
}

function popCount(bytes: Uint8Array): number {
  let n = 0
  for (let i = 0; i < bytes.length; i++) {
    let b = bytes[i] as number
    while (b !== 0) {
      b &= b - 1
      n++
    }
  }
  return n
}

/** Runs a check and turns any exception (malformed caller input) into a failure reason. */
function guard(check: () => string | undefined): string | undefined {
  try {
    return check()
  } catch (error) {
    return `unreadable proof (${describeError(error)})`
  }
}
