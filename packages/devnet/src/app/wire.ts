// A minimal protobuf wire reader for the SDK's transaction decoding checks (ADR-027 ordering,
// unknown-field rejection), which need the raw field layout rather than a decoded message.

import type { DescField, DescMessage } from '@decai/protocol'

export type WireField = {
  no: number
  wireType: number
  value: Uint8Array
  start: number
  end: number
}

export class WireError extends Error {}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n
  let shift = 0n
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new WireError('unexpected EOF')
    const b = buf[pos++]!
    result |= BigInt(b & 0x7f) << shift
    if ((b & 0x80) === 0) return [result, pos]
    shift += 7n
  }
  throw new WireError('varint overflow')
}

/** Whether the varint at `pos` uses the fewest bytes (ADR-027's "as short as possible"). */
function isMinimalVarint(buf: Uint8Array, start: number, end: number): boolean {
  return end - start === 1 || buf[end - 1] !== 0
}

/** Splits a message's bytes into fields; throws `WireError` on malformed input. */
export function readFields(buf: Uint8Array, strictVarints = false): WireField[] {
  const out: WireField[] = []
  let pos = 0
  while (pos < buf.length) {
    const start = pos
    const [tag, afterTag] = readVarint(buf, pos)
    if (strictVarints && !isMinimalVarint(buf, pos, afterTag))
      throw new WireError('tag varint is not minimal')
    pos = afterTag
    const no = Number(tag >> 3n)
    const wireType = Number(tag & 7n)
    if (no === 0) throw new WireError('illegal field number 0')
    let value: Uint8Array
    switch (wireType) {
      case 0: {
        const [, next] = readVarint(buf, pos)
        value = buf.subarray(pos, next)
        pos = next
        break
      }
      case 1:
        if (pos + 8 > buf.length) throw new WireError('unexpected EOF')
        value = buf.subarray(pos, pos + 8)
        pos += 8
        break
      case 2: {
        const lenStart = pos
        const [len, next] = readVarint(buf, pos)
        if (strictVarints && !isMinimalVarint(buf, lenStart, next))
          throw new WireError('length varint is not minimal')
        const end = next + Number(len)
        if (end > buf.length) throw new WireError('unexpected EOF')
        value = buf.subarray(next, end)
        pos = end
        break
      }
      case 5:
        if (pos + 4 > buf.length) throw new WireError('unexpected EOF')
        value = buf.subarray(pos, pos + 4)
        pos += 4
        break
      default:
        throw new WireError(`unsupported wire type ${wireType}`)
    }
    out.push({ no, wireType, value, start, end: pos })
  }
  return out
}

const wireTypeNames: Record<number, string> = {
  0: 'varint',
  1: 'fixed64',
  2: 'bytes',
  5: 'fixed32',
}

function scalarWireType(scalar: number): number {
  switch (scalar) {
    case 9:
    case 12:
      return 2
    case 1:
    case 6:
    case 16:
      return 1
    case 2:
    case 7:
    case 15:
      return 5
    default:
      return 0
  }
}

function expectedWireTypes(field: DescField): number[] {
  switch (field.fieldKind) {
    case 'message':
    case 'map':
      return [2]
    case 'enum':
      return [0]
    case 'scalar':
      return [scalarWireType(field.scalar)]
    case 'list':
      if (field.listKind === 'message') return [2]
      if (field.listKind === 'enum') return [0, 2]
      return [scalarWireType(field.scalar), 2]
  }
}

/**
 * `unknownproto.RejectUnknownFields`: every field must be known to `desc`, recursively (Anys
 * through `resolve`); with `allowNonCritical`, unknown fields whose number has bit 11 set are
 * tolerated. Returns whether such non-critical fields were present.
 */
export function rejectUnknownFields(
  bytes: Uint8Array,
  desc: DescMessage,
  allowNonCritical: boolean,
  resolve: (typeUrl: string) => DescMessage | undefined,
): boolean {
  let nonCritical = false
  for (const f of readFields(bytes)) {
    const field = desc.fields.find((x: DescField) => x.number === f.no)
    if (!field) {
      if (allowNonCritical && (f.no & 1024) !== 0) {
        nonCritical = true
        continue
      }
      throw new WireError(
        `errUnknownField "${desc.typeName}": {TagNum: ${f.no}, WireType:"${wireTypeNames[f.wireType] ?? f.wireType}"}`,
      )
    }
    if (!expectedWireTypes(field).includes(f.wireType)) {
      throw new WireError(`invalid wire type for field ${desc.typeName}.${field.name}`)
    }
    const nested =
      field.fieldKind === 'message' || (field.fieldKind === 'list' && field.listKind === 'message')
        ? field.message
        : undefined
    if (!nested) continue
    if (nested.typeName === 'google.protobuf.Any') {
      let typeUrl = ''
      let value: Uint8Array = new Uint8Array()
      for (const a of readFields(f.value)) {
        if (a.no === 1) typeUrl = new TextDecoder().decode(a.value)
        else if (a.no === 2) value = a.value
      }
      if (typeUrl === '') continue
      const target = resolve(typeUrl)
      if (!target) throw new WireError(`unable to resolve type URL ${typeUrl}`)
      nonCritical = rejectUnknownFields(value, target, allowNonCritical, resolve) || nonCritical
      continue
    }
    nonCritical = rejectUnknownFields(f.value, nested, allowNonCritical, resolve) || nonCritical
  }
  return nonCritical
}

/** `rejectNonADR027TxRaw`: TxRaw fields in order 1, 2, 3… with minimal varints. */
export function checkAdr027TxRaw(bytes: Uint8Array): void {
  let previous = 0
  for (const f of readFields(bytes, true)) {
    if (f.wireType !== 2) throw new WireError(`expected 2 wire type, got ${f.wireType}`)
    if (f.no < previous || (f.no === previous && f.no !== 3)) {
      throw new WireError(`txRaw must follow ADR-027, got tagNum ${f.no} after tagNum ${previous}`)
    }
    previous = f.no
  }
}
