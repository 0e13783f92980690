import Database from 'better-sqlite3'
import { isU64, readU64, u64Bytes } from '../bytes.js'
import { isSmstError, SmstError } from '../errors.js'
import type { NodeStore, NodeStoreBatch } from '../node-store.js'
import type { ClosestProof } from '../proof.js'
import { Smst, type SmstEntry } from '../trie.js'

// One SQLite file holds any number of tries (one per session), in three tables:
//   smst_tries  name → committed root
//   smst_nodes  (trie, digest) → serialized node, the layout of smt's MapStore
//   smst_log    (trie, seq) → an update or delete not yet folded into the nodes
//
// An update is durable once its log row is committed; that commit is all `update` waits for.
// Every `checkpointInterval` log rows, one transaction writes the changed nodes, deletes the
// orphaned ones, records the new root and empties the log. Reopening a trie starts from its
// committed root, reads nodes lazily, and replays the log.

export type OpenSmstDatabaseOptions = {
  /**
   * SQLite's `synchronous` setting (the database runs in WAL mode).
   * - `'normal'` (default): an acknowledged update survives the process being killed at any
   *   moment; a power loss or OS crash may lose the last ones.
   * - `'full'`: the log is fsynced on every commit, so acknowledged updates also survive power
   *   loss, at a large cost per update (batch them with `updateMany`).
   */
  synchronous?: 'normal' | 'full'
  /**
   * Changes after which a trie folds its log into its stored nodes. Between checkpoints the
   * changed part of the trie is in memory (about 1 KB per changed leaf) and a reopen replays
   * the log. Each checkpoint rewrites the upper levels of the trie, so fewer are cheaper.
   * Default 100,000: a session of that many relays is written once.
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
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  root BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS smst_nodes (
  trie INTEGER NOT NULL,
  digest BLOB NOT NULL,
  node BLOB NOT NULL,
  PRIMARY KEY (trie, digest)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS smst_log (
  trie INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  key BLOB NOT NULL,
  value BLOB,
  weight BLOB,
  PRIMARY KEY (trie, seq)
) WITHOUT ROWID;
`

const EMPTY_ROOT = new Uint8Array(48)

/**
 * Opens (or creates) a database of durable tries.
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
  let db: Database.Database
  try {
    db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
    // A 64 MB page cache, and fewer WAL checkpoints (each one syncs the database file).
    db.pragma('cache_size = -65536')
    db.pragma('wal_autocheckpoint = 10000')
    db.exec(SCHEMA)
  } catch (cause) {
    throw new SmstError('STORE_FAILED', 'Cannot open the trie database.', { details: path, cause })
  }
  return new SmstDatabase(db, options)
}

/** A database of durable tries; see `openSmstDatabase`. One process writes it at a time. */
export class SmstDatabase {
  readonly #db: Database.Database
  readonly #options: Required<Omit<OpenSmstDatabaseOptions, 'synchronous'>>
  readonly #open = new Map<string, DurableSmst>()
  readonly #statements: Statements

  /** @internal Use `openSmstDatabase`. */
  constructor(db: Database.Database, options: OpenSmstDatabaseOptions) {
    this.#db = db
    this.#options = {
      checkpointInterval: positive(options.checkpointInterval, 100_000, 'checkpointInterval'),
      maxLoadedNodes: positive(options.maxLoadedNodes, 1_000_000, 'maxLoadedNodes'),
    }
    this.#statements = prepare(db)
  }

  /** Opens the trie called `name` (a session ID, say), creating an empty one if needed. */
  openTrie(name: string): DurableSmst {
    this.#assertOpen()
    const open = this.#open.get(name)
    if (open) return open
    const trie = storeCall(() => {
      const s = this.#statements
      let row = s.findTrie.get(name) as { id: number; root: Uint8Array } | undefined
      if (!row) {
        s.createTrie.run(name, EMPTY_ROOT)
        row = s.findTrie.get(name) as { id: number; root: Uint8Array }
      }
      return new DurableSmst(this.#db, s, row.id, row.root, this.#options, () =>
        this.#open.delete(name),
      )
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
    storeCall(() =>
      this.#db.transaction(() => {
        const row = s.findTrie.get(name) as { id: number } | undefined
        if (!row) return
        s.deleteNodes.run(row.id)
        s.deleteLog.run(row.id, Number.MAX_SAFE_INTEGER)
        s.deleteTrie.run(row.id)
      })(),
    )
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

type Statements = Record<
  | 'findTrie'
  | 'createTrie'
  | 'listTries'
  | 'setRoot'
  | 'deleteTrie'
  | 'getNode'
  | 'setNode'
  | 'deleteNode'
  | 'deleteNodes'
  | 'appendLog'
  | 'readLog'
  | 'deleteLog',
  Database.Statement
>

function prepare(db: Database.Database): Statements {
  return {
    findTrie: db.prepare('SELECT id, root FROM smst_tries WHERE name = ?'),
    createTrie: db.prepare('INSERT INTO smst_tries (name, root) VALUES (?, ?)'),
    listTries: db.prepare('SELECT name FROM smst_tries ORDER BY name'),
    setRoot: db.prepare('UPDATE smst_tries SET root = ? WHERE id = ?'),
    deleteTrie: db.prepare('DELETE FROM smst_tries WHERE id = ?'),
    getNode: db.prepare('SELECT node FROM smst_nodes WHERE trie = ? AND digest = ?').pluck(),
    setNode: db.prepare('INSERT OR REPLACE INTO smst_nodes (trie, digest, node) VALUES (?, ?, ?)'),
    deleteNode: db.prepare('DELETE FROM smst_nodes WHERE trie = ? AND digest = ?'),
    deleteNodes: db.prepare('DELETE FROM smst_nodes WHERE trie = ?'),
    appendLog: db.prepare(
      'INSERT INTO smst_log (trie, seq, key, value, weight) VALUES (?, ?, ?, ?, ?)',
    ),
    readLog: db.prepare('SELECT seq, key, value, weight FROM smst_log WHERE trie = ? ORDER BY seq'),
    deleteLog: db.prepare('DELETE FROM smst_log WHERE trie = ? AND seq <= ?'),
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
 * A sparse Merkle sum trie stored in SQLite. Same hashing, roots and proofs as `Smst`.
 *
 * Acknowledgement: once `update`, `updateMany` or `delete` returns, the change is committed to
 * the database and survives the process being killed (and, with `synchronous: 'full'`, power
 * loss); reopening the trie restores exactly the acknowledged changes. A change whose call was
 * interrupted by the crash may or may not be there, never partly.
 */
export class DurableSmst {
  readonly #db: Database.Database
  readonly #s: Statements
  readonly #id: number
  readonly #smst: Smst
  readonly #options: { checkpointInterval: number; maxLoadedNodes: number }
  readonly #onClose: () => void
  // Transactions are built once: better-sqlite3 wraps each in a function worth reusing.
  readonly #appendMany: (list: SmstUpdate[], first: number) => void
  readonly #fold: (seq: number) => void
  #seq = 0
  #pending = 0
  #broken: unknown
  #closed = false

  /** @internal Use `SmstDatabase.openTrie`. */
  constructor(
    db: Database.Database,
    statements: Statements,
    id: number,
    root: Uint8Array,
    options: { checkpointInterval: number; maxLoadedNodes: number },
    onClose: () => void,
  ) {
    this.#db = db
    this.#s = statements
    this.#id = id
    this.#options = options
    this.#onClose = onClose
    this.#smst = new Smst({ store: new SqliteNodeStore(statements, id), root })
    this.#appendMany = db.transaction((list: SmstUpdate[], first: number) => {
      list.forEach((u, i) => {
        statements.appendLog.run(id, first + i, u.key, u.value, u64Bytes(u.weight))
      })
    })
    this.#fold = db.transaction((seq: number) => {
      this.#smst.commit()
      statements.setRoot.run(this.#smst.root(), id)
      statements.deleteLog.run(id, seq)
    })
    for (const row of statements.readLog.iterate(id) as Iterable<LogRow>) {
      if (row.value === null) this.#smst.delete(row.key)
      else this.#smst.update(row.key, row.value, readU64(row.weight as Uint8Array, 0))
      this.#seq = row.seq
      this.#pending++
    }
  }

  /** Inserts or replaces the leaf for `key`; durable when it returns. */
  update(key: Uint8Array, value: Uint8Array, weight: bigint): void {
    this.#assertUsable()
    const u = { key, value, weight }
    assertUpdate(u)
    // One statement outside a transaction commits by itself.
    storeCall(() => this.#s.appendLog.run(this.#id, this.#seq + 1, key, value, u64Bytes(weight)))
    this.#seq++
    this.#apply(() => this.#smst.update(key, value, weight))
    this.#afterChanges(1)
  }

  /** Applies several updates in one transaction: all are durable when it returns, or none. */
  updateMany(updates: Iterable<SmstUpdate>): void {
    this.#assertUsable()
    const list = [...updates]
    for (const u of list) assertUpdate(u)
    storeCall(() => this.#appendMany(list, this.#seq + 1))
    this.#seq += list.length
    this.#apply(() => {
      for (const u of list) this.#smst.update(u.key, u.value, u.weight)
    })
    this.#afterChanges(list.length)
  }

  #afterChanges(n: number): void {
    this.#pending += n
    if (this.#pending >= this.#options.checkpointInterval) this.checkpoint()
  }

  /** Removes the leaf for `key`; returns whether there was one. Durable when it returns. */
  delete(key: Uint8Array): boolean {
    this.#assertUsable()
    if (this.get(key) === undefined) return false
    storeCall(() => this.#s.appendLog.run(this.#id, this.#seq + 1, key, null, null))
    this.#seq++
    this.#apply(() => this.#smst.delete(key))
    this.#afterChanges(1)
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
   * Folds the log into the stored nodes in one transaction. Runs by itself every
   * `checkpointInterval` changes; calling it early only shortens the next reopen.
   */
  checkpoint(): void {
    this.#assertUsable()
    if (this.#pending === 0) return
    this.#apply(() => this.#fold(this.#seq))
    this.#pending = 0
    if (this.#smst.loadedNodes > this.#options.maxLoadedNodes) this.#smst.evict()
  }

  /** Checkpoints and closes this trie (the database stays open). */
  close(): void {
    if (this.#closed) return
    if (this.#broken === undefined && this.#db.open) this.checkpoint()
    this.#closed = true
    this.#onClose()
  }

  #assertUsable(): void {
    if (this.#closed || !this.#db.open) throw new SmstError('CLOSED', 'The trie is closed.')
    if (this.#broken !== undefined)
      throw new SmstError('CLOSED', 'An earlier store failure left the trie unusable; reopen it.', {
        cause: this.#broken,
      })
  }

  /**
   * Runs a step on the in-memory trie. If it fails after the log was written, memory and
   * database may disagree, so the trie refuses further use; reopening replays the log.
   */
  #apply<T>(step: () => T): T {
    try {
      return step()
    } catch (error) {
      if (isSmstError(error) && error.code === 'INVALID_ARGUMENT') throw error
      this.#broken = error
      this.#onClose()
      throw isSmstError(error)
        ? error
        : new SmstError('STORE_FAILED', 'The trie database failed.', { cause: error })
    }
  }
}

type LogRow = { seq: number; key: Uint8Array; value: Uint8Array | null; weight: Uint8Array | null }

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
