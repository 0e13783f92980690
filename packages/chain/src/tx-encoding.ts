import {
  create,
  type DescMessage,
  type MessageInitShape,
  marshal,
  packAny,
  unmarshal,
} from '@decai/protocol'
import { GasInfoSchema } from '@decai/protocol/gen/cosmos/base/abci/v1beta1/abci_pb'
import { PubKeySchema } from '@decai/protocol/gen/cosmos/crypto/secp256k1/keys_pb'
import { SignMode } from '@decai/protocol/gen/cosmos/tx/signing/v1beta1/signing_pb'
import {
  AuthInfoSchema,
  SignDocSchema,
  TxBodySchema,
  TxRawSchema,
} from '@decai/protocol/gen/cosmos/tx/v1beta1/tx_pb'
import { ChainError } from './errors.js'

/** A transaction message packed as a Cosmos `Any`: its type URL and canonical bytes. */
export type EncodedMessage = {
  readonly typeUrl: string
  readonly value: Uint8Array
}

/**
 * Packs any protobuf-es message for a transaction, with the chain's canonical (gogoproto)
 * bytes.
 *
 * @example
 * const msg = encodeMessage(MsgSendSchema, { fromAddress, toAddress, amount: [{ denom: 'upokt', amount: '1' }] })
 * await client.sendTransaction({ messages: [msg] })
 */
export function encodeMessage<Desc extends DescMessage>(
  schema: Desc,
  message: MessageInitShape<Desc>,
): EncodedMessage {
  const any = packAny(schema, create(schema, message))
  return { typeUrl: any.typeUrl, value: any.value }
}

/** A fee: coins paid and the gas limit they buy. */
export type TxFee = {
  amount: readonly { denom: string; amount: bigint }[]
  gasLimit: bigint
}

/** The bytes of a `TxBody`. */
export function encodeTxBody(parameters: {
  messages: readonly EncodedMessage[]
  memo?: string | undefined
  timeoutHeight?: bigint | undefined
}): Uint8Array {
  return marshal(
    TxBodySchema,
    create(TxBodySchema, {
      messages: parameters.messages.map((m) => ({ typeUrl: m.typeUrl, value: m.value })),
      memo: parameters.memo ?? '',
      timeoutHeight: parameters.timeoutHeight ?? 0n,
    }),
  )
}

/** The bytes of an `AuthInfo` for one secp256k1 signer in SIGN_MODE_DIRECT. */
export function encodeAuthInfo(parameters: {
  publicKey: Uint8Array
  sequence: bigint
  fee: TxFee
}): Uint8Array {
  const { publicKey, sequence, fee } = parameters
  return marshal(
    AuthInfoSchema,
    create(AuthInfoSchema, {
      signerInfos: [
        {
          publicKey: packAny(PubKeySchema, create(PubKeySchema, { key: publicKey })),
          modeInfo: { sum: { case: 'single', value: { mode: SignMode.DIRECT } } },
          sequence,
        },
      ],
      fee: {
        amount: fee.amount.map((c) => ({ denom: c.denom, amount: c.amount.toString() })),
        gasLimit: fee.gasLimit,
      },
    }),
  )
}

/** The SIGN_MODE_DIRECT sign bytes: the encoded `SignDoc`. */
export function encodeSignDoc(parameters: {
  bodyBytes: Uint8Array
  authInfoBytes: Uint8Array
  chainId: string
  accountNumber: bigint
}): Uint8Array {
  return marshal(SignDocSchema, create(SignDocSchema, parameters))
}

/** The broadcast bytes: a `TxRaw`. */
export function encodeTxRaw(parameters: {
  bodyBytes: Uint8Array
  authInfoBytes: Uint8Array
  signatures: readonly Uint8Array[]
}): Uint8Array {
  return marshal(
    TxRawSchema,
    create(TxRawSchema, { ...parameters, signatures: [...parameters.signatures] }),
  )
}

/** Decodes broadcast bytes into body, auth info and signatures. */
export function decodeTxRaw(bytes: Uint8Array) {
  try {
    const raw = unmarshal(TxRawSchema, bytes)
    return {
      body: unmarshal(TxBodySchema, raw.bodyBytes),
      authInfo: unmarshal(AuthInfoSchema, raw.authInfoBytes),
      signatures: raw.signatures,
      bodyBytes: raw.bodyBytes,
      authInfoBytes: raw.authInfoBytes,
    }
  } catch (cause) {
    throw new ChainError('DECODE_FAILED', 'Not a valid transaction.', {
      cause,
    })
  }
}

/**
 * A transaction's hash as CometBFT names it: SHA-256 of its bytes, uppercase hex.
 *
 * @example await getTxHash(txBytes) // 'A1B2…'
 */
export async function getTxHash(txBytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', txBytes as BufferSource))
  let hex = ''
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0')
  return hex.toUpperCase()
}

// `cosmos.tx.v1beta1.Service/Simulate` is not among the generated protos; its request and
// response are two fields each, written and read here directly.

/** `SimulateRequest { bytes tx_bytes = 2; }` */
export function encodeSimulateRequest(txBytes: Uint8Array): Uint8Array {
  const length = encodeVarint(BigInt(txBytes.length))
  const out = new Uint8Array(1 + length.length + txBytes.length)
  out[0] = (2 << 3) | 2
  out.set(length, 1)
  out.set(txBytes, 1 + length.length)
  return out
}

/** `SimulateResponse { GasInfo gas_info = 1; Result result = 2; }` → gas used and wanted. */
export function decodeSimulateResponse(bytes: Uint8Array): { gasUsed: bigint; gasWanted: bigint } {
  let offset = 0
  const varint = (): bigint => {
    let result = 0n
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = bytes[offset++]
      if (byte === undefined) throw new ChainError('DECODE_FAILED', 'Truncated simulate response.')
      result |= BigInt(byte & 0x7f) << shift
      if (byte < 0x80) return result
    }
    throw new ChainError('DECODE_FAILED', 'Invalid varint in simulate response.')
  }
  let gasInfo = { gasUsed: 0n, gasWanted: 0n }
  while (offset < bytes.length) {
    const tag = Number(varint())
    const wire = tag & 7
    if (wire === 0) varint()
    else if (wire === 1) offset += 8
    else if (wire === 5) offset += 4
    else if (wire === 2) {
      const length = Number(varint())
      const value = bytes.subarray(offset, offset + length)
      if (value.length !== length) {
        throw new ChainError('DECODE_FAILED', 'Truncated simulate response.')
      }
      offset += length
      if (tag >>> 3 === 1) {
        const info = unmarshal(GasInfoSchema, value)
        gasInfo = { gasUsed: info.gasUsed, gasWanted: info.gasWanted }
      }
    } else
      throw new ChainError('DECODE_FAILED', `Unexpected wire type ${wire} in simulate response.`)
  }
  return gasInfo
}

function encodeVarint(value: bigint): Uint8Array {
  const out: number[] = []
  let v = value
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
  return Uint8Array.from(out)
}
