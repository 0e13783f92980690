// Go `encoding/gob` for exactly one value: a `SparseCompactMerkleClosestProof` (the bytes of
// `MsgSubmitProof.proof`). Only the subset of gob these two structs and `[][]uint8` need.
//
// A gob stream is a sequence of messages, each `uint(length) ‖ int(typeId) ‖ body`. A negative
// id defines a type (the body is a `wireType`); a positive one carries a value of that type.
// Integers are variable length: below 128 one byte, otherwise a negated byte count followed by
// the big-endian bytes. Signed integers are zig-zag encoded. Structs are (field delta, value)
// pairs ending with a zero delta; zero-valued fields are left out.
import { copy } from './bytes.js'
import { isSmstError, SmstError } from './errors.js'
import type { CompactClosestProof, CompactProof } from './proof.js'

// Built-in gob type ids.
const INT_ID = 2
const BYTES_ID = 5
/** The first id gob assigns to user types; smaller ids are reserved. */
const FIRST_USER_ID = 64

// --- Encoding ---------------------------------------------------------------------------------

// The ids Go assigns in a process that has gob-encoded nothing else, so TypeScript-made
// streams are byte-identical to Go's for the same proof.
const OUTER_ID = 64
const SLICE_ID = 65
const INNER_ID = 66

const OUTER_FIELDS = [
  ['Path', BYTES_ID],
  ['FlippedBits', SLICE_ID],
  ['Depth', BYTES_ID],
  ['ClosestPath', BYTES_ID],
  ['ClosestValueHash', BYTES_ID],
  ['ClosestProof', INNER_ID],
] as const

const INNER_FIELDS = [
  ['SideNodes', SLICE_ID],
  ['NonMembershipLeafData', BYTES_ID],
  ['BitMask', BYTES_ID],
  ['NumSideNodes', INT_ID],
  ['SiblingData', BYTES_ID],
] as const

/**
 * Go `gob` encoding of a compact closest proof, as smt's `Marshal` writes it: three type
 * definitions, then the value.
 */
export function encodeClosestProof(proof: CompactClosestProof): Uint8Array {
  const w = new Writer(TYPE_DEFINITIONS.length + 64 + estimateSize(proof))
  w.bytes(TYPE_DEFINITIONS)
  w.message(OUTER_ID, () => {
    const f = w.fields()
    f.bytes(0, proof.path)
    f.byteSlices(1, proof.flippedBits)
    f.bytes(2, proof.depth)
    f.bytes(3, proof.closestPath)
    f.bytes(4, proof.closestValueHash)
    const inner = proof.closestProof
    if (inner !== undefined) {
      f.start(5)
      const g = w.fields()
      g.byteSlices(0, inner.sideNodes)
      g.bytes(1, inner.nonMembershipLeafData)
      g.bytes(2, inner.bitMask)
      if (inner.numSideNodes !== 0) {
        if (!Number.isSafeInteger(inner.numSideNodes))
          throw new SmstError('INVALID_ARGUMENT', 'NumSideNodes must be an integer.')
        g.start(3)
        w.int(inner.numSideNodes)
      }
      g.bytes(4, inner.siblingData)
      g.end()
    }
    f.end()
  })
  return w.finish()
}

function estimateSize(p: CompactClosestProof): number {
  let n = p.path.length + p.depth.length + p.closestPath.length
  n += p.closestValueHash?.length ?? 0
  for (const b of p.flippedBits) n += b.length + 9
  const inner = p.closestProof
  if (inner) {
    for (const node of inner.sideNodes) n += node.length + 9
    n += inner.bitMask.length + (inner.siblingData?.length ?? 0)
    n += inner.nonMembershipLeafData?.length ?? 0
  }
  return n + 16 * 9
}

/** A growable byte buffer with gob's integer and struct encodings. */
class Writer {
  #buf: Uint8Array
  #pos = 0

  constructor(size = 256) {
    this.#buf = new Uint8Array(size)
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#pos)
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#pos + n))
    next.set(this.#buf.subarray(0, this.#pos))
    this.#buf = next
  }

  #byte(b: number): void {
    this.#ensure(1)
    this.#buf[this.#pos++] = b
  }

  bytes(bytes: Uint8Array): void {
    this.#ensure(bytes.length)
    this.#buf.set(bytes, this.#pos)
    this.#pos += bytes.length
  }

  /** `uint(length) ‖ int(typeId) ‖ body`: the body is written, then moved to make room. */
  message(typeId: number, body: () => void): void {
    const start = this.#pos
    this.int(typeId)
    body()
    const length = this.#pos - start
    const prefix = uintSize(length)
    this.#ensure(prefix)
    this.#buf.copyWithin(start + prefix, start, this.#pos)
    this.#pos = start
    this.uint(length)
    this.#pos = start + prefix + length
  }

  /** Values here are lengths, counts, field deltas and type ids: safe integers. */
  uint(value: number): void {
    if (value < 128) {
      this.#byte(value)
      return
    }
    const n = uintSize(value) - 1
    this.#ensure(n + 1)
    this.#buf[this.#pos] = 256 - n
    for (let i = n, v = value; i >= 1; i--, v = Math.floor(v / 256))
      this.#buf[this.#pos + i] = v % 256
    this.#pos += n + 1
  }

  int(value: number): void {
    this.uint(value < 0 ? (-value - 1) * 2 + 1 : value * 2)
  }

  raw(bytes: Uint8Array): void {
    this.uint(bytes.length)
    this.bytes(bytes)
  }

  /** A struct value: fields are written in increasing order as deltas from the previous one. */
  fields() {
    let last = -1
    const start = (field: number) => {
      this.uint(field - last)
      last = field
    }
    return {
      start,
      end: () => this.#byte(0),
      bytes: (field: number, value: Uint8Array | undefined) => {
        if (value === undefined || value.length === 0) return
        start(field)
        this.raw(value)
      },
      byteSlices: (field: number, values: Uint8Array[]) => {
        if (values.length === 0) return
        start(field)
        this.uint(values.length)
        for (const v of values) this.raw(v)
      },
    }
  }

  /** wireType{StructT: structType{CommonType{Name, Id}, Field []fieldType{Name, Id}}} */
  structType(name: string, id: number, fields: readonly (readonly [string, number])[]): void {
    const wire = this.fields()
    wire.start(2)
    const st = this.fields()
    st.start(0)
    this.commonType(name, id)
    st.start(1)
    this.uint(fields.length)
    for (const [fieldName, fieldId] of fields) {
      const ft = this.fields()
      ft.start(0)
      this.raw(ascii(fieldName))
      ft.start(1)
      this.int(fieldId)
      ft.end()
    }
    st.end()
    wire.end()
  }

  /** wireType{SliceT: sliceType{CommonType{Name, Id}, Elem}} */
  sliceType(name: string, id: number, elem: number): void {
    const wire = this.fields()
    wire.start(1)
    const sl = this.fields()
    sl.start(0)
    this.commonType(name, id)
    sl.start(1)
    this.int(elem)
    sl.end()
    wire.end()
  }

  commonType(name: string, id: number): void {
    const ct = this.fields()
    ct.start(0)
    this.raw(ascii(name))
    ct.start(1)
    this.int(id)
    ct.end()
  }
}

/** Bytes gob takes for an unsigned integer. */
function uintSize(value: number): number {
  if (value < 128) return 1
  let n = 1
  for (let v = value; v >= 256; v = Math.floor(v / 256)) n++
  return n + 1
}

/** The type definitions every proof stream starts with; they never change. */
const TYPE_DEFINITIONS: Uint8Array = (() => {
  const w = new Writer()
  w.message(-OUTER_ID, () =>
    w.structType('SparseCompactMerkleClosestProof', OUTER_ID, OUTER_FIELDS),
  )
  w.message(-SLICE_ID, () => w.sliceType('[][]uint8', SLICE_ID, BYTES_ID))
  w.message(-INNER_ID, () => w.structType('SparseCompactMerkleProof', INNER_ID, INNER_FIELDS))
  return w.finish()
})()

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0))
}

// --- Decoding ---------------------------------------------------------------------------------

type WireType =
  | { kind: 'slice'; elem: number }
  | { kind: 'struct'; fields: { name: string; id: number }[] }

type FieldKind = 'bytes' | 'byteSlices' | 'int' | 'inner'

const OUTER_KINDS: Record<string, FieldKind> = {
  Path: 'bytes',
  FlippedBits: 'byteSlices',
  Depth: 'bytes',
  ClosestPath: 'bytes',
  ClosestValueHash: 'bytes',
  ClosestProof: 'inner',
}

const INNER_KINDS: Record<string, FieldKind> = {
  SideNodes: 'byteSlices',
  NonMembershipLeafData: 'bytes',
  BitMask: 'bytes',
  NumSideNodes: 'int',
  SiblingData: 'bytes',
}

/**
 * Decodes the gob stream of a `SparseCompactMerkleClosestProof` (smt's `Unmarshal`).
 *
 * Accepts any type ids and any subset or order of the struct fields, matched by name, as Go
 * does. Stricter than Go's decoder on purpose: unknown fields, trailing bytes, non-minimal
 * integers and unterminated structs are errors. Throws `SmstError` with code
 * `GOB_DECODE_FAILED` on any malformed stream; runs in time linear in its input.
 */
export function decodeClosestProof(bytes: Uint8Array): CompactClosestProof {
  if (!(bytes instanceof Uint8Array)) throw gobError('input is not a Uint8Array', 0)
  try {
    return decodeStream(bytes)
  } catch (error) {
    if (isSmstError(error)) throw error
    throw new SmstError('GOB_DECODE_FAILED', 'Malformed gob closest proof.', { cause: error })
  }
}

function decodeStream(bytes: Uint8Array): CompactClosestProof {
  // Streams from smt (in a fresh process) and from `encodeClosestProof` start with the same
  // type definitions; parse them once.
  const canonical = startsWith(bytes, TYPE_DEFINITIONS)
  const stream = new Reader(bytes, canonical ? TYPE_DEFINITIONS.length : 0, bytes.length)
  const types = new Map<number, WireType>(canonical ? canonicalTypes() : [])
  while (!stream.done()) {
    const length = stream.length()
    if (length === 0) throw gobError('empty message', stream.pos)
    const msg = stream.sub(length)
    const id = msg.int()
    if (id < 0) {
      const typeId = -id
      if (typeId < FIRST_USER_ID || typeId > 0x7fffffff)
        throw gobError(`type id ${typeId} is reserved or out of range`, msg.pos)
      if (types.has(typeId)) throw gobError(`type ${typeId} defined twice`, msg.pos)
      types.set(typeId, readWireType(msg))
      msg.expectEnd('type definition')
      continue
    }
    const outer = structFields(types, id, OUTER_KINDS, msg.pos)
    const value = readOuter(msg, types, outer)
    msg.expectEnd('value')
    if (!stream.done()) throw gobError('bytes after the value', stream.pos)
    return value
  }
  throw gobError('no value in the stream', stream.pos)
}

type FieldMap = Map<number, { name: string; kind: FieldKind; id: number }>

let parsedTypes: [number, WireType][] | undefined

/** The wire types of `TYPE_DEFINITIONS`, parsed by the general path once. */
function canonicalTypes(): [number, WireType][] {
  if (parsedTypes === undefined) {
    const types: [number, WireType][] = []
    const r = new Reader(TYPE_DEFINITIONS, 0, TYPE_DEFINITIONS.length)
    while (!r.done()) {
      const msg = r.sub(r.length())
      types.push([-msg.int(), readWireType(msg)])
    }
    parsedTypes = types
  }
  return parsedTypes
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false
  return true
}

/** Resolves a struct type id to its fields, checking every field's name and type. */
function structFields(
  types: Map<number, WireType>,
  id: number,
  kinds: Record<string, FieldKind>,
  pos: number,
): FieldMap {
  const wire = types.get(id)
  if (wire === undefined || wire.kind !== 'struct')
    throw gobError(`type ${id} is not a defined struct`, pos)
  const fields: FieldMap = new Map()
  const seen = new Set<string>()
  wire.fields.forEach((field, index) => {
    const kind = Object.hasOwn(kinds, field.name) ? kinds[field.name] : undefined
    if (kind === undefined) throw gobError(`unexpected field ${JSON.stringify(field.name)}`, pos)
    if (seen.has(field.name)) throw gobError(`field ${field.name} defined twice`, pos)
    seen.add(field.name)
    const ok =
      kind === 'bytes'
        ? field.id === BYTES_ID
        : kind === 'int'
          ? field.id === INT_ID
          : kind === 'byteSlices'
            ? isByteSlices(types, field.id)
            : types.get(field.id)?.kind === 'struct'
    if (!ok) throw gobError(`field ${field.name} has an incompatible type ${field.id}`, pos)
    fields.set(index, { name: field.name, kind, id: field.id })
  })
  return fields
}

function isByteSlices(types: Map<number, WireType>, id: number): boolean {
  const t = types.get(id)
  return t?.kind === 'slice' && t.elem === BYTES_ID
}

function readOuter(r: Reader, types: Map<number, WireType>, fields: FieldMap): CompactClosestProof {
  const proof: CompactClosestProof = {
    path: new Uint8Array(0),
    flippedBits: [],
    depth: new Uint8Array(0),
    closestPath: new Uint8Array(0),
    closestValueHash: undefined,
    closestProof: undefined,
  }
  readStruct(r, fields, (field) => {
    switch (field.name) {
      case 'Path':
        proof.path = r.bytes()
        break
      case 'FlippedBits':
        proof.flippedBits = r.byteSlices()
        break
      case 'Depth':
        proof.depth = r.bytes()
        break
      case 'ClosestPath':
        proof.closestPath = r.bytes()
        break
      case 'ClosestValueHash':
        proof.closestValueHash = nilIfEmpty(r.bytes())
        break
      case 'ClosestProof':
        proof.closestProof = readInner(r, structFields(types, field.id, INNER_KINDS, r.pos))
        break
    }
  })
  return proof
}

function readInner(r: Reader, fields: FieldMap): CompactProof {
  const proof: CompactProof = {
    sideNodes: [],
    nonMembershipLeafData: undefined,
    bitMask: new Uint8Array(0),
    numSideNodes: 0,
    siblingData: undefined,
  }
  readStruct(r, fields, (field) => {
    switch (field.name) {
      case 'SideNodes':
        proof.sideNodes = r.byteSlices()
        break
      case 'NonMembershipLeafData':
        proof.nonMembershipLeafData = nilIfEmpty(r.bytes())
        break
      case 'BitMask':
        proof.bitMask = r.bytes()
        break
      case 'NumSideNodes':
        proof.numSideNodes = r.int()
        break
      case 'SiblingData':
        proof.siblingData = nilIfEmpty(r.bytes())
        break
    }
  })
  return proof
}

/** Reads (delta, value) pairs up to the zero delta; field numbers must increase. */
function readStruct(
  r: Reader,
  fields: FieldMap,
  onField: (field: { name: string; kind: FieldKind; id: number }) => void,
): void {
  let fieldNum = -1
  for (;;) {
    const delta = r.uint()
    if (delta === 0) return
    const next = fieldNum + delta
    const field = fields.get(next)
    if (field === undefined) throw gobError(`field number ${next} out of range`, r.pos)
    fieldNum = next
    onField(field)
  }
}

/** Decodes a `wireType` that describes a slice or a struct; other kinds are not needed here. */
function readWireType(r: Reader): WireType {
  let wire: WireType | undefined
  let fieldNum = -1
  for (;;) {
    const delta = r.uint()
    if (delta === 0) break
    const next = fieldNum + delta
    if (wire !== undefined || (next !== 1 && next !== 2))
      throw gobError('only one slice or struct type per definition is supported', r.pos)
    fieldNum = next
    wire = next === 1 ? readSliceType(r) : readStructType(r)
  }
  if (wire === undefined) throw gobError('empty type definition', r.pos)
  return wire
}

function readSliceType(r: Reader): WireType {
  let elem = 0
  readPlainStruct(r, 2, (field) => {
    if (field === 0) readCommonType(r)
    else elem = typeIdFrom(r)
  })
  return { kind: 'slice', elem }
}

function readStructType(r: Reader): WireType {
  let fields: { name: string; id: number }[] = []
  readPlainStruct(r, 2, (field) => {
    if (field === 0) readCommonType(r)
    else {
      const count = r.count()
      fields = []
      for (let i = 0; i < count; i++) {
        let name = ''
        let id = 0
        readPlainStruct(r, 2, (f) => {
          if (f === 0) name = r.string()
          else id = typeIdFrom(r)
        })
        fields.push({ name, id })
      }
    }
  })
  return { kind: 'struct', fields }
}

function readCommonType(r: Reader): void {
  // Go ignores both the name and the repeated id; they only need to be well-formed.
  readPlainStruct(r, 2, (field) => {
    if (field === 0) r.string()
    else r.int()
  })
}

function typeIdFrom(r: Reader): number {
  const id = r.int()
  if (id < 0 || id > 0x7fffffff) throw gobError(`type id ${id} out of range`, r.pos)
  return id
}

/** A struct of `numFields` fields whose values the callback reads. */
function readPlainStruct(r: Reader, numFields: number, onField: (field: number) => void): void {
  let fieldNum = -1
  for (;;) {
    const delta = r.uint()
    if (delta === 0) return
    const next = fieldNum + delta
    if (next >= numFields) throw gobError(`field number ${next} out of range`, r.pos)
    fieldNum = next
    onField(fieldNum)
  }
}

function nilIfEmpty(bytes: Uint8Array): Uint8Array | undefined {
  return bytes.length === 0 ? undefined : bytes
}

class Reader {
  readonly #bytes: Uint8Array
  #pos: number
  readonly #end: number

  constructor(bytes: Uint8Array, pos: number, end: number) {
    this.#bytes = bytes
    this.#pos = pos
    this.#end = end
  }

  get pos(): number {
    return this.#pos
  }

  done(): boolean {
    return this.#pos >= this.#end
  }

  expectEnd(what: string): void {
    if (this.#pos !== this.#end) throw gobError(`bytes left over after the ${what}`, this.#pos)
  }

  /** A reader over the next `length` bytes, which this reader skips. */
  sub(length: number): Reader {
    const r = new Reader(this.#bytes, this.#pos, this.#pos + length)
    this.#pos += length
    return r
  }

  #byte(): number {
    if (this.#pos >= this.#end) throw gobError('unexpected end of data', this.#pos)
    return this.#bytes[this.#pos++] as number
  }

  /**
   * An unsigned integer. Exact below 2^53; larger values (at least 7 bytes) only ever fail the
   * callers' range checks, so an approximation is enough for them.
   */
  uint(): number {
    const first = this.#byte()
    if (first < 128) return first
    const n = 256 - first
    if (n > 8) throw gobError('integer longer than 8 bytes', this.#pos - 1)
    const lead = this.#byte()
    // Go writes the shortest form; anything else is not from a gob encoder.
    if (lead === 0 || (n === 1 && lead < 128))
      throw gobError('integer not minimally encoded', this.#pos - 2)
    let v = lead
    for (let i = 1; i < n; i++) v = v * 256 + this.#byte()
    return v
  }

  /** A signed integer; only small ones (type ids, NumSideNodes) mean anything here. */
  int(): number {
    const u = this.uint()
    if (u > Number.MAX_SAFE_INTEGER) throw gobError('integer out of range', this.#pos)
    return u % 2 === 1 ? -(u - 1) / 2 - 1 : u / 2
  }

  /** A length that must fit in what is left of this reader. */
  length(): number {
    const at = this.#pos
    const n = this.uint()
    if (n > this.#end - this.#pos) throw gobError(`length ${n} past the end of data`, at)
    return n
  }

  /** An element count; every element takes at least one byte. */
  count(): number {
    return this.length()
  }

  bytes(): Uint8Array {
    const n = this.length()
    const out = copy(this.#bytes, this.#pos, this.#pos + n)
    this.#pos += n
    return out
  }

  byteSlices(): Uint8Array[] {
    const n = this.count()
    const out: Uint8Array[] = []
    for (let i = 0; i < n; i++) out.push(this.bytes())
    return out
  }

  string(): string {
    let s = ''
    for (const b of this.bytes()) s += String.fromCharCode(b)
    return s
  }
}

function gobError(reason: string, position: number): SmstError {
  return new SmstError('GOB_DECODE_FAILED', 'Malformed gob closest proof.', {
    details: `${reason} (at byte ${position})`,
  })
}
