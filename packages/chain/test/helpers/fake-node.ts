// A small in-memory CometBFT 0.38 + Cosmos SDK node, answering JSON-RPC through an injected
// `fetch`: enough of the wire (status, abci_query for accounts, balances and simulation,
// broadcast_tx_sync with signature and sequence checks, tx, block, block_results) to test the
// client's sending pipeline without a chain. Failure injection covers the transient cases.
import { fromBase64, toBase64 } from '@cosmjs/encoding'
import { pubkeyToAddress, verifySecp256k1 } from '@decai/crypto'
import { create, marshal, packAny, unmarshal } from '@decai/protocol'
import { BaseAccountSchema } from '@decai/protocol/gen/cosmos/auth/v1beta1/auth_pb'
import {
  QueryAccountRequestSchema,
  QueryAccountResponseSchema,
} from '@decai/protocol/gen/cosmos/auth/v1beta1/query_pb'
import {
  QueryBalanceRequestSchema,
  QueryBalanceResponseSchema,
} from '@decai/protocol/gen/cosmos/bank/v1beta1/query_pb'
import { GasInfoSchema } from '@decai/protocol/gen/cosmos/base/abci/v1beta1/abci_pb'
import { PubKeySchema } from '@decai/protocol/gen/cosmos/crypto/secp256k1/keys_pb'
import { decodeTxRaw, encodeSignDoc, getTxHash } from '../../src/tx-encoding.js'
import { bytesToHex, hexToBytes } from '../vectors.js'

type Account = {
  accountNumber: bigint
  sequence: bigint
  checkSequence: bigint
  pubkey?: Uint8Array
}
type StoredTx = {
  hash: string
  bytes: Uint8Array
  height: number
  index: number
  code: number
  codespace: string
  log: string
}
type RpcMethod =
  | 'status'
  | 'abci_info'
  | 'abci_query'
  | 'broadcast_tx_sync'
  | 'tx'
  | 'block'
  | 'block_results'
type RpcParams = { path?: string; data?: string; tx?: string; hash?: string; height?: string }
type Failure = {
  method: RpcMethod
  /** `results-pending`: CometBFT's answer while the newest block is still being executed. */
  kind: 'network' | 'mempool-full' | 'timeout' | 'results-pending'
  after?: boolean
}

export type FakeNode = ReturnType<typeof createFakeNode>

export function createFakeNode(options: { chainId?: string } = {}) {
  const chainId = options.chainId ?? 'fake-chain'
  const accounts = new Map<string, Account>()
  const balances = new Map<string, bigint>()
  const mempool: StoredTx[] = []
  const txs = new Map<string, StoredTx>()
  const blocks: { height: number; hash: string; txs: Uint8Array[]; results: StoredTx[] }[] = []
  const failures: Failure[] = []
  const calls: Partial<Record<RpcMethod, number>> = {}
  const broadcasts: { hash: string; sequence: bigint; accepted: boolean }[] = []
  let height = 1
  // Deterministic failures by memo: simulated and executed as poktroll would fail them.
  const claimWindowLog =
    "failed to execute message; message index: 0: rpc error: code = FailedPrecondition desc = current block height (9) is outside the claim window: claim attempted outside of the session's claim window"

  const addAccount = (address: string, balance = 10n ** 12n) => {
    accounts.set(address, {
      accountNumber: BigInt(accounts.size + 7),
      sequence: 0n,
      checkSequence: 0n,
    })
    balances.set(address, balance)
  }

  function accountOf(tx: ReturnType<typeof decodeTxRaw>) {
    const signer = tx.authInfo.signerInfos[0]!
    const pubkey = unmarshal(PubKeySchema, signer.publicKey!.value).key
    const address = pubkeyToAddress(pubkey)
    const account = accounts.get(address)
    if (!account) throw new Error(`unknown account ${address}`)
    return { account, pubkey, sequence: signer.sequence, address }
  }

  function simulate(txBytes: Uint8Array) {
    const tx = decodeTxRaw(txBytes)
    const { account, sequence } = accountOf(tx)
    if (sequence !== account.checkSequence) {
      return {
        code: 6,
        codespace: 'sdk',
        log: `rpc error: code = Unknown desc = account sequence mismatch, expected ${account.checkSequence}, got ${sequence}: incorrect account sequence [x/module/keeper/file.go:1] with gas used: '1000': unknown request`,
      }
    }
    if (tx.body.memo === 'fail-simulate') {
      return {
        code: 6,
        codespace: 'sdk',
        log: `rpc error: code = Unknown desc = ${claimWindowLog} [x/module/keeper/file.go:1] with gas used: '5000': unknown request`,
      }
    }
    const gasInfo = marshal(
      GasInfoSchema,
      create(GasInfoSchema, { gasUsed: 80_000n, gasWanted: 0n }),
    )
    // SimulateResponse { gas_info = 1 }
    const value = new Uint8Array([0x0a, gasInfo.length, ...gasInfo])
    return { code: 0, codespace: '', log: '', value }
  }

  async function broadcast(txBytes: Uint8Array) {
    const hash = await getTxHash(txBytes)
    if (mempool.some((t) => t.hash === hash) || txs.has(hash)) {
      throw rpcError(-32603, 'Internal error', 'tx already exists in cache')
    }
    const tx = decodeTxRaw(txBytes)
    const { account, pubkey, sequence } = accountOf(tx)
    const signBytes = encodeSignDoc({
      bodyBytes: tx.bodyBytes,
      authInfoBytes: tx.authInfoBytes,
      chainId,
      accountNumber: account.accountNumber,
    })
    if (!verifySecp256k1(tx.signatures[0]!, signBytes, pubkey)) {
      broadcasts.push({ hash, sequence, accepted: false })
      return {
        code: 4,
        codespace: 'sdk',
        log: 'signature verification failed; please verify account number (7) and chain-id (fake-chain): (unable to verify single signer signature): unauthorized',
        hash,
      }
    }
    if (sequence !== account.checkSequence) {
      broadcasts.push({ hash, sequence, accepted: false })
      return {
        code: 32,
        codespace: 'sdk',
        log: `account sequence mismatch, expected ${account.checkSequence}, got ${sequence}: incorrect account sequence`,
        hash,
      }
    }
    account.checkSequence++
    account.pubkey = pubkey
    broadcasts.push({ hash, sequence, accepted: true })
    const failing = tx.body.memo === 'fail-deliver'
    mempool.push({
      hash,
      bytes: txBytes,
      height: 0,
      index: 0,
      code: failing ? 1 : 0,
      codespace: failing ? 'undefined' : '',
      log: failing ? claimWindowLog : '',
    })
    return { code: 0, codespace: '', log: '', hash }
  }

  /** Commits the mempool into a new block. */
  function produceBlock() {
    height++
    const included = mempool.splice(0)
    included.forEach((t, i) => {
      t.height = height
      t.index = i
      txs.set(t.hash, t)
      const { account } = accountOf(decodeTxRaw(t.bytes))
      account.sequence++
    })
    blocks.push({
      height,
      hash: bytesToHex(new Uint8Array(32).fill(height % 256)),
      txs: included.map((t) => t.bytes),
      results: included,
    })
    return height
  }

  /** Another client using the same account: its sequence moves without us. */
  function bumpSequence(address: string) {
    const account = accounts.get(address)!
    account.sequence++
    account.checkSequence++
  }

  function fail(failure: Failure) {
    failures.push(failure)
  }

  function header(h: number) {
    return {
      version: { block: '11', app: '0' },
      chain_id: chainId,
      height: String(h),
      time: new Date(1_700_000_000_000 + h * 1000).toISOString(),
      last_block_id: { hash: '', parts: { total: 0, hash: '' } },
      last_commit_hash: '',
      data_hash: '',
      validators_hash: '',
      next_validators_hash: '',
      consensus_hash: '',
      app_hash: 'AA',
      last_results_hash: '',
      evidence_hash: '',
      proposer_address: '0123456789ABCDEF0123456789ABCDEF01234567',
    }
  }

  async function handle(method: string, params: RpcParams): Promise<unknown> {
    switch (method) {
      case 'abci_info':
        return {
          response: {
            data: 'fake',
            last_block_height: String(height),
            last_block_app_hash: toBase64(new Uint8Array(32)),
          },
        }
      case 'status':
        return {
          node_info: {
            id: 'aa',
            listen_addr: 'tcp://0.0.0.0:26656',
            network: chainId,
            version: '0.38.19',
            channels: '',
            moniker: 'fake',
            other: {},
            protocol_version: { app: '0', block: '11', p2p: '8' },
          },
          sync_info: {
            latest_block_hash: 'AB',
            latest_app_hash: 'AB',
            latest_block_time: new Date().toISOString(),
            latest_block_height: String(height),
            catching_up: false,
          },
          validator_info: {
            address: '0123456789ABCDEF0123456789ABCDEF01234567',
            pub_key: {
              type: 'tendermint/PubKeyEd25519',
              value: toBase64(new Uint8Array(32).fill(1)),
            },
            voting_power: '10',
          },
        }
      case 'abci_query': {
        const path = params.path as string
        const data = hexToBytes(params.data as string)
        const answer = (value: Uint8Array) => ({
          response: { code: 0, value: toBase64(value), height: String(height) },
        })
        if (path === '/cosmos.tx.v1beta1.Service/Simulate') {
          // SimulateRequest { tx_bytes = 2 }: tag, varint length, bytes.
          let offset = 1
          let length = 0
          for (let shift = 0; ; shift += 7) {
            const b = data[offset++]!
            length |= (b & 0x7f) << shift
            if (b < 0x80) break
          }
          const res = simulate(data.subarray(offset, offset + length))
          if (res.code)
            return { response: { code: res.code, codespace: res.codespace, log: res.log } }
          return answer(res.value!)
        }
        if (path === '/cosmos.auth.v1beta1.Query/Account') {
          const { address } = unmarshal(QueryAccountRequestSchema, data)
          const account = accounts.get(address)
          if (!account) {
            return {
              response: {
                code: 22,
                codespace: 'sdk',
                log: `rpc error: code = NotFound desc = account ${address} not found: key not found`,
              },
            }
          }
          const base = create(BaseAccountSchema, {
            address,
            accountNumber: account.accountNumber,
            sequence: account.sequence,
            ...(account.pubkey
              ? { pubKey: packAny(PubKeySchema, create(PubKeySchema, { key: account.pubkey })) }
              : {}),
          })
          return answer(
            marshal(
              QueryAccountResponseSchema,
              create(QueryAccountResponseSchema, { account: packAny(BaseAccountSchema, base) }),
            ),
          )
        }
        if (path === '/cosmos.bank.v1beta1.Query/Balance') {
          const { address, denom } = unmarshal(QueryBalanceRequestSchema, data)
          const amount = balances.get(address) ?? 0n
          return answer(
            marshal(
              QueryBalanceResponseSchema,
              create(QueryBalanceResponseSchema, { balance: { denom, amount: amount.toString() } }),
            ),
          )
        }
        return {
          response: {
            code: 6,
            codespace: 'sdk',
            log: `unknown query path ${path}: unknown request`,
          },
        }
      }
      case 'broadcast_tx_sync': {
        const res = await broadcast(fromBase64(params.tx as string))
        return { code: res.code, codespace: res.codespace, log: res.log, data: '', hash: res.hash }
      }
      case 'tx': {
        const hash = bytesToHex(fromBase64(params.hash as string)).toUpperCase()
        const tx = txs.get(hash)
        if (!tx) throw rpcError(-32603, 'Internal error', `tx (${hash}) not found`)
        return {
          hash,
          height: String(tx.height),
          index: tx.index,
          tx: toBase64(tx.bytes),
          tx_result: {
            code: tx.code,
            codespace: tx.codespace,
            log: tx.log,
            gas_wanted: '120000',
            gas_used: '80000',
            events: [],
          },
        }
      }
      case 'block': {
        const h = params.height ? Number(params.height) : height
        const block = blocks.find((b) => b.height === h)
        if (h > height)
          throw rpcError(
            -32603,
            'Internal error',
            `height ${h} must be less than or equal to the current blockchain height ${height}`,
          )
        return {
          block_id: {
            hash: block?.hash ?? bytesToHex(new Uint8Array(32).fill(h % 256)),
            parts: { total: 1, hash: 'CD' },
          },
          block: {
            header: header(h),
            data: { txs: (block?.txs ?? []).map(toBase64) },
            evidence: { evidence: [] },
            last_commit: {
              height: '0',
              round: 0,
              block_id: { hash: '', parts: { total: 0, hash: '' } },
              signatures: [],
            },
          },
        }
      }
      case 'block_results':
        return {
          height: String(params.height ?? height),
          txs_results: [],
          finalize_block_events: [],
        }
      default:
        throw rpcError(-32601, 'Method not found', method)
    }
  }

  const fetch = async (_url: unknown, init?: RequestInit): Promise<Response> => {
    const request = JSON.parse(String(init?.body)) as {
      id: number
      method: RpcMethod
      params: RpcParams
    }
    calls[request.method] = (calls[request.method] ?? 0) + 1
    const failure = failures.findIndex((f) => f.method === request.method)
    if (failure >= 0) {
      const [f] = failures.splice(failure, 1)
      if (f!.kind === 'network' && !f!.after)
        throw new TypeError('fetch failed', { cause: new Error('ECONNRESET') })
      if (f!.kind === 'timeout') throw new DOMException('The operation timed out.', 'TimeoutError')
      if (f!.kind === 'mempool-full') {
        return Response.json({
          jsonrpc: '2.0',
          id: request.id,
          error: {
            code: -32603,
            message: 'Internal error',
            data: 'mempool is full: number of txs 5000 (max: 5000)',
          },
        })
      }
      if (f!.kind === 'results-pending') {
        return Response.json({
          jsonrpc: '2.0',
          id: request.id,
          error: {
            code: -32603,
            message: 'Internal error',
            data: `could not find results for height #${request.params.height ?? height}`,
          },
        })
      }
      if (f!.kind === 'network' && f!.after) {
        // The request reached the node, the answer was lost.
        await handle(request.method, request.params)
        throw new TypeError('fetch failed', { cause: new Error('socket hang up') })
      }
    }
    try {
      const result = await handle(request.method, request.params)
      return Response.json({ jsonrpc: '2.0', id: request.id, result })
    } catch (error) {
      if (error instanceof RpcFailure) {
        return Response.json({ jsonrpc: '2.0', id: request.id, error: error.body })
      }
      throw error
    }
  }

  return {
    chainId,
    fetch: fetch as typeof globalThis.fetch,
    addAccount,
    produceBlock,
    bumpSequence,
    fail,
    calls,
    broadcasts,
    mempool,
    get height() {
      return height
    },
    accounts,
  }
}

class RpcFailure extends Error {
  constructor(readonly body: { code: number; message: string; data: string }) {
    super(body.message)
  }
}

function rpcError(code: number, message: string, data: string) {
  return new RpcFailure({ code, message, data })
}
