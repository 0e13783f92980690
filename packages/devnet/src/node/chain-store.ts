import Database from 'better-sqlite3'
import { bytesToKey, keyToBytes } from '../store/keys.js'
import { type CommitStore, type StoreName, storeNames } from '../store/multi-store.js'
import { fromStoredJson, toStoredJson } from './serialize.js'
import type { StoredBlock, TxRecord } from './types.js'

/**
 * The devnet's embedded store: module state, blocks and transaction results in one SQLite
 * database (WAL), each block committed in one SQLite transaction. `:memory:` for tests.
 */
export class ChainStore {
  private readonly db: Database.Database

  constructor(path: string) {
    this.db = new Database(path)
    if (path !== ':memory:') this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS kv (store TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,
        PRIMARY KEY (store, key)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS blocks (height INTEGER PRIMARY KEY, hash BLOB NOT NULL, data TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS txs (hash BLOB PRIMARY KEY, height INTEGER NOT NULL, idx INTEGER NOT NULL,
        data TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS txs_by_height ON txs (height, idx);
    `)
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      | { value: string }
      | undefined
    return row?.value
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value)
  }

  /** Loads every module store into `commit` (without recording them as changes). */
  loadState(commit: CommitStore): void {
    const rows = this.db.prepare('SELECT store, key, value FROM kv').iterate() as Iterable<{
      store: StoreName
      key: Buffer
      value: Buffer
    }>
    for (const row of rows) {
      if (!storeNames.includes(row.store)) continue
      commit.stores[row.store].load(bytesToKey(new Uint8Array(row.key)), new Uint8Array(row.value))
    }
  }

  /** Writes the state changes of a block, the block and its transactions, atomically. */
  commitBlock(
    commit: CommitStore,
    block: StoredBlock | undefined,
    txs: TxRecord[],
    meta: Record<string, string>,
  ): void {
    const upsert = this.db.prepare(
      'INSERT INTO kv (store, key, value) VALUES (?, ?, ?) ON CONFLICT(store, key) DO UPDATE SET value = excluded.value',
    )
    const remove = this.db.prepare('DELETE FROM kv WHERE store = ? AND key = ?')
    const insertBlock = this.db.prepare(
      'INSERT OR REPLACE INTO blocks (height, hash, data) VALUES (?, ?, ?)',
    )
    const insertTx = this.db.prepare(
      'INSERT OR REPLACE INTO txs (hash, height, idx, data) VALUES (?, ?, ?, ?)',
    )
    const run = this.db.transaction(() => {
      for (const name of storeNames) {
        for (const [key, value] of commit.stores[name].takeChanges()) {
          const k = Buffer.from(keyToBytes(key))
          if (value === null) remove.run(name, k)
          else upsert.run(name, k, Buffer.from(value))
        }
      }
      if (block) insertBlock.run(Number(block.height), Buffer.from(block.hash), toStoredJson(block))
      for (const tx of txs) {
        insertTx.run(Buffer.from(tx.hash), Number(tx.height), tx.index, toStoredJson(tx))
      }
      for (const [key, value] of Object.entries(meta)) this.setMeta(key, value)
    })
    run()
  }

  getBlock(height: bigint): StoredBlock | undefined {
    const row = this.db.prepare('SELECT data FROM blocks WHERE height = ?').get(Number(height)) as
      | { data: string }
      | undefined
    return row ? fromStoredJson<StoredBlock>(row.data) : undefined
  }

  getBlockHeightByHash(hash: Uint8Array): bigint | undefined {
    const row = this.db
      .prepare('SELECT height FROM blocks WHERE hash = ?')
      .get(Buffer.from(hash)) as { height: number } | undefined
    return row ? BigInt(row.height) : undefined
  }

  getTx(hash: Uint8Array): TxRecord | undefined {
    const row = this.db.prepare('SELECT data FROM txs WHERE hash = ?').get(Buffer.from(hash)) as
      | { data: string }
      | undefined
    return row ? fromStoredJson<TxRecord>(row.data) : undefined
  }

  /** Transactions in (height, index) order, optionally within a height range. */
  *iterateTxs(minHeight = 0n, maxHeight?: bigint): Generator<TxRecord> {
    const max = maxHeight === undefined ? Number.MAX_SAFE_INTEGER : Number(maxHeight)
    const rows = this.db
      .prepare('SELECT data FROM txs WHERE height >= ? AND height <= ? ORDER BY height, idx')
      .iterate(Number(minHeight), max) as Iterable<{ data: string }>
    for (const row of rows) yield fromStoredJson<TxRecord>(row.data)
  }

  close(): void {
    this.db.close()
  }
}
