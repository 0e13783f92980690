import { type DescMessage, fromJson, type MessageShape } from '@decai/protocol'
import * as applicationEvents from '@decai/protocol/gen/pocket/application/event_pb'
import * as gatewayEvents from '@decai/protocol/gen/pocket/gateway/event_pb'
import * as migrationEvents from '@decai/protocol/gen/pocket/migration/event_pb'
import * as proofEvents from '@decai/protocol/gen/pocket/proof/event_pb'
import * as serviceEvents from '@decai/protocol/gen/pocket/service/event_pb'
import * as supplierEvents from '@decai/protocol/gen/pocket/supplier/event_pb'
import * as tokenomicsEvents from '@decai/protocol/gen/pocket/tokenomics/event_pb'
import type { ChainEvent } from './blocks.js'
import { ChainError } from './errors.js'

function isMessageDesc(value: unknown): value is DescMessage {
  return typeof value === 'object' && value !== null && (value as DescMessage).kind === 'message'
}

// Every pocket.* typed event, by full name (the ABCI event type the SDK writes).
const eventSchemas = new Map<string, DescMessage>()
for (const module of [
  applicationEvents,
  gatewayEvents,
  migrationEvents,
  proofEvents,
  serviceEvents,
  supplierEvents,
  tokenomicsEvents,
]) {
  for (const value of Object.values(module)) {
    if (isMessageDesc(value) && value.name.startsWith('Event')) {
      eventSchemas.set(value.typeName, value)
    }
  }
}

/** The full names of every typed event poktroll emits (`pocket.proof.EventClaimCreated`, ...). */
export function getPocketEventTypes(): string[] {
  return [...eventSchemas.keys()].sort()
}

/** A typed event decoded into its protobuf-es message. */
export type DecodedEvent<Desc extends DescMessage = DescMessage> = {
  /** The proto full name, which is also the ABCI event type. */
  type: string
  schema: Desc
  message: MessageShape<Desc>
}

/**
 * Decodes a typed ABCI event (the SDK's `EmitTypedEvent`: type = proto full name, one attribute
 * per top-level field holding its proto JSON) into its protobuf-es message. Attributes the SDK
 * adds itself (`msg_index`, `mode`) are skipped. Returns `undefined` for events that are not
 * pocket.* typed events (`message`, `coin_spent`, ...), or not of `schema` when one is given.
 *
 * @example
 * const settled = decodeEvent(event, EventClaimSettledSchema)
 * if (settled) console.log(settled.claimedUpokt)
 */
export function decodeEvent<Desc extends DescMessage>(
  event: ChainEvent,
  schema: Desc,
): MessageShape<Desc> | undefined
export function decodeEvent(event: ChainEvent): DecodedEvent | undefined
export function decodeEvent(
  event: ChainEvent,
  schema?: DescMessage,
): DecodedEvent | MessageShape<DescMessage> | undefined {
  if (schema) {
    if (event.type !== schema.typeName) return undefined
    return decodeTypedEvent(event, schema)
  }
  const known = eventSchemas.get(event.type)
  if (!known) return undefined
  return { type: event.type, schema: known, message: decodeTypedEvent(event, known) }
}

/**
 * Every event of one type in a list, decoded.
 *
 * @example
 * const created = findEvents(txResult.events, EventClaimCreatedSchema)
 */
export function findEvents<Desc extends DescMessage>(
  events: readonly ChainEvent[],
  schema: Desc,
): MessageShape<Desc>[] {
  const out: MessageShape<Desc>[] = []
  for (const event of events) {
    const message = decodeEvent(event, schema)
    if (message) out.push(message)
  }
  return out
}

/** Every pocket.* typed event in a list, decoded (other events are left out). */
export function decodeEvents(events: readonly ChainEvent[]): DecodedEvent[] {
  const out: DecodedEvent[] = []
  for (const event of events) {
    const decoded = decodeEvent(event)
    if (decoded) out.push(decoded)
  }
  return out
}

function decodeTypedEvent<Desc extends DescMessage>(
  event: ChainEvent,
  schema: Desc,
): MessageShape<Desc> {
  const names = new Set<string>()
  for (const field of schema.fields) {
    names.add(field.name)
    names.add(field.jsonName)
  }
  const json: Record<string, unknown> = {}
  for (const { key, value } of event.attributes) {
    if (!names.has(key)) continue
    try {
      json[key] = JSON.parse(value)
    } catch (cause) {
      throw new ChainError('DECODE_FAILED', `Attribute ${key} of ${event.type} is not JSON.`, {
        details: value.slice(0, 200),
        cause,
      })
    }
  }
  try {
    return fromJson(schema, json as never, { ignoreUnknownFields: true })
  } catch (cause) {
    throw new ChainError('DECODE_FAILED', `Cannot decode ${event.type}.`, {
      cause,
    })
  }
}
