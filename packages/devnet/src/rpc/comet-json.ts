// CometBFT v0.38 JSON shapes, as cosmjs's Comet38Client parses them: HexBytes as uppercase
// hex, other bytes as base64, 64-bit integers as strings, times as RFC 3339 with nanoseconds.

import type { AbciEvent } from '../app/events.js'
import type { TxResult } from '../app/tx.js'
import type { BlockId, CommitSig, Header } from '../node/block-hash.js'
import type { StoredBlock, TxRecord } from '../node/types.js'

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase()
export const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')

/** RFC 3339 with up to nine fractional digits, trailing zeros trimmed (Go's RFC3339Nano). */
export function rfc3339(time: { seconds: bigint; nanos: number }): string {
  const base = new Date(Number(time.seconds) * 1000).toISOString().slice(0, 19)
  if (time.nanos === 0) return `${base}Z`
  return `${base}.${String(time.nanos).padStart(9, '0').replace(/0+$/, '')}Z`
}

export function blockIdJson(id: BlockId) {
  return { hash: hex(id.hash), parts: { total: id.parts.total, hash: hex(id.parts.hash) } }
}

export function headerJson(h: Header) {
  return {
    version: { block: h.version.block.toString(), app: h.version.app.toString() },
    chain_id: h.chainId,
    height: h.height.toString(),
    time: rfc3339(h.time),
    last_block_id: blockIdJson(h.lastBlockId),
    last_commit_hash: hex(h.lastCommitHash),
    data_hash: hex(h.dataHash),
    validators_hash: hex(h.validatorsHash),
    next_validators_hash: hex(h.nextValidatorsHash),
    consensus_hash: hex(h.consensusHash),
    app_hash: hex(h.appHash),
    last_results_hash: hex(h.lastResultsHash),
    evidence_hash: hex(h.evidenceHash),
    proposer_address: hex(h.proposerAddress),
  }
}

function commitSigJson(s: CommitSig) {
  return {
    block_id_flag: 2,
    validator_address: hex(s.validatorAddress),
    timestamp: rfc3339(s.time),
    signature: b64(s.signature),
  }
}

export function commitJson(commit: StoredBlock['lastCommit']) {
  if (!commit) {
    return {
      height: '0',
      round: 0,
      block_id: { hash: '', parts: { total: 0, hash: '' } },
      signatures: [],
    }
  }
  return {
    height: commit.height.toString(),
    round: 0,
    block_id: blockIdJson(commit.blockId),
    signatures: commit.signatures.map(commitSigJson),
  }
}

export function blockJson(block: StoredBlock) {
  return {
    header: headerJson(block.header),
    data: { txs: block.txs.map(b64) },
    evidence: { evidence: [] },
    last_commit: commitJson(block.lastCommit),
  }
}

export function eventJson(e: AbciEvent) {
  return {
    type: e.type,
    attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })),
  }
}

export function txResultJson(r: TxResult) {
  return {
    code: r.code,
    data: r.data.length > 0 ? b64(r.data) : null,
    log: r.log,
    info: '',
    gas_wanted: r.gasWanted.toString(),
    gas_used: r.gasUsed.toString(),
    events: r.events.map(eventJson),
    codespace: r.codespace,
  }
}

export function consensusParamsJson() {
  return {
    block: { max_bytes: '22020096', max_gas: '-1' },
    evidence: {
      max_age_num_blocks: '100000',
      max_age_duration: '172800000000000',
      max_bytes: '1048576',
    },
    validator: { pub_key_types: ['ed25519'] },
    version: { app: '0' },
    abci: { vote_extensions_enable_height: '0' },
  }
}

export function finalizeResultJson(block: StoredBlock) {
  return {
    events: block.finalizeEvents.map(eventJson),
    tx_results: block.txResults.map(txResultJson),
    validator_updates: [],
    consensus_param_updates: null,
    app_hash: b64(block.appHash),
  }
}

export function txJson(record: TxRecord) {
  return {
    hash: hex(record.hash),
    height: record.height.toString(),
    index: record.index,
    tx_result: txResultJson(record.result),
    tx: b64(record.tx),
  }
}

/** The `type.key` -> values map CometBFT indexes a transaction's events under. */
export function txEventValues(record: TxRecord): Map<string, string[]> {
  const values = new Map<string, string[]>()
  const add = (key: string, value: string) => {
    const list = values.get(key)
    if (list) list.push(value)
    else values.set(key, [value])
  }
  add('tm.event', 'Tx')
  add('tx.hash', hex(record.hash))
  add('tx.height', record.height.toString())
  for (const e of record.result.events) {
    for (const a of e.attributes) if (a.index) add(`${e.type}.${a.key}`, a.value)
  }
  return values
}

/** Event values of a NewBlock event (block height and the finalize-block events). */
export function blockEventValues(block: StoredBlock): Map<string, string[]> {
  const values = new Map<string, string[]>([
    ['tm.event', ['NewBlock']],
    ['block.height', [block.height.toString()]],
  ])
  for (const e of block.finalizeEvents) {
    for (const a of e.attributes) {
      const key = `${e.type}.${a.key}`
      values.set(key, [...(values.get(key) ?? []), a.value])
    }
  }
  return values
}

export function eventsObject(values: Map<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(values)
}
