import { minBigint } from '../app/codec.js'
import { isDevnetError } from '../errors.js'
import { type Node, VOTING_POWER } from '../node/node.js'
import type { StoredBlock, TxRecord } from '../node/types.js'
import {
  b64,
  blockIdJson,
  blockJson,
  commitJson,
  consensusParamsJson,
  headerJson,
  hex,
  rfc3339,
  txEventValues,
  txJson,
  txResultJson,
} from './comet-json.js'
import { heightBounds, matchesQuery, parseQuery, QueryError } from './query-language.js'

/** A JSON-RPC error with CometBFT's codes (-32600 … -32603). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    readonly rpcMessage: string,
    readonly data: string,
  ) {
    super(data)
  }
}

export const internalError = (data: string) => new RpcError(-32603, 'Internal error', data)
export const invalidParams = (data: string) => new RpcError(-32602, 'Invalid params', data)

export type Params = Record<string, unknown>

/** A named param (params are an open record). */
export function param(params: Params, name: string): unknown {
  return params[name]
}

/** A string param, '' when absent. */
export function stringParam(params: Params, name: string): string {
  const value = params[name]
  return typeof value === 'string' ? value : ''
}

export type RpcContext = {
  node: Node
  listenAddress: string
  rpcAddress: string
  nodeId: string
  /** How long broadcast_tx_commit waits for inclusion. */
  commitTimeoutMs: number
  /**
   * How long after a block is committed `block_results` for it still fails, as CometBFT's does
   * while the block it already reports in `/status` is executing; 0 serves results at once.
   */
  resultsLagMs: number
  /** When the newest block was committed (wall clock). */
  newestBlockAt?: { height: bigint; at: number } | undefined
  genesis: () => unknown
}

type Method = (ctx: RpcContext, params: Params) => unknown | Promise<unknown>

function optionalHeight(params: Params, name = 'height'): bigint | undefined {
  const raw = params[name]
  if (raw === undefined || raw === null || raw === '' || raw === 0 || raw === '0') return undefined
  try {
    return BigInt(String(raw))
  } catch {
    throw invalidParams(`invalid ${name}: ${String(raw)}`)
  }
}

function blockAt(ctx: RpcContext, params: Params): StoredBlock {
  const latest = ctx.node.height
  const height = optionalHeight(params) ?? latest
  if (height <= 0n) throw internalError(`height must be greater than 0, but got ${height}`)
  if (height > latest) {
    throw internalError(
      `height ${height} must be less than or equal to the current blockchain height ${latest}`,
    )
  }
  const block = ctx.node.getBlock(height)
  if (!block) throw internalError(`height ${height} is not available`)
  return block
}

/** Bytes from a JSON-RPC param: base64 in a JSON body, 0x-hex in a URI. */
export function bytesParam(raw: unknown, name: string): Uint8Array {
  if (typeof raw !== 'string') throw invalidParams(`missing ${name}`)
  if (/^0x[0-9a-fA-F]*$/.test(raw)) return new Uint8Array(Buffer.from(raw.slice(2), 'hex'))
  return new Uint8Array(Buffer.from(raw, 'base64'))
}

function hexParam(raw: unknown): Uint8Array {
  if (raw === undefined || raw === null || raw === '') return new Uint8Array()
  const text = String(raw).replace(/^0x/i, '')
  if (!/^[0-9a-fA-F]*$/.test(text) || text.length % 2 !== 0) throw invalidParams('data must be hex')
  return new Uint8Array(Buffer.from(text, 'hex'))
}

function validatorJson(ctx: RpcContext) {
  const v = ctx.node.app.chain.validator
  return {
    address: hex(v.consensusAddress),
    pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(v.consensusPubKey) },
    voting_power: VOTING_POWER.toString(),
    proposer_priority: '0',
  }
}

async function broadcast(ctx: RpcContext, params: Params) {
  const tx = bytesParam(param(params, 'tx'), 'tx')
  try {
    return ctx.node.submitTx(tx)
  } catch (error) {
    throw internalError(isDevnetError(error) ? error.shortMessage : String(error))
  }
}

function checkJson(check: TxRecord['result'], hash: Uint8Array) {
  return {
    code: check.code,
    data: check.data.length > 0 ? b64(check.data) : '',
    log: check.log,
    codespace: check.codespace,
    hash: hex(hash),
  }
}

function searchTxs(ctx: RpcContext, params: Params) {
  const query = stringParam(params, 'query')
  let conditions: ReturnType<typeof parseQuery>
  try {
    conditions = parseQuery(query)
  } catch (error) {
    throw internalError(error instanceof QueryError ? error.message : String(error))
  }
  const { min, max } = heightBounds(conditions)
  const matches: TxRecord[] = []
  const hashCondition = conditions.find((c) => c.key === 'tx.hash' && c.op === '=')
  if (hashCondition && typeof hashCondition.value === 'string') {
    const record = ctx.node.getTx(new Uint8Array(Buffer.from(hashCondition.value, 'hex')))
    if (record && matchesQuery(conditions, txEventValues(record))) matches.push(record)
  } else {
    for (const record of ctx.node.store.iterateTxs(min, max)) {
      if (matchesQuery(conditions, txEventValues(record))) matches.push(record)
    }
  }
  if (param(params, 'order_by') === 'desc') matches.reverse()
  const perPage = Math.min(Math.max(Number(param(params, 'per_page') ?? 30) || 30, 1), 100)
  const page = Math.max(Number(param(params, 'page') ?? 1) || 1, 1)
  const pages = Math.max(Math.ceil(matches.length / perPage), 1)
  if (page > pages) throw internalError(`page should be within [1, ${pages}] range, given ${page}`)
  const slice = matches.slice((page - 1) * perPage, page * perPage)
  return { txs: slice.map(txJson), total_count: String(matches.length) }
}

export const methods: Record<string, Method> = {
  health: () => ({}),

  status: (ctx) => {
    const latest = ctx.node.latestBlock!
    const first = ctx.node.getBlock(1n) ?? latest
    const v = validatorJson(ctx)
    return {
      node_info: {
        protocol_version: { p2p: '8', block: '11', app: '0' },
        id: ctx.nodeId,
        listen_addr: ctx.listenAddress,
        network: ctx.node.chainId,
        version: '0.38.19',
        channels: '40202122233038606100',
        moniker: 'decai-devnet',
        other: { tx_index: 'on', rpc_address: ctx.rpcAddress },
      },
      sync_info: {
        latest_block_hash: hex(latest.hash),
        latest_app_hash: hex(latest.header.appHash),
        latest_block_height: latest.height.toString(),
        latest_block_time: rfc3339(latest.header.time),
        earliest_block_hash: hex(first.hash),
        earliest_app_hash: hex(first.header.appHash),
        earliest_block_height: first.height.toString(),
        earliest_block_time: rfc3339(first.header.time),
        catching_up: false,
      },
      validator_info: { address: v.address, pub_key: v.pub_key, voting_power: v.voting_power },
    }
  },

  abci_info: (ctx) => ({
    response: {
      data: 'pocket',
      version: 'v0.1.35-devnet',
      app_version: '0',
      last_block_height: ctx.node.height.toString(),
      last_block_app_hash: b64(ctx.node.app.last.appHash),
    },
  }),

  abci_query: (ctx, params) => {
    const path = stringParam(params, 'path')
    const data = hexParam(param(params, 'data'))
    const height = optionalHeight(params) ?? 0n
    const r = ctx.node.app.query(path, data, height)
    return {
      response: {
        code: r.code,
        log: r.log,
        info: '',
        index: '0',
        key: null,
        value: r.value.length > 0 ? b64(r.value) : null,
        proofOps: null,
        height: r.height.toString(),
        codespace: r.codespace,
      },
    }
  },

  block: (ctx, params) => {
    const block = blockAt(ctx, params)
    return { block_id: blockIdJson(block.blockId), block: blockJson(block) }
  },

  block_by_hash: (ctx, params) => {
    const height = ctx.node.store.getBlockHeightByHash(bytesParam(param(params, 'hash'), 'hash'))
    if (height === undefined)
      return { block_id: { hash: '', parts: { total: 0, hash: '' } }, block: null }
    const block = ctx.node.getBlock(height)!
    return { block_id: blockIdJson(block.blockId), block: blockJson(block) }
  },

  header: (ctx, params) => ({ header: headerJson(blockAt(ctx, params).header) }),

  block_results: (ctx, params) => {
    const block = blockAt(ctx, params)
    const newest = ctx.newestBlockAt
    if (newest?.height === block.height && Date.now() - newest.at < ctx.resultsLagMs) {
      throw internalError(`could not find results for height #${block.height}`)
    }
    return {
      height: block.height.toString(),
      txs_results: block.txResults.length > 0 ? block.txResults.map(txResultJson) : null,
      finalize_block_events: block.finalizeEvents.map((e) => ({
        type: e.type,
        attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })),
      })),
      validator_updates: [],
      consensus_param_updates: null,
      app_hash: b64(block.appHash),
    }
  },

  commit: (ctx, params) => {
    const block = blockAt(ctx, params)
    const next = ctx.node.getBlock(block.height + 1n)
    // A block's commit travels in the next block; the latest block's commit is synthesised.
    const commit = next?.lastCommit ?? {
      height: block.height,
      blockId: block.blockId,
      signatures: block.lastCommit?.signatures ?? [],
    }
    return {
      signed_header: { header: headerJson(block.header), commit: commitJson(commit) },
      canonical: next !== undefined,
    }
  },

  blockchain: (ctx, params) => {
    const latest = ctx.node.height
    const max = optionalHeight(params, 'maxHeight') ?? latest
    const top = minBigint(max, latest)
    const minParam = optionalHeight(params, 'minHeight') ?? 1n
    const min = top - 19n > minParam ? top - 19n : minParam
    const metas = []
    for (let h = top; h >= min && h >= 1n; h--) {
      const block = ctx.node.getBlock(h)
      if (!block) continue
      metas.push({
        block_id: blockIdJson(block.blockId),
        block_size: String(block.size),
        header: headerJson(block.header),
        num_txs: String(block.txs.length),
      })
    }
    return { last_height: latest.toString(), block_metas: metas }
  },

  validators: (ctx, params) => {
    const block = blockAt(ctx, params)
    return {
      block_height: block.height.toString(),
      validators: [validatorJson(ctx)],
      count: '1',
      total: '1',
    }
  },

  genesis: (ctx) => ({ genesis: ctx.genesis() }),

  consensus_params: (ctx, params) => ({
    block_height: blockAt(ctx, params).height.toString(),
    consensus_params: consensusParamsJson(),
  }),

  num_unconfirmed_txs: (ctx) => {
    const pending = ctx.node.pendingTxs
    return {
      n_txs: String(pending.length),
      total: String(pending.length),
      total_bytes: String(pending.reduce((n, e) => n + e.tx.length, 0)),
      txs: null,
    }
  },

  unconfirmed_txs: (ctx) => {
    const pending = ctx.node.pendingTxs
    return {
      n_txs: String(pending.length),
      total: String(pending.length),
      total_bytes: String(pending.reduce((n, e) => n + e.tx.length, 0)),
      txs: pending.map((e) => b64(e.tx)),
    }
  },

  broadcast_tx_async: async (ctx, params) => {
    const { hash, check } = await broadcast(ctx, params)
    return checkJson(check, hash)
  },

  broadcast_tx_sync: async (ctx, params) => {
    const { hash, check } = await broadcast(ctx, params)
    return checkJson(check, hash)
  },

  broadcast_tx_commit: async (ctx, params) => {
    const { hash, check } = await broadcast(ctx, params)
    const checkTx = {
      code: check.code,
      data: check.data.length > 0 ? b64(check.data) : null,
      log: check.log,
      info: '',
      gas_wanted: check.gasWanted.toString(),
      gas_used: check.gasUsed.toString(),
      events: [],
      codespace: check.codespace,
    }
    if (check.code !== 0) {
      return {
        check_tx: checkTx,
        tx_result: {
          code: 0,
          data: null,
          log: '',
          info: '',
          gas_wanted: '0',
          gas_used: '0',
          events: [],
          codespace: '',
        },
        hash: hex(hash),
        height: '0',
      }
    }
    let record: TxRecord
    try {
      record = await ctx.node.waitForTx(hash, ctx.commitTimeoutMs)
    } catch (error) {
      throw internalError(isDevnetError(error) ? error.shortMessage : String(error))
    }
    return {
      check_tx: checkTx,
      tx_result: txResultJson(record.result),
      hash: hex(hash),
      height: record.height.toString(),
    }
  },

  tx: (ctx, params) => {
    const hash = bytesParam(param(params, 'hash'), 'hash')
    const record = ctx.node.getTx(hash)
    if (!record) throw internalError(`tx (${hex(hash)}) not found`)
    return txJson(record)
  },

  tx_search: (ctx, params) => searchTxs(ctx, params),

  /** Devnet extension: produce `count` blocks now (for `blockTimeMs: 0` test setups). */
  devnet_produce_blocks: (ctx, params) => {
    const count = Number(param(params, 'count') ?? 1)
    if (!Number.isInteger(count) || count < 1 || count > 10_000)
      throw invalidParams('count must be 1..10000')
    for (let i = 0; i < count; i++) ctx.node.produceBlock()
    return { height: ctx.node.height.toString() }
  },
}
