// The gRPC services a Cosmos node serves beside the modules' queries, answered from the node:
// `cosmos.tx.v1beta1.Service` (BroadcastTx, GetTx; Simulate is the app's query route) and
// `cosmos.base.tendermint.v1beta1.Service` (the CometBFT facts, "cmtservice"). Handlers take
// request bytes and return response bytes; failures are gRPC statuses (`grpcError`) carrying
// the code and text the SDK's services give.

import { AnySchema, create, type MessageShape, marshal } from '@decai/protocol'
import { TxResponseSchema } from '@decai/protocol/gen/cosmos/base/abci/v1beta1/abci_pb'
import { EventAttributeSchema, EventSchema } from '@decai/protocol/gen/tendermint/abci/types_pb'
import { sha256 } from '@noble/hashes/sha2.js'
import { grpcError } from '../app/abci-error.js'
import { sdkErrors } from '../app/chain-errors.js'
import { bech32Address } from '../app/codec.js'
import type { TxResult } from '../app/tx.js'
import { readFields } from '../app/wire.js'
import { isDevnetError } from '../errors.js'
import { encodeBlockId, encodeHeader, encodeTimestamp, type Header } from '../node/block-hash.js'
import { BLOCK_PROTOCOL, type Node, VOTING_POWER } from '../node/node.js'
import { ProtoWriter } from '../node/proto-writer.js'
import type { StoredBlock } from '../node/types.js'

/** A node-level gRPC method: request bytes in, response bytes out. */
export type NodeMethod = (request: Uint8Array) => Uint8Array

/** What the node services need beyond the node itself. */
export type NodeServiceContext = {
  node: Node
  nodeId: string
  listenAddress: string
  rpcAddress: string
}

const TX_SERVICE = '/cosmos.tx.v1beta1.Service'
const CMT_SERVICE = '/cosmos.base.tendermint.v1beta1.Service'

function varintValue(bytes: Uint8Array): bigint {
  let result = 0n
  let shift = 0n
  for (const b of bytes) {
    result |= BigInt(b & 0x7f) << shift
    shift += 7n
  }
  return result
}

/** The last value of each field, as protobuf decoding keeps it. */
function lastFields(request: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>()
  for (const f of readFields(request)) out.set(f.no, f.value)
  return out
}

const upperHex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase()

function eventsOf(result: TxResult) {
  return result.events.map((e) =>
    create(EventSchema, {
      type: e.type,
      attributes: e.attributes.map((a) => create(EventAttributeSchema, a)),
    }),
  )
}

/** Go's `time.Time.Format(time.RFC3339)` of a UTC block time: whole seconds, `Z`. */
function rfc3339Seconds(time: { seconds: bigint }): string {
  return new Date(Number(time.seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function broadcastTx(ctx: NodeServiceContext, request: Uint8Array): Uint8Array {
  const fields = lastFields(request)
  const txBytes = fields.get(1)
  if (!txBytes || txBytes.length === 0) throw grpcError('InvalidArgument', 'invalid empty tx')
  const modeField = fields.get(2)
  const mode = modeField ? Number(varintValue(modeField)) : 0
  // BroadcastMode 2 is SYNC, 3 ASYNC; the SDK has refused BLOCK (1) since v0.50, and any
  // other value normalises to "unspecified".
  if (mode !== 2 && mode !== 3)
    throw grpcError('Unknown', 'unsupported return type unspecified; supported types: sync, async')
  let submitted: ReturnType<Node['submitTx']>
  try {
    submitted = ctx.node.submitTx(txBytes)
  } catch (error) {
    if (isDevnetError(error) && error.shortMessage === 'tx already exists in cache') {
      // `CheckCometError`: a transaction already in the mempool is answered, not failed.
      const known = sdkErrors.txInMempoolCache
      return txResponseOnly(
        create(TxResponseSchema, {
          code: known.code,
          codespace: known.codespace,
          txhash: upperHex(sha256(txBytes)),
        }),
      )
    }
    throw error
  }
  const { hash, check } = submitted
  if (mode === 3) return txResponseOnly(create(TxResponseSchema, { txhash: upperHex(hash) }))
  return txResponseOnly(
    create(TxResponseSchema, {
      code: check.code,
      codespace: check.codespace,
      data: upperHex(check.data),
      rawLog: check.log,
      txhash: upperHex(hash),
    }),
  )
}

/** `BroadcastTxResponse`: the TxResponse in field 1 (the protocol package has no service types). */
function txResponseOnly(response: MessageShape<typeof TxResponseSchema>): Uint8Array {
  return wrap([[1, marshal(TxResponseSchema, response)]])
}

function wrap(fields: [number, Uint8Array | undefined][]): Uint8Array {
  const w = new ProtoWriter()
  for (const [no, bytes] of fields) if (bytes) w.bytesField(no, bytes, true)
  return w.finish()
}

function getTx(ctx: NodeServiceContext, request: Uint8Array): Uint8Array {
  const hashField = lastFields(request).get(1)
  const hashText = hashField ? new TextDecoder().decode(hashField) : ''
  if (hashText === '') throw grpcError('InvalidArgument', 'tx hash cannot be empty')
  const hash = decodeGoHex(hashText)
  const record = ctx.node.getTx(hash)
  if (!record) throw grpcError('NotFound', `tx not found: ${hashText}`)
  const block = ctx.node.getBlock(record.height)
  const { result } = record
  const txResponse = create(TxResponseSchema, {
    height: record.height,
    txhash: upperHex(record.hash),
    codespace: result.codespace,
    code: result.code,
    data: upperHex(result.data),
    rawLog: result.log,
    gasWanted: result.gasWanted,
    gasUsed: result.gasUsed,
    // A TxRaw's bytes are a valid `Tx` encoding: the same field numbers, bytes for messages.
    tx: create(AnySchema, { typeUrl: '/cosmos.tx.v1beta1.Tx', value: record.tx }),
    timestamp: block ? rfc3339Seconds(block.header.time) : '',
    events: eventsOf(result),
  })
  return wrap([
    [1, record.tx],
    [2, marshal(TxResponseSchema, txResponse)],
  ])
}

/** Go's `hex.DecodeString`, with its error texts. */
function decodeGoHex(text: string): Uint8Array {
  const bad = /[^0-9a-fA-F]/.exec(text)
  if (bad) {
    const ch = bad[0].codePointAt(0)!
    const u = `U+${ch.toString(16).toUpperCase().padStart(4, '0')}`
    throw grpcError('Unknown', `encoding/hex: invalid byte: ${u} '${bad[0]}'`)
  }
  if (text.length % 2 !== 0) throw grpcError('Unknown', 'encoding/hex: odd length hex string')
  return new Uint8Array(Buffer.from(text, 'hex'))
}

// --- cmtservice -------------------------------------------------------------------------------

function encodeCommitSig(s: {
  validatorAddress: Uint8Array
  time: { seconds: bigint; nanos: number }
  signature: Uint8Array
}): Uint8Array {
  return new ProtoWriter()
    .uint(1, 2) // BLOCK_ID_FLAG_COMMIT
    .bytesField(2, s.validatorAddress)
    .bytesField(3, encodeTimestamp(s.time), true)
    .bytesField(4, s.signature)
    .finish()
}

function encodeCommit(commit: StoredBlock['lastCommit']): Uint8Array {
  const w = new ProtoWriter()
  if (!commit) return w.bytesField(3, encodeBlockId(emptyBlockId()), true).finish()
  w.uint(1, commit.height).bytesField(3, encodeBlockId(commit.blockId), true)
  for (const sig of commit.signatures) w.bytesField(4, encodeCommitSig(sig), true)
  return w.finish()
}

const emptyBlockId = () => ({
  hash: new Uint8Array(),
  parts: { total: 0, hash: new Uint8Array() },
})

/** `tendermint.types.Block` (header, data, evidence, last commit), or the SDK's `Block`. */
function encodeBlock(block: StoredBlock, header: Uint8Array): Uint8Array {
  const data = new ProtoWriter()
  for (const tx of block.txs) data.bytesField(1, tx, true)
  return new ProtoWriter()
    .bytesField(1, header, true)
    .bytesField(2, data.finish(), true)
    .bytesField(3, new Uint8Array(), true)
    .bytesField(4, encodeCommit(block.lastCommit), true)
    .finish()
}

/** The SDK's `cmtservice.Header`: CometBFT's, with the proposer as a `valcons` address. */
function encodeSdkHeader(h: Header): Uint8Array {
  const comet = encodeHeader({ ...h, proposerAddress: new Uint8Array() })
  const proposer = new ProtoWriter()
    .string(14, bech32Address(h.proposerAddress, 'poktvalcons'))
    .finish()
  const out = new Uint8Array(comet.length + proposer.length)
  out.set(comet, 0)
  out.set(proposer, comet.length)
  return out
}

function blockResponse(block: StoredBlock): Uint8Array {
  return new ProtoWriter()
    .bytesField(1, encodeBlockId(block.blockId), true)
    .bytesField(2, encodeBlock(block, encodeHeader(block.header)), true)
    .bytesField(3, encodeBlock(block, encodeSdkHeader(block.header)), true)
    .finish()
}

/** The `height` (field 1) of a by-height request, checked as cmtservice checks it. */
function requestedBlock(ctx: NodeServiceContext, request: Uint8Array): StoredBlock {
  const field = lastFields(request).get(1)
  const height = field ? BigInt.asIntN(64, varintValue(field)) : 0n
  if (height > ctx.node.height)
    throw grpcError('InvalidArgument', 'requested block height is bigger then the chain length')
  if (height <= 0n) throw grpcError('Unknown', `height must be greater than 0, but got ${height}`)
  const block = ctx.node.getBlock(height)
  if (!block) throw grpcError('Unknown', `height ${height} is not available`)
  return block
}

/** `GetValidatorSetByHeightResponse`: the one validator, with a `valcons` address. */
function validatorSetResponse(ctx: NodeServiceContext, height: bigint): Uint8Array {
  const { validator } = ctx.node.app.chain
  const pubKey = new ProtoWriter()
    .string(1, '/cosmos.crypto.ed25519.PubKey')
    .bytesField(2, new ProtoWriter().bytesField(1, validator.consensusPubKey).finish(), true)
    .finish()
  const entry = new ProtoWriter()
    .string(1, bech32Address(validator.consensusAddress, 'poktvalcons'))
    .bytesField(2, pubKey, true)
    .uint(3, VOTING_POWER)
    .finish()
  return new ProtoWriter()
    .uint(1, height)
    .bytesField(2, entry, true)
    .bytesField(3, new ProtoWriter().uint(2, 1).finish(), true)
    .finish()
}

function getNodeInfo(ctx: NodeServiceContext): Uint8Array {
  const other = new ProtoWriter().string(1, 'on').string(2, ctx.rpcAddress).finish()
  const nodeInfo = new ProtoWriter()
    .bytesField(1, new ProtoWriter().uint(1, 8).uint(2, BLOCK_PROTOCOL).uint(3, 0).finish(), true)
    .string(2, ctx.nodeId)
    .string(3, ctx.listenAddress)
    .string(4, ctx.node.chainId)
    .string(5, '0.38.19')
    .bytesField(6, Uint8Array.from([0x40, 0x20, 0x21, 0x22, 0x23, 0x30, 0x38, 0x60, 0x61, 0x00]))
    .string(7, 'decai-devnet')
    .bytesField(8, other, true)
    .finish()
  const version = new ProtoWriter()
    .string(1, 'pocket')
    .string(2, 'pocketd')
    .string(3, '0.1.35')
    .string(5, 'decai-devnet')
    .string(8, 'v0.53.7')
    .finish()
  return new ProtoWriter().bytesField(1, nodeInfo, true).bytesField(2, version, true).finish()
}

/** The node services, keyed by full gRPC method path. */
export function nodeMethods(ctx: NodeServiceContext): Map<string, NodeMethod> {
  return new Map<string, NodeMethod>([
    [`${TX_SERVICE}/BroadcastTx`, (r) => broadcastTx(ctx, r)],
    [`${TX_SERVICE}/GetTx`, (r) => getTx(ctx, r)],
    [`${CMT_SERVICE}/GetNodeInfo`, () => getNodeInfo(ctx)],
    // Never syncing: the devnet is its own only node. `false` encodes as no bytes.
    [`${CMT_SERVICE}/GetSyncing`, () => new Uint8Array()],
    [`${CMT_SERVICE}/GetLatestBlock`, () => blockResponse(ctx.node.latestBlock!)],
    [`${CMT_SERVICE}/GetBlockByHeight`, (r) => blockResponse(requestedBlock(ctx, r))],
    [`${CMT_SERVICE}/GetLatestValidatorSet`, () => validatorSetResponse(ctx, ctx.node.height)],
    [
      `${CMT_SERVICE}/GetValidatorSetByHeight`,
      (r) => validatorSetResponse(ctx, requestedBlock(ctx, r).height),
    ],
  ])
}
