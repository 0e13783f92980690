import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { UsageRecord } from './key-store.js'

// The spend of requests that finished while the shared store (PostgreSQL) was unreachable: an
// append-only SQLite file on the replica's own disk, written (fsync'd) before the request's
// outcome is logged, and replayed into the shared store once it answers again. Each row keeps
// the request ID it was first tried under, so a replay that the store had in fact received
// (its answer lost) adds nothing twice. One file per replica: never share it.

export type OutboxEntry = { seq: number; requestId: string; usage: UsageRecord }

export class SpendOutbox {
  readonly #db: Database.Database
  readonly #append: Database.Statement<[string, string]>
  readonly #peek: Database.Statement<[number], { seq: number; request_id: string; usage: string }>
  readonly #remove: Database.Statement<[number]>
  #pending: number

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    this.#db = new Database(path)
    this.#db.pragma('journal_mode = WAL')
    // Money waiting here exists nowhere else: every append reaches the disk before it returns.
    this.#db.pragma('synchronous = FULL')
    this.#db.exec(`CREATE TABLE IF NOT EXISTS spend_outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      request_id TEXT NOT NULL UNIQUE,
      usage TEXT NOT NULL)`)
    this.#append = this.#db.prepare('INSERT INTO spend_outbox (request_id, usage) VALUES (?, ?)')
    this.#peek = this.#db.prepare(
      'SELECT seq, request_id, usage FROM spend_outbox ORDER BY seq LIMIT ?',
    )
    this.#remove = this.#db.prepare('DELETE FROM spend_outbox WHERE seq = ?')
    this.#pending = (
      this.#db.prepare('SELECT COUNT(*) AS n FROM spend_outbox').get() as { n: number }
    ).n
  }

  /** Rows waiting for the shared store. */
  get pending(): number {
    return this.#pending
  }

  append(requestId: string, usage: UsageRecord): void {
    this.#append.run(requestId, JSON.stringify(usage))
    this.#pending++
  }

  /** The oldest rows, at most `limit`. */
  peek(limit: number): OutboxEntry[] {
    return this.#peek.all(limit).map((r) => ({
      seq: r.seq,
      requestId: r.request_id,
      usage: JSON.parse(r.usage) as UsageRecord,
    }))
  }

  /** Drops a row the shared store now holds. */
  remove(seq: number): void {
    if (this.#remove.run(seq).changes > 0) this.#pending--
  }

  close(): void {
    if (this.#db.open) this.#db.close()
  }
}
