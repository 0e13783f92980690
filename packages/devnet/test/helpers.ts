// Test helpers that drive a devnet only through its RPC (JSON-RPC over fetch, protobuf bodies),
// as an external client does.

import { getPublicKey, signSecp256k1 } from '@decai/crypto'
import {
  create,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
  marshal,
  unmarshal,
} from '@decai/protocol'
import { BaseAccountSchema } from '@decai/protocol/gen/cosmos/auth/v1beta1/auth_pb'
import {
  QueryAccountRequestSchema,
  QueryAccountResponseSchema,
} from '@decai/protocol/gen/cosmos/auth/v1beta1/query_pb'
import {
  QueryBalanceRequestSchema,
  QueryBalanceResponseSchema,
} from '@decai/protocol/gen/cosmos/bank/v1beta1/query_pb'
import { PubKeySchema } from '@decai/protocol/gen/cosmos/crypto/secp256k1/keys_pb'
import { SignMode } from '@decai/protocol/gen/cosmos/tx/signing/v1beta1/signing_pb'
import {
  AuthInfoSchema,
  FeeSchema,
  ModeInfo_SingleSchema,
  ModeInfoSchema,
  SignDocSchema,
  SignerInfoSchema,
  TxBodySchema,
  TxRawSchema,
} from '@decai/protocol/gen/cosmos/tx/v1beta1/tx_pb'
import type { Devnet } from '../src/devnet.js'

export type RpcResult = Record<string, unknown>

export async function rpc(
  url: string,
  method: string,
  params: Record<string, unknown> = {},
): Promise<RpcResult> {
  const response = await fetch(url, {
    method: 'POST',
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  const body = (await response.json()) as { result?: RpcResult; error?: { data: string } }
  if (body.error) throw new Error(`${method}: ${body.error.data}`)
  return body.result!
}

export type QueryFailure = { code: number; codespace: string; log: string }

/** An abci_query with protobuf request/response; returns the failure instead of throwing. */
export async function query<Req extends DescMessage, Res extends DescMessage>(
  url: string,
  path: string,
  requestSchema: Req,
  request: MessageInitShape<Req>,
  responseSchema: Res,
): Promise<MessageShape<Res> | QueryFailure> {
  const data = Buffer.from(marshal(requestSchema, create(requestSchema, request))).toString('hex')
  const result = await rpc(url, 'abci_query', { path, data })
  const response = (result as { response: unknown }).response as {
    code: number
    codespace: string
    log: string
    value: string | null
  }
  if (response.code !== 0)
    return { code: response.code, codespace: response.codespace, log: response.log }
  return unmarshal(responseSchema, new Uint8Array(Buffer.from(response.value ?? '', 'base64')))
}

export function isFailure(value: unknown): value is QueryFailure {
  return (
    typeof value === 'object' &&
    value !== null &&
    'log' in value &&
    'code' in value &&
    !('$typeName' in value)
  )
}

/** The value of a successful query; fails the test otherwise. */
export async function mustQuery<Req extends DescMessage, Res extends DescMessage>(
  url: string,
  path: string,
  requestSchema: Req,
  request: MessageInitShape<Req>,
  responseSchema: Res,
): Promise<MessageShape<Res>> {
  const result = await query(url, path, requestSchema, request, responseSchema)
  if (isFailure(result))
    throw new Error(`${path} failed (${result.codespace}/${result.code}): ${result.log}`)
  return result
}

export async function getBalance(url: string, address: string): Promise<bigint> {
  const res = await mustQuery(
    url,
    '/cosmos.bank.v1beta1.Query/Balance',
    QueryBalanceRequestSchema,
    { address, denom: 'upokt' },
    QueryBalanceResponseSchema,
  )
  return BigInt(res.balance?.amount ?? '0')
}

export async function getAccountInfo(
  url: string,
  address: string,
): Promise<{ accountNumber: bigint; sequence: bigint }> {
  const res = await mustQuery(
    url,
    '/cosmos.auth.v1beta1.Query/Account',
    QueryAccountRequestSchema,
    { address },
    QueryAccountResponseSchema,
  )
  const account = unmarshal(BaseAccountSchema, res.account!.value)
  return { accountNumber: account.accountNumber, sequence: account.sequence }
}

export type Signer = { privateKey: Uint8Array; address: string }

export function signerOf(devnet: Devnet, name: string): Signer {
  const account = devnet.accounts.find((a) => a.name === name)
  if (!account?.privateKey) throw new Error(`no test key ${name}`)
  return {
    privateKey: new Uint8Array(Buffer.from(account.privateKey, 'hex')),
    address: account.address,
  }
}

export type AnyMsg =
  | { schema: DescMessage; value: MessageInitShape<DescMessage> }
  | { typeUrl: string; bytes: Uint8Array }

export function msg<D extends DescMessage>(schema: D, value: MessageInitShape<D>): AnyMsg {
  return { schema, value: value as MessageInitShape<DescMessage> }
}

export type SignOptions = {
  sequence?: bigint
  accountNumber?: bigint
  chainId?: string
  gasLimit?: bigint
  fee?: bigint
  memo?: string
  /** Sign with this key instead (for a wrong-signature test). */
  signingKey?: Uint8Array
}

/** Builds and signs a SIGN_MODE_DIRECT transaction, fetching account number and sequence. */
export async function signTx(
  devnet: Devnet,
  signer: Signer,
  msgs: AnyMsg[],
  options: SignOptions = {},
): Promise<Uint8Array> {
  let { sequence, accountNumber } = options
  if (sequence === undefined || accountNumber === undefined) {
    const info = await getAccountInfo(devnet.rpcUrl, signer.address)
    sequence ??= info.sequence
    accountNumber ??= info.accountNumber
  }
  const body = create(TxBodySchema, {
    messages: msgs.map((m) =>
      'typeUrl' in m
        ? { typeUrl: m.typeUrl, value: m.bytes }
        : { typeUrl: `/${m.schema.typeName}`, value: marshal(m.schema, create(m.schema, m.value)) },
    ),
    memo: options.memo ?? '',
  })
  const authInfo = create(AuthInfoSchema, {
    signerInfos: [
      create(SignerInfoSchema, {
        publicKey: {
          typeUrl: `/${PubKeySchema.typeName}`,
          value: marshal(
            PubKeySchema,
            create(PubKeySchema, { key: getPublicKey(signer.privateKey) }),
          ),
        },
        modeInfo: create(ModeInfoSchema, {
          sum: { case: 'single', value: create(ModeInfo_SingleSchema, { mode: SignMode.DIRECT }) },
        }),
        sequence,
      }),
    ],
    fee: create(FeeSchema, {
      amount: options.fee ? [{ denom: 'upokt', amount: options.fee.toString() }] : [],
      gasLimit: options.gasLimit ?? 1_000_000n,
    }),
  })
  const bodyBytes = marshal(TxBodySchema, body)
  const authInfoBytes = marshal(AuthInfoSchema, authInfo)
  const signDoc = marshal(
    SignDocSchema,
    create(SignDocSchema, {
      bodyBytes,
      authInfoBytes,
      chainId: options.chainId ?? devnet.chainId,
      accountNumber,
    }),
  )
  const signature = signSecp256k1(signDoc, options.signingKey ?? signer.privateKey)
  return marshal(
    TxRawSchema,
    create(TxRawSchema, { bodyBytes, authInfoBytes, signatures: [signature] }),
  )
}

export type TxOutcome = {
  code: number
  codespace: string
  log: string
  events: { type: string; attributes: { key: string; value: string }[] }[]
  height: string
  hash: string
}

/** broadcast_tx_sync; the CheckTx result. */
export async function broadcast(url: string, tx: Uint8Array) {
  return (await rpc(url, 'broadcast_tx_sync', { tx: Buffer.from(tx).toString('base64') })) as {
    code: number
    codespace: string
    log: string
    hash: string
  }
}

/** Broadcasts, produces a block, and returns the delivered result (or the CheckTx failure). */
export async function deliver(devnet: Devnet, tx: Uint8Array): Promise<TxOutcome> {
  const check = await broadcast(devnet.rpcUrl, tx)
  if (check.code !== 0) return { ...check, events: [], height: '0' }
  await devnet.produceBlocks(1)
  const result = await rpc(devnet.rpcUrl, 'tx', {
    hash: Buffer.from(check.hash, 'hex').toString('base64'),
  })
  const { tx_result: r, height } = result as { tx_result: TxOutcome; height: string }
  return { ...r, height, hash: check.hash }
}

/** Fails the test unless the transaction succeeded. */
export async function mustDeliver(devnet: Devnet, tx: Uint8Array): Promise<TxOutcome> {
  const outcome = await deliver(devnet, tx)
  if (outcome.code !== 0)
    throw new Error(`tx failed (${outcome.codespace}/${outcome.code}): ${outcome.log}`)
  return outcome
}

/** The attributes of the first event of `type`, as a record. */
export function eventAttributes(
  events: TxOutcome['events'],
  type: string,
): Record<string, string> | undefined {
  const event = events.find((e) => e.type === type)
  return event ? Object.fromEntries(event.attributes.map((a) => [a.key, a.value])) : undefined
}
