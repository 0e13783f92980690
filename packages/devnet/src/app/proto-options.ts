// Descriptor facts the devnet reads from poktroll's protos: gogoproto field options, the
// cosmos.msg.v1.signer message option, and google.protobuf.Any. The devnet depends on
// @decai/protocol only, so options are read from the descriptors' unknown fields here.
// TODO(@decai/protocol): export getOption/hasOption, AnySchema and ScalarType, then drop this.

import type { DescMessage, MessageShape } from '@decai/protocol'
import { type TxBody, TxBodySchema } from '@decai/protocol/gen/cosmos/tx/v1beta1/tx_pb'

export type DescField = DescMessage['fields'][number]

/** protobuf ScalarType numbers. */
export const Scalar = {
  DOUBLE: 1,
  FLOAT: 2,
  INT64: 3,
  UINT64: 4,
  INT32: 5,
  FIXED64: 6,
  FIXED32: 7,
  BOOL: 8,
  STRING: 9,
  BYTES: 12,
  UINT32: 13,
  SFIXED32: 15,
  SFIXED64: 16,
  SINT32: 17,
  SINT64: 18,
} as const

type UnknownField = { no: number; wireType: number; data: Uint8Array }

function unknownOf(options: unknown): UnknownField[] {
  return ((options as { $unknown?: UnknownField[] } | undefined)?.$unknown ?? []) as UnknownField[]
}

const GOGO_NULLABLE = 65001
const GOGO_CUSTOMTYPE = 65003
const COSMOS_MSG_SIGNER = 11110000

/** `(gogoproto.nullable) = false`. */
export function isNonNullable(field: DescField): boolean {
  const entry = unknownOf(field.proto.options).find((u) => u.no === GOGO_NULLABLE)
  return entry !== undefined && entry.data[0] === 0
}

/** Whether the field has a `(gogoproto.customtype)` (cosmos math.Int and friends). */
export function hasCustomType(field: DescField): boolean {
  return unknownOf(field.proto.options).some((u) => u.no === GOGO_CUSTOMTYPE)
}

function readLengthPrefixed(data: Uint8Array): Uint8Array {
  let len = 0
  let shift = 0
  let i = 0
  for (; i < data.length; i++) {
    const b = data[i]!
    len |= (b & 0x7f) << shift
    shift += 7
    if ((b & 0x80) === 0) break
  }
  return data.subarray(i + 1, i + 1 + len)
}

/** The field names of a message's `cosmos.msg.v1.signer` option. */
export function signerFieldNames(schema: DescMessage): string[] {
  const text = new TextDecoder()
  return unknownOf(schema.proto.options)
    .filter((u) => u.no === COSMOS_MSG_SIGNER)
    .map((u) => text.decode(readLengthPrefixed(u.data)))
}

/** google.protobuf.Any, as the generated tx types reference it. */
export const AnySchema = TxBodySchema.fields.find((f) => f.name === 'messages')!
  .message as DescMessage
export type Any = TxBody['messages'][number]
export type { MessageShape }
