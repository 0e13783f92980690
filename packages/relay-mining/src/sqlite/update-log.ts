import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { readU64, u64Bytes } from '../bytes.js'

// The append-only log that makes an update durable before the trie folds it into stored nodes.
// One file per trie and generation, `<trie id>-<generation>.log`, in a directory next to the
// database. A record is one acknowledged call (one update, or a whole `updateMany` batch):
//
//   u32 payload length ‖ payload ‖ u32 crc32(payload)
//   payload = u32 op count ‖ ops,  op = 01 ‖ u32 len ‖ key ‖ u32 len ‖ value ‖ u64 weight
//                                     | 02 ‖ u32 len ‖ key                   (a delete)
//
// A record is written with one write() and acknowledged when that returns: it is then in the
// OS's page cache and survives the process being killed. A crash in the middle of a write
// leaves a torn last record, which the checksum exposes and replay drops (it was never
// acknowledged). Replaying a log onto a trie that already holds its changes changes nothing:
// every op sets or removes one key.

export type LogOp =
  | { op: 'update'; key: Uint8Array; value: Uint8Array; weight: bigint }
  | { op: 'delete'; key: Uint8Array }

const UPDATE = 1
const DELETE = 2

export class UpdateLog {
  readonly #dir: string
  readonly #trie: number
  readonly #fsync: boolean
  #generation: number
  #fd: number

  /** Opens generation `generation` of the trie's log, dropping older generations. */
  constructor(dir: string, trie: number, generation: number, fsync: boolean) {
    this.#dir = dir
    this.#trie = trie
    this.#fsync = fsync
    this.#generation = generation
    mkdirSync(dir, { recursive: true })
    for (const g of UpdateLog.generations(dir, trie)) if (g < generation) unlinkSync(this.#file(g))
    this.#fd = openSync(this.#file(generation), 'a+')
  }

  /** Generations of a trie's log present in `dir`. */
  static generations(dir: string, trie: number): number[] {
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      return []
    }
    const prefix = `${trie}-`
    return names
      .filter((n) => n.startsWith(prefix) && n.endsWith('.log'))
      .map((n) => Number(n.slice(prefix.length, -4)))
      .filter((g) => Number.isSafeInteger(g))
  }

  /** Removes every log file of a trie. */
  static remove(dir: string, trie: number): void {
    for (const g of UpdateLog.generations(dir, trie)) unlinkSync(join(dir, `${trie}-${g}.log`))
  }

  /** The acknowledged ops of the current generation, in order; cuts off a torn tail. */
  replay(): LogOp[] {
    const data = readFileSync(this.#file(this.#generation))
    const ops: LogOp[] = []
    let at = 0
    for (;;) {
      const record = readRecord(data, at)
      if (record === undefined) break
      ops.push(...record.ops)
      at = record.end
    }
    if (at < data.length) ftruncateSync(this.#fd, at)
    return ops
  }

  /** Appends one record; the ops are durable when this returns. */
  append(ops: LogOp[]): void {
    const record = encodeRecord(ops)
    let written = 0
    while (written < record.length) written += writeSync(this.#fd, record, written)
    if (this.#fsync) fdatasyncSync(this.#fd)
  }

  /** Switches to a new, empty generation and deletes the old one (after a checkpoint). */
  rotate(generation: number): void {
    const old = this.#generation
    const fd = openSync(this.#file(generation), 'a+')
    if (this.#fsync) syncDirectory(this.#dir)
    closeSync(this.#fd)
    this.#fd = fd
    this.#generation = generation
    unlinkSync(this.#file(old))
  }

  close(): void {
    closeSync(this.#fd)
  }

  #file(generation: number): string {
    return join(this.#dir, `${this.#trie}-${generation}.log`)
  }
}

function encodeRecord(ops: LogOp[]): Buffer {
  let size = 4
  for (const op of ops)
    size += op.op === 'update' ? 1 + 8 + op.key.length + op.value.length + 8 : 5 + op.key.length
  const out = Buffer.allocUnsafe(4 + size + 4)
  let at = 0
  const u32 = (v: number) => {
    out.writeUInt32BE(v, at)
    at += 4
  }
  const bytes = (b: Uint8Array) => {
    out.set(b, at)
    at += b.length
  }
  u32(size)
  u32(ops.length)
  for (const op of ops) {
    out[at++] = op.op === 'update' ? UPDATE : DELETE
    u32(op.key.length)
    bytes(op.key)
    if (op.op === 'update') {
      u32(op.value.length)
      bytes(op.value)
      bytes(u64Bytes(op.weight))
    }
  }
  u32(crc32(out.subarray(4, 4 + size)))
  return out
}

/** The record at `at`, or `undefined` if it is incomplete or damaged. */
function readRecord(data: Buffer, at: number): { ops: LogOp[]; end: number } | undefined {
  if (at + 8 > data.length) return undefined
  const size = data.readUInt32BE(at)
  const end = at + 4 + size + 4
  if (size < 4 || end > data.length) return undefined
  const payload = data.subarray(at + 4, at + 4 + size)
  if (crc32(payload) !== data.readUInt32BE(at + 4 + size)) return undefined
  const ops: LogOp[] = []
  let p = 0
  const take = (n: number) => {
    if (p + n > payload.length) throw new RangeError('short op')
    const b = new Uint8Array(payload.subarray(p, p + n))
    p += n
    return b
  }
  const u32 = () => {
    const b = take(4)
    return (
      ((b[0] as number) * 2 ** 24 +
        (b[1] as number) * 2 ** 16 +
        (b[2] as number) * 256 +
        (b[3] as number)) >>>
      0
    )
  }
  try {
    const count = u32()
    for (let i = 0; i < count; i++) {
      const kind = take(1)[0]
      const key = take(u32())
      if (kind === UPDATE) {
        const value = take(u32())
        ops.push({ op: 'update', key, value, weight: readU64(take(8), 0) })
      } else if (kind === DELETE) ops.push({ op: 'delete', key })
      else return undefined
    }
  } catch {
    return undefined
  }
  return p === payload.length ? { ops, end } : undefined
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
