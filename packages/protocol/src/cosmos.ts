import { create, type DescMessage, type MessageShape } from '@bufbuild/protobuf'
import { type Any, AnySchema } from '@bufbuild/protobuf/wkt'
import { ProtocolError, protocolErrorCodes } from './errors.js'
import { marshal, unmarshal } from './marshal.js'

/**
 * The Cosmos type URL of a message: `/` + its full name (protobuf-es's own `anyPack` writes
 * `type.googleapis.com/…`, which Cosmos chains reject).
 *
 * @example getTypeUrl(MsgCreateClaimSchema) // '/pocket.proof.MsgCreateClaim'
 */
export function getTypeUrl(schema: DescMessage): string {
  return `/${schema.typeName}`
}

/** Packs a message into a Cosmos `Any` with canonical bytes. */
export function packAny<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Any {
  return create(AnySchema, { typeUrl: getTypeUrl(schema), value: marshal(schema, message) })
}

/**
 * Unpacks a Cosmos `Any` whose type is one of `schemas`; a typed error (`UNKNOWN_TYPE_URL`) if
 * none matches, `DECODE_FAILED` if the value is malformed.
 */
export function unpackAny<Schemas extends readonly DescMessage[]>(
  any: Pick<Any, 'typeUrl' | 'value'>,
  schemas: Schemas,
): { schema: Schemas[number]; message: MessageShape<Schemas[number]> } {
  const name = any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1)
  const schema = schemas.find((s) => s.typeName === name)
  if (!schema) {
    throw new ProtocolError(
      protocolErrorCodes.UNKNOWN_TYPE_URL,
      `Unknown type URL ${any.typeUrl}.`,
      {
        details: `expected one of ${schemas.map(getTypeUrl).join(', ')}`,
      },
    )
  }
  return { schema, message: unmarshal(schema, any.value) as MessageShape<Schemas[number]> }
}

/**
 * The shape `@cosmjs/proto-signing`'s `Registry` expects of a generated type (its
 * `TelescopeGeneratedType`), declared here so this package does not depend on cosmjs.
 */
export type CosmjsGeneratedType<Desc extends DescMessage = DescMessage> = {
  readonly typeUrl: string
  /**
   * Returns a writer whose `finish()` gives the canonical bytes. Typed `any`: cosmjs names the
   * writer classes of cosmjs-types and protobufjs, which have private members, so no declared
   * shape satisfies its `Registry` once protobufjs is installed beside it.
   */
  // biome-ignore lint/suspicious/noExplicitAny: cosmjs's writer types are nominal (see above).
  encode(message: MessageShape<Desc>): any
  decode(input: Uint8Array): MessageShape<Desc>
  fromPartial(object: unknown): MessageShape<Desc>
}

/**
 * Adapts a protobuf-es schema to cosmjs, so `pocket.*` messages can be signed with
 * `SigningStargateClient` (SIGN_MODE_DIRECT) and encoded with the chain's canonical bytes.
 *
 * @example
 * const registry = new Registry([...defaultRegistryTypes, toCosmjsRegistryEntry(MsgCreateClaimSchema)])
 */
export function toCosmjsType<Desc extends DescMessage>(schema: Desc): CosmjsGeneratedType<Desc> {
  return {
    typeUrl: getTypeUrl(schema),
    encode: (message) => {
      const bytes = marshal(schema, message)
      return { finish: () => bytes }
    },
    decode: (input) => unmarshal(schema, input),
    fromPartial: (object) =>
      create(schema, object as Parameters<typeof create<Desc>>[1]) as MessageShape<Desc>,
  }
}

/** A `[typeUrl, type]` pair, ready for `new Registry([...])`. */
export function toCosmjsRegistryEntry<Desc extends DescMessage>(
  schema: Desc,
): [string, CosmjsGeneratedType<Desc>] {
  return [getTypeUrl(schema), toCosmjsType(schema)]
}
