import type { DescMessage, MessageShape } from '@decai/protocol'
import { type DescField, ScalarType } from '@decai/protocol'
import { hasCustomType, isNonNullable } from './proto-options.js'

/** An ABCI event attribute; `index` is what CometBFT indexes for `tx_search`. */
export type EventAttribute = { key: string; value: string; index: boolean }

/** An ABCI event (`abci.Event`). */
export type AbciEvent = { type: string; attributes: EventAttribute[] }

/** `sdk.NewEvent(type, attrs...)` with every attribute indexed. */
export function newEvent(type: string, attributes: [string, string][]): AbciEvent {
  return { type, attributes: attributes.map(([key, value]) => ({ key, value, index: true })) }
}

type Fields = Record<string, unknown>

/**
 * `sdk.TypedEventToEvent`: the event type is the message's full name and each attribute is one
 * top-level field of its proto3 JSON (gogo jsonpb with original field names and defaults
 * emitted), keys sorted, values as raw JSON text (so strings keep their quotes).
 */
export function typedEvent<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
): AbciEvent {
  const m = message as unknown as Fields
  const attrs: [string, string][] = schema.fields.map((f: DescField) => [f.name, fieldJson(m, f)])
  attrs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  return newEvent(schema.typeName, attrs)
}

/** The proto3 JSON of a message as gogo's jsonpb writes it (OrigName, EmitDefaults). */
export function gogoJson<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
): string {
  return messageJson(schema, message as unknown as Fields)
}

function messageJson(desc: DescMessage, m: Fields | undefined): string {
  const parts = desc.fields.map(
    (f: DescField) => `${JSON.stringify(f.name)}:${fieldJson(m ?? {}, f)}`,
  )
  return `{${parts.join(',')}}`
}

function enumJson(field: DescField, value: unknown): string {
  const e = (field as { enum?: { values: { number: number; name: string }[] } }).enum
  const name = e?.values.find((v) => v.number === value)?.name
  return name === undefined ? String(value) : JSON.stringify(name)
}

function fieldJson(m: Fields, field: DescField): string {
  const value = m[field.localName]
  switch (field.fieldKind) {
    case 'scalar':
      return scalarJson(field.scalar, value, hasCustomType(field))
    case 'enum':
      return enumJson(field, value ?? 0)
    case 'message':
      if (value === undefined || value === null) {
        return isNonNullable(field) ? messageJson(field.message, undefined) : 'null'
      }
      return messageJson(field.message, value as Fields)
    case 'list': {
      const items = (value as unknown[] | undefined) ?? []
      const out = items.map((item) => {
        if (field.listKind === 'message') return messageJson(field.message, item as Fields)
        if (field.listKind === 'enum') return enumJson(field, item)
        return scalarJson(field.scalar, item, false)
      })
      return `[${out.join(',')}]`
    }
    case 'map': {
      const map = (value as Record<string, unknown> | undefined) ?? {}
      const numeric = field.mapKey !== ScalarType.STRING && field.mapKey !== ScalarType.BOOL
      const keys = Object.keys(map).sort((a, b) => {
        if (numeric) {
          const x = BigInt(a)
          const y = BigInt(b)
          return x < y ? -1 : x > y ? 1 : 0
        }
        return a < b ? -1 : a > b ? 1 : 0
      })
      const entries = keys.map((key) => {
        const v = map[key]
        let json: string
        if (field.mapKind === 'message') json = messageJson(field.message, v as Fields)
        else if (field.mapKind === 'enum') json = enumJson(field, v)
        else json = scalarJson(field.scalar, v, false)
        return `${goJsonString(key)}:${json}`
      })
      return `{${entries.join(',')}}`
    }
  }
}

function scalarJson(type: number, value: unknown, isCustomType: boolean): string {
  switch (type) {
    case ScalarType.STRING:
      // A zero cosmossdk.io/math.Int (the Coin amount's custom type) marshals as "0".
      if (isCustomType && (value === '' || value === undefined)) return '"0"'
      return goJsonString((value as string | undefined) ?? '')
    case ScalarType.BYTES: {
      // A nil Go slice marshals as null.
      const bytes = (value as Uint8Array | undefined) ?? new Uint8Array()
      return bytes.length === 0 ? 'null' : JSON.stringify(Buffer.from(bytes).toString('base64'))
    }
    case ScalarType.BOOL:
      return value ? 'true' : 'false'
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return `"${BigInt((value as bigint | undefined) ?? 0n)}"`
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return goFloat((value as number | undefined) ?? 0)
    default:
      return String(value ?? 0)
  }
}

/** encoding/json's string escaping, including its HTML-safe escapes. */
export function goJsonString(text: string): string {
  return JSON.stringify(text)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

/** encoding/json's float64 text: decimal between 1e-6 and 1e21, else exponent with two digits. */
function goFloat(x: number): string {
  if (Number.isNaN(x)) return '"NaN"'
  if (!Number.isFinite(x)) return x > 0 ? '"Infinity"' : '"-Infinity"'
  const abs = Math.abs(x)
  if (abs === 0 || (abs >= 1e-6 && abs < 1e21)) {
    const s = String(x)
    if (!s.includes('e')) return s
    return x.toFixed(20).replace(/\.?0+$/, '')
  }
  return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2')
}

/** Collects events in order, as the SDK's `EventManager` does. */
export class EventManager {
  readonly events: AbciEvent[] = []

  emit(event: AbciEvent): void {
    this.events.push(event)
  }

  emitTyped<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): void {
    this.events.push(typedEvent(schema, message))
  }
}
