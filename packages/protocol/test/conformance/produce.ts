// Writes random messages of every pocket.* type (and the HTTP envelope) with their canonical
// encoding, for the Go reference to check: `tsx produce.ts <outDir>`.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  create,
  type DescField,
  type DescMessage,
  getOption,
  hasOption,
  ScalarType,
  toJson,
} from '@bufbuild/protobuf'
import { type ReflectMessage, reflect } from '@bufbuild/protobuf/reflect'
import { customtype } from '../../src/gen/gogoproto/gogo_pb.js'
import { marshal } from '../../src/index.js'
import { loadRegistry } from '../registry.js'

const outDir = process.argv[2]
if (!outDir) throw new Error('usage: produce.ts <outDir>')

// A small seeded generator (mulberry32): the same run produces the same cases.
let state = 0x5eed
function random(): number {
  state = (state + 0x6d2b79f5) | 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = (n: number) => Math.floor(random() * n)
const word = () =>
  Array.from({ length: 1 + int(12) }, () => 'abcdefghijklmnopqrstuvwxyz0123456789-_'[int(38)]).join(
    '',
  )
const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256))
const u64 = () => (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32))

function scalar(type: ScalarType, field?: DescField): unknown {
  if (field && hasOption(field, customtype) && getOption(field, customtype))
    return String(u64() >> 1n)
  switch (type) {
    case ScalarType.STRING:
      return word()
    case ScalarType.BYTES:
      return bytes(1 + int(40))
    case ScalarType.BOOL:
      return true
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return int(1000) / 8
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return int(2 ** 31) - 2 ** 30
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return int(2 ** 32)
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return (u64() >> 1n) - (1n << 62n)
    default:
      return u64()
  }
}

function fill(message: ReflectMessage, depth: number): void {
  const name = message.desc.typeName
  if (name === 'google.protobuf.Timestamp') {
    message.set(message.desc.field['seconds']!, BigInt(int(4e9)))
    message.set(message.desc.field['nanos']!, int(1e9))
    return
  }
  for (const field of message.fields) {
    if (random() < 0.25 || field.oneof) continue
    switch (field.fieldKind) {
      case 'scalar':
        message.set(field, scalar(field.scalar, field))
        break
      case 'enum': {
        const values = field.enum.values
        message.set(field, values[int(values.length)]!.number)
        break
      }
      case 'message': {
        // Any needs its type resolvable by the Go JSON parser; leave it out.
        if (depth > 3 || field.message.typeName === 'google.protobuf.Any') break
        const child = reflect(field.message)
        fill(child, depth + 1)
        message.set(field, child)
        break
      }
      case 'list': {
        if (depth > 3) break
        const list = message.get(field)
        for (let i = 0; i < 1 + int(3); i++) {
          if (field.listKind === 'message') {
            if (field.message.typeName === 'google.protobuf.Any') break
            const child = reflect(field.message)
            fill(child, depth + 1)
            list.add(child)
          } else if (field.listKind === 'enum') {
            list.add(field.enum.values[int(field.enum.values.length)]!.number)
          } else list.add(scalar(field.scalar, field))
        }
        break
      }
      case 'map': {
        if (depth > 3) break
        const map = message.get(field)
        for (let i = 0; i < 1 + int(3); i++) {
          const key = scalar(field.mapKey)
          if (field.mapKind === 'message') {
            const child = reflect(field.message)
            fill(child, depth + 1)
            map.set(key, child)
          } else if (field.mapKind === 'enum') {
            map.set(key, field.enum.values[int(field.enum.values.length)]!.number)
          } else map.set(key, scalar(field.scalar))
        }
        break
      }
    }
  }
}

const registry = await loadRegistry()
const schemas: DescMessage[] = []
for (const type of registry) {
  if (type.kind !== 'message') continue
  if (type.typeName.startsWith('pocket.') || type.typeName.startsWith('sdk.types.'))
    schemas.push(type)
}
schemas.sort((a, b) => (a.typeName < b.typeName ? -1 : 1))

const cases = []
for (const schema of schemas) {
  for (let i = 0; i < 4; i++) {
    const message = create(schema)
    if (i > 0) fill(reflect(schema, message), 0)
    cases.push({
      type: schema.typeName,
      json: toJson(schema, message, { registry }),
      bytes: Buffer.from(marshal(schema, message)).toString('hex'),
    })
  }
}
mkdirSync(outDir, { recursive: true })
writeFileSync(
  join(outDir, 'protocol-messages.json'),
  JSON.stringify({ kind: 'protocol-messages', cases }),
)
console.log(`protocol-messages: ${cases.length} cases`)
