import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { ProbeEvidence } from './probe.js'
import type { Comparison } from './statistic.js'

// Probe history and published reports, in SQLite (one file, WAL). A probe row keeps its
// measurements and its evidence (the signed request and every byte of the answer), so any later
// report can link a verdict to the relays behind it.

export type ProbeKind = 'challenge' | 'traffic'

export type ProbeRecord = {
  id?: number
  /** Unix ms. */
  at: number
  serviceId: string
  supplier: string
  application: string
  sessionId: string
  sessionStartHeight: string
  sessionEndHeight: string
  kind: ProbeKind
  promptId: string
  stream: boolean
  maxTokens: number
  ok: boolean
  failure: string | null
  ttftMs: number | null
  latencyMs: number
  tpotMs: number | null
  completionTokens: number | null
  promptTokens: number | null
  tokensPerSecond: number | null
  text: string | null
  /** Known-answer tasks: whether the answer holds an expected string. */
  correct: boolean | null
  challenge: { reference: string; comparison: Comparison } | null
  evidence: ProbeEvidence | null
}

export class WatcherStore {
  readonly #db: Database.Database

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    this.#db = new Database(path)
    this.#db.pragma('journal_mode = WAL')
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS probes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        service_id TEXT NOT NULL,
        supplier TEXT NOT NULL,
        kind TEXT NOT NULL,
        record TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS probes_pair ON probes (service_id, supplier, kind, id);
      CREATE TABLE IF NOT EXISTS reports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at INTEGER NOT NULL,
        report TEXT NOT NULL
      );
    `)
  }

  addProbe(record: ProbeRecord): number {
    const { id: _, ...rest } = record
    const result = this.#db
      .prepare('INSERT INTO probes (at, service_id, supplier, kind, record) VALUES (?, ?, ?, ?, ?)')
      .run(record.at, record.serviceId, record.supplier, record.kind, JSON.stringify(rest))
    return Number(result.lastInsertRowid)
  }

  /** (service, supplier) pairs ever probed. */
  listPairs(): { serviceId: string; supplier: string }[] {
    return this.#db
      .prepare('SELECT DISTINCT service_id AS serviceId, supplier FROM probes ORDER BY 1, 2')
      .all() as { serviceId: string; supplier: string }[]
  }

  /** The most recent probes of a pair and kind, oldest first. */
  recentProbes(serviceId: string, supplier: string, kind: ProbeKind, limit: number): ProbeRecord[] {
    const rows = this.#db
      .prepare(
        'SELECT id, record FROM probes WHERE service_id = ? AND supplier = ? AND kind = ? ORDER BY id DESC LIMIT ?',
      )
      .all(serviceId, supplier, kind, limit) as { id: number; record: string }[]
    return rows.reverse().map((r) => ({ id: r.id, ...(JSON.parse(r.record) as ProbeRecord) }))
  }

  addReport(createdAt: number, report: unknown): number {
    const result = this.#db
      .prepare('INSERT INTO reports (created_at, report) VALUES (?, ?)')
      .run(createdAt, JSON.stringify(report))
    return Number(result.lastInsertRowid)
  }

  latestReport(): unknown {
    const row = this.#db.prepare('SELECT report FROM reports ORDER BY id DESC LIMIT 1').get() as
      | { report: string }
      | undefined
    return row ? JSON.parse(row.report) : undefined
  }

  /** Report summaries, newest first. */
  listReports(limit: number): { id: number; createdAt: number }[] {
    return this.#db
      .prepare('SELECT id, created_at AS createdAt FROM reports ORDER BY id DESC LIMIT ?')
      .all(limit) as { id: number; createdAt: number }[]
  }

  getReport(id: number): unknown {
    const row = this.#db.prepare('SELECT report FROM reports WHERE id = ?').get(id) as
      | { report: string }
      | undefined
    return row ? JSON.parse(row.report) : undefined
  }

  close(): void {
    this.#db.close()
  }
}
