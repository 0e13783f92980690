import { createRequire } from 'node:module'
import { describeError } from '@decai/core'
import type Database from 'better-sqlite3'
import { isU64 } from '../bytes.js'
import { isSmstError, SmstError } from '../errors.js'
import type { NodeStore, NodeStoreBatch } from '../node-store.js'
import type { ClosestProof } from '../proof.js'
import { Smst, type SmstEntry } from '../trie.js'
import { type LogOp, UpdateLog } from './update-log.js'

// One SQLite file holds any number of tries (one per session):
//   smst_tries  name → committed root and current log generation
//   smst_nodes  (trie, digest) → serialized node, the layout of smt's MapStore
// and the directory `<database>.logs` holds one append-only update log per trie
// (update-log.ts).
//
// A change is durable once its log record is written; that write is all `update` waits for.
// Every `checkpointInterval` changes, one SQLite transaction writes the changed nodes, deletes
// the orphaned ones, and records the new root and the next log generation; the old log file is
// then deleted. Reopening a trie starts from its committed root, reads nodes lazily, and
// replays its current log.

export type OpenSmstDatabaseOptions = {
  /**
   * - `'normal'` (default): an acknowledged change survives the process being killed at any
   *   moment; a power loss or OS crash may lose the last ones.
   * - `'full'`: every log write is followed by fdatasync (and SQLite runs with
   *   `synchronous = FULL`), so acknowledged changes also survive power loss, at a large cost
   *   per call: batch with `updateMany`.
   */
  synchronous?: 'normal' | 'full'
  /**
   * Changes after which a trie folds its log into its stored nodes. Between checkpoints the
   * changed part of the trie is held in memory (about 1 KB per changed leaf) and a reopen
   * replays the log; each checkpoint rewrites the upper levels of the trie, so fewer are
   * cheaper. Default 100,000: a session of that many relays is written once.
   */
  checkpointInterval?: number
  /**
   * After a checkpoint, a trie holding more nodes in memory than this drops them and reads
   * them back from the database when needed. Default 1,000,000 (roughly 500,000 leaves).
   */
  maxLoadedNodes?: number
}

export type SmstUpdate = { key: Uint8Array; value: Uint8Array; weight: bigint }

const SCHEMA = `
CREATE TABLE IF NOT EXISTS smst_tries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  root BLOB NOT NULL,
  log_generation INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS smst_nodes (
  trie INTEGER NOT NULL,
  digest BLOB NOT NULL,
  node BLOB NOT NULL,
  PRIMARY KEY (trie, digest)
) WITHOUT ROWID;
`

const EMPTY_ROOT = new Uint8Array(48)

type Settings = {
  logDir: string
  fsync: boolean
  checkpointInterval: number
  maxLoadedNodes: number
}

let betterSqlite3: typeof Database | undefined

/**
 * better-sqlite3 is an optional peer (only this subpath needs it), so it is loaded on first use
 * rather than at import: without it, opening a database fails with a typed SQLITE_UNAVAILABLE
 * that says what to install, instead of the module loader's error when the subpath is imported.
 * `load` is for tests (a package that is not installed).
 * @internal
 */
export function loadSqlite(
  load: (name: string) => unknown = createRequire(import.meta.url),
  name = 'better-sqlite3',
): typeof Database {
  if (betterSqlite3 !== undefined && name === 'better-sqlite3') return betterSqlite3
  let loaded: typeof Database
  try {
    loaded = load(name) as typeof Database
  } catch (cause) {
    const missing =
      (cause as { code?: unknown }).code === 'MODULE_NOT_FOUND' &&
      String((cause as Error).message).includes(`'${name}'`)
    throw new SmstError(
      'SQLITE_UNAVAILABLE',
      missing
        ? `The trie database needs the optional peer dependency ${name}: install it (npm install ${name}).`
        : `The trie database could not load ${name} (is its native build made for this Node?).`,
      { details: describeError(cause), cause },
    )
  }
  if (name === 'better-sqlite3') betterSqlite3 = loaded
  return loaded
}

/**
 * Opens (or creates) a database of durable tries at `path` (a file; its update logs go in the
 * directory `<path>.logs`).
 *
 * @example
 * const db = openSmstDatabase('relays.sqlite')
 * const trie = db.openTrie(sessionId)
 * trie.update(relayHash, relayBytes, computeUnitsPerRelay) // durable when it returns
 * const claimRoot = trie.root()
 */
export function openSmstDatabase(
  path: string,
  options: OpenSmstDatabaseOptions = {},
): SmstDatabase {
  if (typeof path !== 'string' || path === '' || path === ':memory:')
    throw new SmstError('INVALID_ARGUMENT', 'The trie database needs a file path.')
  const settings: Settings = {
    logDir: `${path}.logs`,
    fsync: options.synchronous === 'full',
    checkpointInterval: positive(options.checkpointInterval, 100_000, 'checkpointInterval'),
    maxLoadedNodes: positive(options.maxLoadedNodes, 1_000_000, 'maxLoadedNodes'),
  }
  const Sqlite = loadSqlite()
  let db: Database.Database
  try {
    db = new Sqlite(path)
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${settings.fsync ? 'FULL' : 'NORMAL'}`)
    // A 64 MB page cache, and fewer WAL checkpoints (each one syncs the database file).
    db.pragma('cache_size = -65536')
    db.pragma('wal_autocheckpoint = 10000')
    db.exec(SCHEMA)
  } catch (cause) {
    throw new SmstError('STORE_FAILED', 'Cannot open the trie database.', { details: path, cause })
  }
  return new SmstDatabase(db, settings)
}

/** A database of durable tries; see `openSmstDatabase`. One process writes it at a time. */
export class SmstDatabase {
  readonly #db: Database.Database
  readonly #settings: Settings
  readonly #open = new Map<string, DurableSmst>()
  readonly #statements: Statements

  /** @internal Use `openSmstDatabase`. */
  constructor(db: Database.Database, settings: Settings) {
    this.#db = db
    this.#settings = settings
    this.#statements = prepare(db)
  }

  /** Opens the trie called `name` (a session ID, say), creating an empty one if needed. */
  openTrie(name: string): DurableSmst {
    this.#assertOpen()
    const open = this.#open.get(name)
    if (open) return open
    const trie = storeCall(() => {
      const s = this.#statements
      let row = s.findTrie.get(name) as TrieRow | undefined
      if (!row) {
        s.createTrie.run(name, EMPTY_ROOT)
        row = s.findTrie.get(name) as TrieRow
        // A new id never had a log, but clear the directory of strays all the same.
        UpdateLog.remove(this.#settings.logDir, row.id)
      }
      return new DurableSmst(this.#db, s, row, this.#settings, () => this.#open.delete(name))
    })
    this.#open.set(name, trie)
    return trie
  }

  /** Names of all stored tries. */
  listTries(): string[] {
    this.#assertOpen()
    return storeCall(() =>
      (this.#statements.listTries.all() as { name: string }[]).map((r) => r.name),
    )
  }

  /** Deletes a trie with its nodes and log. It must not be open. */
  deleteTrie(name: string): void {
    this.#assertOpen()
    if (this.#open.has(name))
      throw new SmstError('INVALID_ARGUMENT', 'Close the trie before deleting it.')
    const s = this.#statements
    storeCall(() => {
      const row = s.findTrie.get(name) as TrieRow | undefined
      if (!row) return
      this.#db.transaction(() => {
        s.deleteNodes.run(row.id)
        s.deleteTrie.run(row.id)
      })()
      UpdateLog.remove(this.#settings.logDir, row.id)
    })
  }

  /** Checkpoints and closes every open trie, then the database. */
  close(): void {
    if (!this.#db.open) return
    for (const trie of [...this.#open.values()]) trie.close()
    this.#db.close()
  }

  #assertOpen(): void {
    if (!this.#db.open) throw new SmstError('CLOSED', 'The trie database is closed.')
  }
}

type TrieRow = { id: number; root: Uint8Array; log_generation: number }

type Statements = Record<
  | 'findTrie'
  | 'createTrie'
  | 'listTries'
  | 'setRoot'
  | 'deleteTrie'
  | 'getNode'
  | 'setNode'
  | 'deleteNode'
  | 'deleteNodes',
  Database.Statement
>

function prepare(db: Database.Database): Statements {
  return {
    findTrie: db.prepare('SELECT id, root, log_generation FROM smst_tries WHERE name = ?'),
    createTrie: db.prepare('INSERT INTO smst_tries (name, root) VALUES (?, ?)'),
    listTries: db.prepare('SELECT name FROM smst_tries ORDER BY name'),
    setRoot: db.prepare('UPDATE smst_tries SET root = ?, log_generation = ? WHERE id = ?'),
    deleteTrie: db.prepare('DELETE FROM smst_tries WHERE id = ?'),
    getNode: db.prepare('SELECT node FROM smst_nodes WHERE trie = ? AND digest = ?').pluck(),
    setNode: db.prepare('INSERT OR REPLACE INTO smst_nodes (trie, digest, node) VALUES (?, ?, ?)'),
    deleteNode: db.prepare('DELETE FROM smst_nodes WHERE trie = ? AND digest = ?'),
    deleteNodes: db.prepare('DELETE FROM smst_nodes WHERE trie = ?'),
  }
}

/** The nodes of one trie in `smst_nodes`. Writes join the caller's transaction. */
class SqliteNodeStore implements NodeStore {
  readonly #s: Statements
  readonly #trie: number

  constructor(statements: Statements, trie: number) {
    this.#s = statements
    this.#trie = trie
  }

  get(digest: Uint8Array): Uint8Array | undefined {
    const node = this.#s.getNode.get(this.#trie, digest) as Buffer | undefined
    // A plain Uint8Array view: what the trie hands out must not be a Node Buffer.
    return node && new Uint8Array(node.buffer, node.byteOffset, node.byteLength)
  }

  write(batch: NodeStoreBatch): void {
    for (const digest of batch.deletes) this.#s.deleteNode.run(this.#trie, digest)
    for (const [digest, node] of batch.sets) this.#s.setNode.run(this.#trie, digest, node)
  }
}

/**
 * A sparse Merkle sum trie stored durably. Same hashing, roots and proofs as `Smst`.
 *
 * Acknowledgement: once `update`, `updateMany` or `delete` returns, the change is written to
 * the trie's log and survives the process being killed (and, with `synchronous: 'full'`, power
 * loss); reopening the trie restores exactly the acknowledged changes. A call interrupted by
 * the crash may or may not have taken effect, never partly (an `updateMany` batch is one log
 * record).
 */
export class DurableSmst {
  readonly #db: Database.Database
  readonly #smst: Smst
  readonly #log: UpdateLog
  readonly #settings: Settings
  readonly #onClose: () => void
  // Built once: better-sqlite3 wraps each transaction in a function worth reusing.
  readonly #fold: (generation: number) => void
  #generation: number
  #pending = 0
  #broken: unknown
  #closed = false

  /** @internal Use `SmstDatabase.openTrie`. */
  constructor(
    db: Database.Database,
    statements: Statements,
    row: TrieRow,
    settings: Settings,
    onClose: () => void,
  ) {
    this.#db = db
    this.#settings = settings
    this.#onClose = onClose
    this.#generation = row.log_generation
    this.#smst = new Smst({ store: new SqliteNodeStore(statements, row.id), root: row.root })
    this.#fold = db.transaction((generation: number) => {
      this.#smst.commit()
      statements.setRoot.run(this.#smst.root(), generation, row.id)
    })
    this.#log = new UpdateLog(settings.logDir, row.id, row.log_generation, settings.fsync)
    try {
      const ops = this.#log.replay()
      for (const op of ops) this.#applyOp(op)
      // What the replay left to fold in counts toward the next checkpoint.
      this.#pending = ops.length
    } catch (error) {
      this.#log.close()
      throw error
    }
  }

  /** Inserts or replaces the leaf for `key`; durable when it returns. */
  update(key: Uint8Array, value: Uint8Array, weight: bigint): void {
    this.updateMany([{ key, value, weight }])
  }

  /** Applies several updates as one log record: all are durable when it returns, or none. */
  updateMany(updates: Iterable<SmstUpdate>): void {
    this.#assertUsable()
    const ops: LogOp[] = []
    for (const u of updates) {
      assertUpdate(u)
      ops.push({ op: 'update', key: u.key, value: u.value, weight: u.weight })
    }
    if (ops.length === 0) return
    this.#write(ops)
  }

  /** Removes the leaf for `key`; returns whether there was one. Durable when it returns. */
  delete(key: Uint8Array): boolean {
    this.#assertUsable()
    if (this.get(key) === undefined) return false
    this.#write([{ op: 'delete', key }])
    return true
  }

  get(key: Uint8Array): SmstEntry | undefined {
    this.#assertUsable()
    return this.#apply(() => this.#smst.get(key))
  }

  /** The 48-byte root (hash ‖ sum ‖ count) of everything acknowledged so far. */
  root(): Uint8Array {
    this.#assertUsable()
    return this.#apply(() => this.#smst.root())
  }

  sum(): bigint {
    this.#assertUsable()
    return this.#apply(() => this.#smst.sum())
  }

  count(): bigint {
    this.#assertUsable()
    return this.#apply(() => this.#smst.count())
  }

  proveClosest(path: Uint8Array): ClosestProof {
    this.#assertUsable()
    return this.#apply(() => this.#smst.proveClosest(path))
  }

  /**
   * Folds the log into the stored nodes. Runs by itself every `checkpointInterval` changes;
   * calling it early only shortens the next reopen.
   */
  checkpoint(): void {
    this.#assertUsable()
    if (this.#pending === 0) return
    const next = this.#generation + 1
    this.#apply(() => {
      this.#fold(next)
      // Committed: the new generation is current. The old log is now redundant (replaying it
      // onto the new root would change nothing), so losing the rotation is harmless.
      this.#generation = next
      this.#log.rotate(next)
    })
    this.#pending = 0
    if (this.#smst.loadedNodes > this.#settings.maxLoadedNodes) this.#smst.evict()
  }

  /** Checkpoints and closes this trie (the database stays open). */
  close(): void {
    if (this.#closed) return
    if (this.#broken === undefined && this.#db.open) this.checkpoint()
    this.#closed = true
    this.#log.close()
    this.#onClose()
  }

  /** Logs, then applies: a change is in memory only once it is durable. */
  #write(ops: LogOp[]): void {
    storeCall(() => this.#log.append(ops))
    this.#apply(() => {
      for (const op of ops) this.#applyOp(op)
    })
    this.#pending += ops.length
    if (this.#pending >= this.#settings.checkpointInterval) this.checkpoint()
  }

  #applyOp(op: LogOp): void {
    if (op.op === 'update') this.#smst.update(op.key, op.value, op.weight)
    else this.#smst.delete(op.key)
  }

  #assertUsable(): void {
    if (this.#broken !== undefined)
      throw new SmstError('CLOSED', 'An earlier store failure left the trie unusable; reopen it.', {
        cause: this.#broken,
      })
    if (this.#closed || !this.#db.open) throw new SmstError('CLOSED', 'The trie is closed.')
  }

  /**
   * Runs a step on the in-memory trie or the database. If it fails after the log was written,
   * memory and storage may disagree, so the trie refuses further use; reopening replays the log.
   */
  #apply<T>(step: () => T): T {
    try {
      return step()
    } catch (error) {
      if (isSmstError(error) && error.code === 'INVALID_ARGUMENT') throw error
      this.#broken = error
      this.#closed = true
      try {
        this.#log.close()
      } catch {}
      this.#onClose()
      throw isSmstError(error)
        ? error
        : new SmstError('STORE_FAILED', 'The trie database failed.', { cause: error })
    }
  }
}

function assertUpdate(u: SmstUpdate): void {
  if (!(u.key instanceof Uint8Array) || !(u.value instanceof Uint8Array))
    throw new SmstError('INVALID_ARGUMENT', 'Key and value must be Uint8Arrays.')
  if (!isU64(u.weight)) throw new SmstError('INVALID_ARGUMENT', 'Weight must be a uint64 bigint.')
}

function storeCall<T>(call: () => T): T {
  try {
    return call()
  } catch (cause) {
    if (isSmstError(cause)) throw cause
    throw new SmstError('STORE_FAILED', 'The trie database failed.', { cause })
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1)
    throw new SmstError('INVALID_ARGUMENT', `${name} must be a positive integer.`)
  return value
}
