// The devnet's gRPC endpoint, through a real grpc-js client: the same answers as `abci_query`
// (the same handlers), the height header, the tx service and cmtservice, and the statuses a
// Cosmos node gives for bad input (recorded from pocketd v0.1.35's gRPC server).

import { create, fromBinary, marshal } from '@decai/protocol'
import { MsgSendSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/tx_pb'
import { TxResponseSchema } from '@decai/protocol/gen/cosmos/base/abci/v1beta1/abci_pb'
import { QueryGetSupplierRequestSchema } from '@decai/protocol/gen/pocket/supplier/query_pb'
import { status } from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sdkErrors } from '../src/app/chain-errors.js'
import { readFields } from '../src/app/wire.js'
import { type Devnet, startDevnet } from '../src/devnet.js'
import { grpcStatusOf } from '../src/grpc/server.js'
import { createRawGrpcClient, type RawGrpcClient } from './grpc-client.js'
import { msg, rpc, signerOf, signTx } from './helpers.js'
import { actorsOf, setUpActors } from './scenario.js'

let devnet: Devnet
let grpc: RawGrpcClient

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 0 })
  await setUpActors(devnet, actorsOf(devnet))
  await devnet.produceBlocks(2)
  grpc = createRawGrpcClient(devnet.grpcAddress!)
}, 60_000)

afterAll(async () => {
  grpc?.close()
  await devnet?.stop()
})

const LIST_QUERIES =
  /\/(AllSuppliers|AllServices|AllApplications|AllGateways|AllClaims|AllProofs|TotalSupply|Accounts|RelayMiningDifficultyAll)$/
const TX = '/cosmos.tx.v1beta1.Service'
const CMT = '/cosmos.base.tendermint.v1beta1.Service'

async function abciQuery(path: string, data: Uint8Array, height?: bigint) {
  const { response } = (await rpc(devnet.rpcUrl, 'abci_query', {
    path,
    data: Buffer.from(data).toString('hex'),
    ...(height === undefined ? {} : { height: height.toString() }),
  })) as { response: { code: number; value: string | null; log: string } }
  return {
    code: response.code,
    value: new Uint8Array(Buffer.from(response.value ?? '', 'base64')),
    log: response.log,
  }
}

/** The last value of field `no` of a message. */
function field(bytes: Uint8Array, no: number): Uint8Array | undefined {
  let value: Uint8Array | undefined
  for (const f of readFields(bytes)) if (f.no === no) value = f.value
  return value
}

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes)
const varint = (bytes: Uint8Array | undefined) => {
  let n = 0n
  let shift = 0n
  for (const b of bytes ?? []) {
    n |= BigInt(b & 0x7f) << shift
    shift += 7n
  }
  return n
}

describe('gRPC queries', () => {
  it('serves every query route of the app, with the bytes abci_query gives', async () => {
    const paths = devnet.node.app.queries.paths()
    expect(paths.length).toBeGreaterThanOrEqual(40)
    let answered = 0
    for (const path of paths) {
      const [viaGrpc, viaAbci] = await Promise.all([
        grpc.call(path, new Uint8Array()),
        abciQuery(path, new Uint8Array()),
      ])
      if (viaAbci.code === 0) {
        expect(viaGrpc.code, path).toBe(status.OK)
        expect(viaGrpc.response, path).toEqual(viaAbci.value)
        answered++
      } else {
        expect(viaGrpc.code, path).not.toBe(status.OK)
      }
      // Every params query and every list query without a required argument answers an
      // empty request.
      if (/\/Params$/.test(path) || LIST_QUERIES.test(path)) expect(viaAbci.code, path).toBe(0)
    }
    expect(answered).toBeGreaterThan(20)
  })

  it('answers with the height in x-cosmos-block-height, and honours it in the request', async () => {
    const path = '/pocket.shared.Query/Params'
    const latest = await grpc.call(path)
    expect(latest.height).toBe(devnet.height.toString())
    const atOne = await grpc.call(path, new Uint8Array(), { 'x-cosmos-block-height': '1' })
    expect(atOne.code).toBe(status.OK)
    expect(atOne.height).toBe('1')
    expect(atOne.response).toEqual((await abciQuery(path, new Uint8Array(), 1n)).value)
  })

  it('refuses heights as a Cosmos node does: future, not a number, negative', async () => {
    const path = '/pocket.shared.Query/Params'
    const future = await grpc.call(path, new Uint8Array(), {
      'x-cosmos-block-height': String(devnet.height + 100n),
    })
    expect(future).toMatchObject({
      code: status.UNKNOWN,
      details:
        'codespace sdk code 26: invalid height: cannot query with height in the future; please provide a valid height',
      height: undefined,
    })
    const notANumber = await grpc.call(path, new Uint8Array(), { 'x-cosmos-block-height': 'abc' })
    expect(notANumber).toMatchObject({
      code: status.UNKNOWN,
      details:
        'codespace sdk code 18: invalid request: Baseapp.RegisterGRPCServer: invalid height header "x-cosmos-block-height": strconv.ParseInt: parsing "abc": invalid syntax',
    })
    const tooBig = await grpc.call(path, new Uint8Array(), {
      'x-cosmos-block-height': '9223372036854775808',
    })
    expect(tooBig.details).toMatch(/parsing "9223372036854775808": value out of range$/)
    const negative = await grpc.call(path, new Uint8Array(), { 'x-cosmos-block-height': '-1' })
    expect(negative).toMatchObject({
      code: status.UNKNOWN,
      details:
        'codespace sdk code 18: invalid request: cannot query with height < 0; please provide a valid height',
    })
  })

  it('maps bad input to the statuses pocketd gives', async () => {
    const unknownMethod = await grpc.call('/pocket.supplier.Query/Nope')
    expect(unknownMethod.code).toBe(status.UNIMPLEMENTED)
    expect((await grpc.call('/foo.Bar/Baz')).code).toBe(status.UNIMPLEMENTED)

    // Truncated at the top level, and inside a nested message: grpc-go's codec fails first.
    for (const bytes of [[0x0a, 0x10, 0x01], [0xff], [0x0a, 0x02, 0x0a, 0x05]]) {
      expect(
        await grpc.call('/pocket.supplier.Query/AllSuppliers', Uint8Array.from(bytes)),
      ).toMatchObject({
        code: status.INTERNAL,
        details: 'grpc: error unmarshalling request: unexpected EOF',
        height: undefined,
      })
    }

    const missing = 'pokt1f84c23zhjlddsfg6n4y94v260v5yd8ktu5zp0k'
    const notFound = await grpc.call(
      '/pocket.supplier.Query/Supplier',
      marshal(
        QueryGetSupplierRequestSchema,
        create(QueryGetSupplierRequestSchema, { operatorAddress: missing }),
      ),
    )
    expect(notFound).toMatchObject({
      code: status.NOT_FOUND,
      details: `supplier with operator address: "${missing}": supplier not found`,
      height: devnet.height.toString(),
    })

    const badAddress = await grpc.call(
      '/cosmos.bank.v1beta1.Query/Balance',
      Uint8Array.from([0x0a, 3, 0x61, 0x62, 0x63, 0x12, 5, ...Buffer.from('upokt')]),
    )
    expect(badAddress).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'invalid address: decoding bech32 failed: invalid bech32 string length 3',
    })

    const noApplication = await grpc.call('/pocket.session.Query/GetSession')
    expect(noApplication).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'empty address string is not allowed: invalid application address for session',
    })
  })
})

describe('statuses', () => {
  it("gives a registered error Go's GRPCStatus() text, and an unexpected exception Internal", () => {
    expect(grpcStatusOf(sdkErrors.keyNotFound.wrap('inner').at('x.go:1'))).toEqual({
      code: status.UNKNOWN,
      details: 'codespace sdk code 22: key not found: inner',
    })
    expect(grpcStatusOf(sdkErrors.keyNotFound.wrap('inner').wrap('outer'))).toEqual({
      code: status.UNKNOWN,
      details: 'codespace sdk code 22: key not found: inner: outer',
    })
    expect(grpcStatusOf(new TypeError('x is undefined'))).toMatchObject({ code: status.INTERNAL })
  })

  it('answers random bytes on every path with a status, and keeps serving', async () => {
    const paths = [
      ...devnet.node.app.queries.paths(),
      `${TX}/GetTx`,
      `${TX}/BroadcastTx`,
      `${CMT}/GetBlockByHeight`,
    ]
    let seed = 7
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed
    }
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: random() % 40 }, () => random() % 256)
      const answer = await grpc.call(paths[i % paths.length]!, bytes)
      expect(answer.code === status.OK || answer.details !== '').toBe(true)
      expect(answer.code).not.toBe(status.UNAVAILABLE)
    }
    expect((await grpc.call('/pocket.shared.Query/Params')).code).toBe(status.OK)
  })
})

describe('cosmos.tx.v1beta1.Service', () => {
  it('broadcasts (sync), then finds the transaction with GetTx', async () => {
    const from = signerOf(devnet, 'user1')
    const to = signerOf(devnet, 'user2')
    const tx = await signTx(devnet, from, [
      msg(MsgSendSchema, {
        fromAddress: from.address,
        toAddress: to.address,
        amount: [{ denom: 'upokt', amount: '1234' }],
      }),
    ])
    const request = Uint8Array.from([
      0x0a,
      ...lengthOf(tx.length),
      ...tx,
      0x10,
      2, // BROADCAST_MODE_SYNC
    ])
    const broadcast = await grpc.call(`${TX}/BroadcastTx`, request)
    expect(broadcast.code).toBe(status.OK)
    const checked = fromBinary(TxResponseSchema, field(broadcast.response!, 1)!)
    expect(checked.code).toBe(0)
    expect(checked.txhash).toMatch(/^[0-9A-F]{64}$/)

    // The same transaction again: answered with "tx already in mempool" (sdk 19).
    const again = await grpc.call(`${TX}/BroadcastTx`, request)
    const duplicate = fromBinary(TxResponseSchema, field(again.response!, 1)!)
    expect({ code: duplicate.code, codespace: duplicate.codespace }).toEqual({
      code: 19,
      codespace: 'sdk',
    })

    await devnet.produceBlocks(1)
    const found = await grpc.call(
      `${TX}/GetTx`,
      Uint8Array.from([0x0a, 64, ...Buffer.from(checked.txhash)]),
    )
    expect(found.code).toBe(status.OK)
    expect(field(found.response!, 1)).toEqual(tx)
    const result = fromBinary(TxResponseSchema, field(found.response!, 2)!)
    expect(result).toMatchObject({
      height: devnet.height,
      txhash: checked.txhash,
      code: 0,
      tx: { typeUrl: '/cosmos.tx.v1beta1.Tx' },
    })
    expect(result.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(result.tx?.value).toEqual(tx)
    const transfer = result.events.find((e) => e.type === 'transfer')
    expect(transfer?.attributes.find((a) => a.key === 'amount')?.value).toBe('1234upokt')
  })

  it('fails as the SDK does: empty, unsupported mode, missing or malformed hash', async () => {
    expect(await grpc.call(`${TX}/BroadcastTx`)).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'invalid empty tx',
    })
    expect(await grpc.call(`${TX}/BroadcastTx`, Uint8Array.from([0x0a, 1, 1]))).toMatchObject({
      code: status.UNKNOWN,
      details: 'unsupported return type unspecified; supported types: sync, async',
    })
    const zeros = '00'.repeat(32)
    expect(
      await grpc.call(`${TX}/GetTx`, Uint8Array.from([0x0a, 64, ...Buffer.from(zeros)])),
    ).toMatchObject({ code: status.NOT_FOUND, details: `tx not found: ${zeros}` })
    expect(await grpc.call(`${TX}/GetTx`)).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'tx hash cannot be empty',
    })
    expect(
      await grpc.call(`${TX}/GetTx`, Uint8Array.from([0x0a, 3, ...Buffer.from('xyz')])),
    ).toMatchObject({ code: status.UNKNOWN, details: "encoding/hex: invalid byte: U+0078 'x'" })
    expect(await grpc.call(`${TX}/Simulate`)).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'empty txBytes is not allowed',
    })
  })
})

describe('cosmos.base.tendermint.v1beta1.Service', () => {
  it('serves the latest block and blocks by height, as the RPC does', async () => {
    const latest = await grpc.call(`${CMT}/GetLatestBlock`)
    expect(latest.code).toBe(status.OK)
    const { block_id: blockId } = (await rpc(devnet.rpcUrl, 'block', {})) as {
      block_id: { hash: string }
    }
    const response = latest.response!
    expect(
      Buffer.from(field(field(response, 1)!, 1)!)
        .toString('hex')
        .toUpperCase(),
    ).toBe(blockId.hash)
    const header = field(field(response, 2)!, 1)!
    expect(varint(field(header, 3))).toBe(devnet.height)
    expect(text(field(header, 2))).toBe(devnet.chainId)
    const sdkHeader = field(field(response, 3)!, 1)!
    expect(text(field(sdkHeader, 14))).toMatch(/^poktvalcons1/)

    const first = await grpc.call(`${CMT}/GetBlockByHeight`, Uint8Array.from([0x08, 1]))
    expect(varint(field(field(field(first.response!, 2)!, 1)!, 3))).toBe(1n)
    expect(await grpc.call(`${CMT}/GetBlockByHeight`, Uint8Array.from([0x08, 0x7f]))).toMatchObject(
      {
        code: status.INVALID_ARGUMENT,
        details: 'requested block height is bigger then the chain length',
      },
    )
  })

  it('serves the validator set, latest and by height', async () => {
    const latest = await grpc.call(`${CMT}/GetLatestValidatorSet`)
    expect(varint(field(latest.response!, 1))).toBe(devnet.height)
    const validator = field(latest.response!, 2)!
    expect(text(field(validator, 1))).toMatch(/^poktvalcons1/)
    expect(text(field(field(validator, 2)!, 1))).toBe('/cosmos.crypto.ed25519.PubKey')
    expect(varint(field(validator, 3))).toBe(10n)
    expect(varint(field(field(latest.response!, 3)!, 2))).toBe(1n) // pagination.total
    const atOne = await grpc.call(`${CMT}/GetValidatorSetByHeight`, Uint8Array.from([0x08, 1]))
    expect(varint(field(atOne.response!, 1))).toBe(1n)
    expect(await grpc.call(`${CMT}/GetValidatorSetByHeight`)).toMatchObject({
      code: status.UNKNOWN,
      details: 'height must be greater than 0, but got 0',
    })
  })

  it('serves node info and syncing', async () => {
    const info = await grpc.call(`${CMT}/GetNodeInfo`)
    const nodeInfo = field(info.response!, 1)!
    expect(text(field(nodeInfo, 4))).toBe(devnet.chainId)
    expect(text(field(field(info.response!, 2)!, 8))).toBe('v0.53.7')
    const syncing = await grpc.call(`${CMT}/GetSyncing`)
    expect(syncing).toMatchObject({ code: status.OK, response: new Uint8Array() })
  })
})

describe('the gRPC port', () => {
  it('can be turned off, and a taken port fails the start', async () => {
    const off = await startDevnet({ port: 0, blockTimeMs: 0, grpcPort: false })
    expect(off.grpcAddress).toBeUndefined()
    await off.stop()
    const taken = Number(devnet.grpcAddress!.split(':').at(-1))
    await expect(startDevnet({ port: 0, blockTimeMs: 0, grpcPort: taken })).rejects.toMatchObject({
      code: 'RPC_FAILED',
    })
  })
})

function lengthOf(n: number): number[] {
  const out: number[] = []
  let v = n
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v >>>= 7
  }
  out.push(v)
  return out
}
