// A fetch-only reader of the few chain queries the application client needs, so that a browser
// bundle of `createClient({ chain: url })` carries no cosmjs. It belongs in `@decai/chain` as a
// cosmjs-free read path; until that exists it lives here, private to the client. Pass a full
// `ChainClient` as `chain` to use `@decai/chain` instead.

import {
  create,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
  marshal,
  unmarshal,
  unpackAny,
} from '@decai/protocol'
import {
  BaseAccountSchema,
  ModuleAccountSchema,
} from '@decai/protocol/gen/cosmos/auth/v1beta1/auth_pb'
import {
  QueryAccountRequestSchema,
  QueryAccountResponseSchema,
} from '@decai/protocol/gen/cosmos/auth/v1beta1/query_pb'
import { PubKeySchema } from '@decai/protocol/gen/cosmos/crypto/secp256k1/keys_pb'
import {
  QueryGetApplicationRequestSchema,
  QueryGetApplicationResponseSchema,
} from '@decai/protocol/gen/pocket/application/query_pb'
import {
  QueryGetSessionRequestSchema,
  QueryGetSessionResponseSchema,
} from '@decai/protocol/gen/pocket/session/query_pb'
import { SdkError } from './errors.js'
import type { ChainReader } from './session-state.js'

type JsonRpcResult = { result?: unknown; error?: { message?: string; data?: unknown } }

const toHex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

function fromBase64(text: string): Uint8Array {
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

/** The `ChainReader` of the client over a CometBFT RPC URL, with `fetch` only. */
export function createRpcReader(rpcUrl: string, doFetch: typeof fetch): ChainReader {
  if (!/^https?:\/\//.test(rpcUrl))
    throw new SdkError('INVALID_ARGUMENT', 'The RPC URL must start with http:// or https://.', {
      details: rpcUrl,
    })
  let id = 0
  const call = async (method: string, params: Record<string, unknown>): Promise<unknown> => {
    let body: JsonRpcResult
    try {
      const response = await doFetch(rpcUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
      })
      body = (await response.json()) as JsonRpcResult
    } catch (cause) {
      throw new SdkError('CHAIN_QUERY_FAILED', `Cannot reach the node at ${rpcUrl}.`, {
        cause,
      })
    }
    if (body.error !== undefined || body.result === undefined)
      throw new SdkError('CHAIN_QUERY_FAILED', `${method} failed.`, {
        details: JSON.stringify(body.error ?? body).slice(0, 300),
      })
    return body.result
  }

  const query = async <Req extends DescMessage, Res extends DescMessage>(
    path: string,
    requestSchema: Req,
    request: MessageInitShape<Req>,
    responseSchema: Res,
  ): Promise<MessageShape<Res>> => {
    const data = toHex(marshal(requestSchema, create(requestSchema, request)))
    const result = (await call('abci_query', { path, data, prove: false })) as {
      response: { code?: number; log?: string; codespace?: string; value?: string | null }
    }
    const { code = 0, log = '', codespace = '', value } = result.response
    if (code !== 0)
      throw new SdkError('CHAIN_QUERY_FAILED', `The query ${path} failed.`, {
        details: `${codespace}/${code}: ${log}`,
      })
    return unmarshal(responseSchema, value ? fromBase64(value) : new Uint8Array())
  }

  return {
    async getLatestHeight() {
      const status = (await call('status', {})) as { sync_info: { latest_block_height: string } }
      return BigInt(status.sync_info.latest_block_height)
    },
    async getSession({ applicationAddress, serviceId, height }) {
      const res = await query(
        '/pocket.session.Query/GetSession',
        QueryGetSessionRequestSchema,
        { applicationAddress, serviceId, blockHeight: height ?? 0n },
        QueryGetSessionResponseSchema,
      )
      if (res.session === undefined)
        throw new SdkError('CHAIN_QUERY_FAILED', 'The chain returned no session.')
      return res.session
    },
    async getApplication({ address }) {
      const res = await query(
        '/pocket.application.Query/Application',
        QueryGetApplicationRequestSchema,
        { address },
        QueryGetApplicationResponseSchema,
      )
      if (res.application === undefined)
        throw new SdkError('CHAIN_QUERY_FAILED', 'No such application.', { details: address })
      return res.application
    },
    async getAccount({ address }) {
      const res = await query(
        '/cosmos.auth.v1beta1.Query/Account',
        QueryAccountRequestSchema,
        { address },
        QueryAccountResponseSchema,
      )
      if (res.account === undefined)
        throw new SdkError('CHAIN_QUERY_FAILED', 'No such account.', { details: address })
      const { schema, message } = unpackAny(res.account, [BaseAccountSchema, ModuleAccountSchema])
      const base =
        schema === ModuleAccountSchema
          ? (message as MessageShape<typeof ModuleAccountSchema>).baseAccount
          : (message as MessageShape<typeof BaseAccountSchema>)
      if (base === undefined)
        throw new SdkError('CHAIN_QUERY_FAILED', 'The account has no base account.')
      const publicKey =
        base.pubKey && base.pubKey.value.length > 0
          ? unpackAny(base.pubKey, [PubKeySchema]).message.key
          : undefined
      return {
        address: base.address,
        accountNumber: base.accountNumber,
        sequence: base.sequence,
        publicKey,
      }
    },
  }
}
