import {
  type DescField,
  type DescMessage,
  fromBinary,
  getOption,
  hasOption,
  type MessageShape,
  ScalarType,
} from '@bufbuild/protobuf'
import type { ReflectMessage } from '@bufbuild/protobuf/reflect'
import { reflect } from '@bufbuild/protobuf/reflect'
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire'
import { ProtocolError, protocolErrorCodes } from './errors.js'
import { customtype, nullable, stdtime } from './gen/gogoproto/gogo_pb.js'

/**
 * Encodes a message exactly as poktroll's gogoproto `Marshal` does, so hashes and signatures over
 * the bytes match the chain's: fields in ascending number order, implicit-presence zero values
 * left out, `(gogoproto.nullable) = false` message fields always written (an empty one as its
 * tag and a zero length), map entries sorted by key, unknown fields dropped.
 *
 * @example
 * const bytes = marshal(RelayRequestSchema, create(RelayRequestSchema, { payload }))
 * // bytes starts with 0a 00: gogo always writes the non-nullable `meta`.
 */
export function marshal<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
): Uint8Array {
  try {
    return writeMessage(new BinaryWriter(), reflect(schema, message)).finish()
  } catch (cause) {
    throw new ProtocolError(protocolErrorCodes.ENCODE_FAILED, `Cannot encode ${schema.typeName}.`, {
      cause,
    })
  }
}

/**
 * Decodes protobuf bytes into a message, raising a typed `ProtocolError` (code `DECODE_FAILED`)
 * instead of a bare exception when the bytes are malformed. Unknown fields are dropped, as gogo
 * types do, so `marshal(unmarshal(x))` is the chain's canonical form of `x`.
 */
export function unmarshal<Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array,
): MessageShape<Desc> {
  try {
    return fromBinary(schema, bytes, { readUnknownFields: false })
  } catch (cause) {
    throw new ProtocolError(
      protocolErrorCodes.DECODE_FAILED,
      `Bytes are not a valid ${schema.typeName}.`,
      { cause },
    )
  }
}

// What gogo writes for a field left at its zero value, when it writes anything at all: gogo
// writes every `(gogoproto.nullable) = false` field whose Go type is a struct, since it cannot
// tell a zero struct from an absent one. Computed once per field.
const zeroEncodings = new WeakMap<DescField, Uint8Array | null>()

function getZeroEncoding(field: DescField): Uint8Array | null {
  const cached = zeroEncodings.get(field)
  if (cached !== undefined) return cached
  let zero: Uint8Array | null = null
  if (hasOption(field, nullable) && getOption(field, nullable) === false) {
    if (field.fieldKind === 'message' && hasOption(field, stdtime) && getOption(field, stdtime)) {
      // A zero time.Time is 0001-01-01T00:00:00Z, not the Unix epoch.
      zero = goZeroTimestamp
    } else if (field.fieldKind === 'message') {
      zero = encodeEmpty(field.message)
    } else if (field.fieldKind === 'scalar' && hasOption(field, customtype)) {
      // cosmossdk.io/math.Int and LegacyDec: a zero value marshals as the text "0".
      zero = new TextEncoder().encode('0')
    }
  }
  zeroEncodings.set(field, zero)
  return zero
}

// google.protobuf.Timestamp{seconds: -62135596800}: Go's zero time.Time.
const goZeroTimestamp = new BinaryWriter().tag(1, WireType.Varint).int64(-62135596800n).finish()

function writeMessage(writer: BinaryWriter, message: ReflectMessage): BinaryWriter {
  for (const field of message.sortedFields) {
    if (message.isSet(field)) {
      writeField(writer, message, field)
      continue
    }
    const zero = getZeroEncoding(field)
    if (zero) writer.tag(field.number, WireType.LengthDelimited).bytes(zero)
  }
  return writer
}

// An unset non-nullable field is a zero Go struct, whose own non-nullable fields gogo writes too.
const emptyEncodings = new WeakMap<DescMessage, Uint8Array>()

function encodeEmpty(desc: DescMessage): Uint8Array {
  const cached = emptyEncodings.get(desc)
  if (cached) return cached
  const bytes = writeMessage(new BinaryWriter(), reflect(desc)).finish()
  emptyEncodings.set(desc, bytes)
  return bytes
}

function writeField(writer: BinaryWriter, message: ReflectMessage, field: DescField): void {
  switch (field.fieldKind) {
    case 'scalar':
      writeTagged(writer, field.number, field.scalar, message.get(field))
      return
    case 'enum':
      writeTagged(writer, field.number, ScalarType.INT32, message.get(field))
      return
    case 'message':
      writeNested(writer, field.number, message.get(field))
      return
    case 'list': {
      const list = message.get(field)
      if (field.listKind === 'message') {
        for (const item of list) writeNested(writer, field.number, item as ReflectMessage)
        return
      }
      const scalar = field.listKind === 'enum' ? ScalarType.INT32 : field.scalar
      if (field.packed) {
        writer.tag(field.number, WireType.LengthDelimited).fork()
        for (const item of list) writeScalar(writer, scalar, item)
        writer.join()
        return
      }
      for (const item of list) writeTagged(writer, field.number, scalar, item)
      return
    }
    case 'map': {
      const map = message.get(field)
      const valueScalar = field.mapKind === 'enum' ? ScalarType.INT32 : field.scalar
      for (const key of sortMapKeys([...map.keys()], field.mapKey)) {
        writer.tag(field.number, WireType.LengthDelimited).fork()
        writeTagged(writer, 1, field.mapKey, key)
        const value = map.get(key)
        if (field.mapKind === 'message') writeNested(writer, 2, value as ReflectMessage)
        else writeTagged(writer, 2, valueScalar as ScalarType, value)
        writer.join()
      }
      return
    }
  }
}

function writeNested(writer: BinaryWriter, fieldNumber: number, message: ReflectMessage): void {
  writer.tag(fieldNumber, WireType.LengthDelimited).fork()
  writeMessage(writer, message)
  writer.join()
}

// Go sorts map keys before a deterministic marshal: strings bytewise (UTF-8), integers
// numerically, false before true.
function sortMapKeys(keys: unknown[], keyType: ScalarType): unknown[] {
  if (keyType === ScalarType.STRING) {
    const encoder = new TextEncoder()
    return keys
      .map((key) => ({ key, bytes: encoder.encode(key as string) }))
      .sort((a, b) => compareBytes(a.bytes, b.bytes))
      .map(({ key }) => key)
  }
  if (keyType === ScalarType.BOOL) return keys.sort((a, b) => Number(a) - Number(b))
  return keys.sort((a, b) => {
    const x = BigInt(a as bigint | number | string)
    const y = BigInt(b as bigint | number | string)
    return x < y ? -1 : x > y ? 1 : 0
  })
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!
  }
  return a.length - b.length
}

function writeTagged(
  writer: BinaryWriter,
  fieldNumber: number,
  scalar: ScalarType,
  value: unknown,
): void {
  writer.tag(fieldNumber, wireTypeOf(scalar))
  writeScalar(writer, scalar, value)
}

function wireTypeOf(scalar: ScalarType): WireType {
  switch (scalar) {
    case ScalarType.BYTES:
    case ScalarType.STRING:
      return WireType.LengthDelimited
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32
    default:
      return WireType.Varint
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the writer's methods each take their own type.
function writeScalar(writer: BinaryWriter, scalar: ScalarType, value: any): void {
  switch (scalar) {
    case ScalarType.STRING:
      writer.string(value)
      return
    case ScalarType.BYTES:
      writer.bytes(value)
      return
    case ScalarType.BOOL:
      writer.bool(value)
      return
    case ScalarType.DOUBLE:
      writer.double(value)
      return
    case ScalarType.FLOAT:
      writer.float(value)
      return
    case ScalarType.INT32:
      writer.int32(value)
      return
    case ScalarType.UINT32:
      writer.uint32(value)
      return
    case ScalarType.SINT32:
      writer.sint32(value)
      return
    case ScalarType.FIXED32:
      writer.fixed32(value)
      return
    case ScalarType.SFIXED32:
      writer.sfixed32(value)
      return
    case ScalarType.INT64:
      writer.int64(value)
      return
    case ScalarType.UINT64:
      writer.uint64(value)
      return
    case ScalarType.SINT64:
      writer.sint64(value)
      return
    case ScalarType.FIXED64:
      writer.fixed64(value)
      return
    case ScalarType.SFIXED64:
      writer.sfixed64(value)
      return
  }
}
