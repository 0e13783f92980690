// CometBFT v0.38 hashing: RFC 6962 merkle roots and `Header.Hash()` over the header fields'
// proto encodings, so block IDs are the real hashes of the headers the devnet serves.

import { sha256 } from '@noble/hashes/sha2.js'
import { ProtoWriter } from './proto-writer.js'

const EMPTY = new Uint8Array()

function leafHash(leaf: Uint8Array): Uint8Array {
  const buf = new Uint8Array(leaf.length + 1)
  buf[0] = 0
  buf.set(leaf, 1)
  return sha256(buf)
}

function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(left.length + right.length + 1)
  buf[0] = 1
  buf.set(left, 1)
  buf.set(right, 1 + left.length)
  return sha256(buf)
}

function splitPoint(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** `merkle.HashFromByteSlices`: SHA-256 of nothing for an empty list. */
export function merkleRoot(items: Uint8Array[]): Uint8Array {
  if (items.length === 0) return sha256(EMPTY)
  if (items.length === 1) return leafHash(items[0]!)
  const k = splitPoint(items.length)
  return innerHash(merkleRoot(items.slice(0, k)), merkleRoot(items.slice(k)))
}

/** A block header with the fields `Header.Hash()` covers. */
export type Header = {
  version: { block: bigint; app: bigint }
  chainId: string
  height: bigint
  /** Unix seconds and nanoseconds. */
  time: { seconds: bigint; nanos: number }
  lastBlockId: BlockId
  lastCommitHash: Uint8Array
  dataHash: Uint8Array
  validatorsHash: Uint8Array
  nextValidatorsHash: Uint8Array
  consensusHash: Uint8Array
  appHash: Uint8Array
  lastResultsHash: Uint8Array
  evidenceHash: Uint8Array
  proposerAddress: Uint8Array
}

export type BlockId = { hash: Uint8Array; parts: { total: number; hash: Uint8Array } }

export function encodeTimestamp(time: { seconds: bigint; nanos: number }): Uint8Array {
  return new ProtoWriter().uint(1, time.seconds).uint(2, time.nanos).finish()
}

export function encodeBlockId(id: BlockId): Uint8Array {
  const parts = new ProtoWriter().uint(1, id.parts.total).bytesField(2, id.parts.hash).finish()
  // PartSetHeader is non-nullable: gogo always writes it.
  return new ProtoWriter().bytesField(1, id.hash).bytesField(2, parts, true).finish()
}

/** `cdcEncode`: a gogo wrapper value (StringValue, Int64Value, BytesValue). */
const wrapBytes = (b: Uint8Array) => new ProtoWriter().bytesField(1, b).finish()
const wrapString = (s: string) => new ProtoWriter().string(1, s).finish()
const wrapInt = (n: bigint) => new ProtoWriter().uint(1, n).finish()

/** CometBFT `Header.Hash()`. */
export function hashHeader(h: Header): Uint8Array {
  return merkleRoot([
    new ProtoWriter().uint(1, h.version.block).uint(2, h.version.app).finish(),
    wrapString(h.chainId),
    wrapInt(h.height),
    encodeTimestamp(h.time),
    encodeBlockId(h.lastBlockId),
    wrapBytes(h.lastCommitHash),
    wrapBytes(h.dataHash),
    wrapBytes(h.validatorsHash),
    wrapBytes(h.nextValidatorsHash),
    wrapBytes(h.consensusHash),
    wrapBytes(h.appHash),
    wrapBytes(h.lastResultsHash),
    wrapBytes(h.evidenceHash),
    wrapBytes(h.proposerAddress),
  ])
}

/** The whole header as `tendermint.types.Header` bytes (for conformance checks). */
export function encodeHeader(h: Header): Uint8Array {
  return new ProtoWriter()
    .bytesField(1, new ProtoWriter().uint(1, h.version.block).uint(2, h.version.app).finish(), true)
    .string(2, h.chainId)
    .uint(3, h.height)
    .bytesField(4, encodeTimestamp(h.time), true)
    .bytesField(5, encodeBlockId(h.lastBlockId), true)
    .bytesField(6, h.lastCommitHash)
    .bytesField(7, h.dataHash)
    .bytesField(8, h.validatorsHash)
    .bytesField(9, h.nextValidatorsHash)
    .bytesField(10, h.consensusHash)
    .bytesField(11, h.appHash)
    .bytesField(12, h.lastResultsHash)
    .bytesField(13, h.evidenceHash)
    .bytesField(14, h.proposerAddress)
    .finish()
}

/** `Txs.Hash()`: the merkle root of the transactions' SHA-256 hashes. */
export function hashTxs(txs: Uint8Array[]): Uint8Array {
  return merkleRoot(txs.map((tx) => sha256(tx)))
}

/** `ValidatorSet.Hash()` for validators given as (ed25519 key, voting power). */
export function hashValidators(validators: { pubKey: Uint8Array; power: bigint }[]): Uint8Array {
  return merkleRoot(
    validators.map((v) => {
      const pubKey = new ProtoWriter().bytesField(1, v.pubKey).finish()
      return new ProtoWriter().bytesField(1, pubKey, true).uint(2, v.power).finish()
    }),
  )
}

/** `ConsensusParams.Hash()`: SHA-256 of HashedParams{block max bytes, block max gas}. */
export function hashConsensusParams(maxBytes: bigint, maxGas: bigint): Uint8Array {
  return sha256(new ProtoWriter().uint(1, maxBytes).uint(2, maxGas).finish())
}

/** `ABCIResults.Hash()`: merkle of each result's deterministic part (code, data, gas). */
export function hashResults(
  results: { code: number; data: Uint8Array; gasWanted: bigint; gasUsed: bigint }[],
): Uint8Array {
  return merkleRoot(
    results.map((r) =>
      new ProtoWriter()
        .uint(1, r.code)
        .bytesField(2, r.data)
        .uint(5, r.gasWanted)
        .uint(6, r.gasUsed)
        .finish(),
    ),
  )
}

/** A commit signature as the devnet records it (flag COMMIT). */
export type CommitSig = {
  validatorAddress: Uint8Array
  time: { seconds: bigint; nanos: number }
  signature: Uint8Array
}

/** `Commit.Hash()`: merkle of the CommitSig protos. */
export function hashCommit(sigs: CommitSig[]): Uint8Array {
  return merkleRoot(
    sigs.map((s) =>
      new ProtoWriter()
        .uint(1, 2)
        .bytesField(2, s.validatorAddress)
        .bytesField(3, encodeTimestamp(s.time), true)
        .bytesField(4, s.signature)
        .finish(),
    ),
  )
}
