import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { SmstEntry } from '@decai/relay-mining'
import { type DurableSmst, openSmstDatabase, type SmstDatabase } from '@decai/relay-mining/sqlite'
import type { SessionHeaderFields } from '@decai/session'
import Database from 'better-sqlite3'
import { SupplierError } from './errors.js'

// Durable state of the supplier, in its storage directory:
// - `tries.sqlite` (+ `tries.sqlite.logs/`): one SMST per session and supplier, the relays
//   mined into it (@decai/relay-mining's durable store: an update is on disk when it returns);
// - `state.sqlite`: each session's lifecycle (the claim/proof state machine) and its metering.

/**
 * Where a session is in its life. `open` sessions take relays; `claiming` is sealed with its
 * root recorded before the claim is sent, so a restart resends the same root or finds it on
 * chain. The last six are terminal.
 */
export type SessionState =
  | 'open'
  | 'claiming'
  | 'claimed'
  | 'proving'
  | 'proved'
  | 'proof_not_required'
  | 'settled'
  | 'expired'
  | 'empty'
  | 'claim_failed'
  | 'proof_failed'
  | 'unsettled'

export const terminalStates: readonly SessionState[] = [
  'settled',
  'expired',
  'empty',
  'claim_failed',
  'proof_failed',
  'unsettled',
]

/** A session this supplier served, with its lifecycle and metering. */
export type SessionRecord = {
  sessionId: string
  supplierOperatorAddress: string
  applicationAddress: string
  serviceId: string
  sessionStartHeight: bigint
  sessionEndHeight: bigint
  state: SessionState
  /** The claimed root (hash ‖ sum ‖ count), once sealed. */
  rootHash: Uint8Array | undefined
  claimTxHash: string | undefined
  proofRequirement: string | undefined
  proofTxHash: string | undefined
  settledUpokt: bigint | undefined
  error: string | undefined
  relaysServed: number
  relaysMined: number
  promptTokens: number
  completionTokens: number
  updatedHeight: bigint
}

type Row = {
  session_id: string
  supplier: string
  application: string
  service_id: string
  start_height: number
  end_height: number
  state: SessionState
  root_hash: Buffer | null
  claim_tx: string | null
  proof_requirement: string | null
  proof_tx: string | null
  settled_upokt: string | null
  error: string | null
  relays_served: number
  relays_mined: number
  prompt_tokens: number
  completion_tokens: number
  updated_height: number
}

const toRecord = (row: Row): SessionRecord => ({
  sessionId: row.session_id,
  supplierOperatorAddress: row.supplier,
  applicationAddress: row.application,
  serviceId: row.service_id,
  sessionStartHeight: BigInt(row.start_height),
  sessionEndHeight: BigInt(row.end_height),
  state: row.state,
  rootHash: row.root_hash ? new Uint8Array(row.root_hash) : undefined,
  claimTxHash: row.claim_tx ?? undefined,
  proofRequirement: row.proof_requirement ?? undefined,
  proofTxHash: row.proof_tx ?? undefined,
  settledUpokt: row.settled_upokt === null ? undefined : BigInt(row.settled_upokt),
  error: row.error ?? undefined,
  relaysServed: row.relays_served,
  relaysMined: row.relays_mined,
  promptTokens: row.prompt_tokens,
  completionTokens: row.completion_tokens,
  updatedHeight: BigInt(row.updated_height),
})

/** Fields a transition may set besides the state. */
export type SessionUpdate = {
  rootHash?: Uint8Array
  claimTxHash?: string
  proofRequirement?: string
  proofTxHash?: string
  settledUpokt?: bigint
  error?: string
  updatedHeight?: bigint
}

export type SessionStore = ReturnType<typeof openSessionStore>

/** The name of a session's trie: supplier and session, so two operators never share one. */
export const getTrieName = (supplier: string, sessionId: string) => `${supplier}/${sessionId}`

export type OpenSessionStoreOptions = {
  synchronous: 'normal' | 'full'
  /** Metering that could not be written (the counts are lost; relays and tries are not). */
  onMeteringError?: (error: unknown) => void
}

export function openSessionStore(dir: string, options: OpenSessionStoreOptions) {
  let tries: SmstDatabase
  let db: Database.Database
  try {
    mkdirSync(dir, { recursive: true })
    tries = openSmstDatabase(join(dir, 'tries.sqlite'), { synchronous: options.synchronous })
    db = new Database(join(dir, 'state.sqlite'))
  } catch (cause) {
    throw new SupplierError('STORE_FAILED', `Cannot open the storage directory ${dir}.`, {
      cause,
    })
  }
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
  db.exec(`
    CREATE TABLE IF NOT EXISTS sessions (
      session_id TEXT NOT NULL,
      supplier TEXT NOT NULL,
      application TEXT NOT NULL,
      service_id TEXT NOT NULL,
      start_height INTEGER NOT NULL,
      end_height INTEGER NOT NULL,
      state TEXT NOT NULL,
      root_hash BLOB,
      claim_tx TEXT,
      proof_requirement TEXT,
      proof_tx TEXT,
      settled_upokt TEXT,
      error TEXT,
      relays_served INTEGER NOT NULL DEFAULT 0,
      relays_mined INTEGER NOT NULL DEFAULT 0,
      prompt_tokens INTEGER NOT NULL DEFAULT 0,
      completion_tokens INTEGER NOT NULL DEFAULT 0,
      updated_height INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (session_id, supplier)
    );
    CREATE INDEX IF NOT EXISTS sessions_by_state ON sessions (state, end_height);
  `)
  const statements = {
    insert: db.prepare(`INSERT OR IGNORE INTO sessions
      (session_id, supplier, application, service_id, start_height, end_height, state, updated_height)
      VALUES (?, ?, ?, ?, ?, ?, 'open', ?)`),
    get: db.prepare('SELECT * FROM sessions WHERE session_id = ? AND supplier = ?'),
    all: db.prepare('SELECT * FROM sessions ORDER BY end_height, session_id'),
    active: db.prepare(
      `SELECT * FROM sessions WHERE state NOT IN (${terminalStates.map(() => '?').join(',')}) ORDER BY end_height`,
    ),
    usage: db.prepare(`UPDATE sessions SET relays_served = relays_served + ?,
      relays_mined = relays_mined + ?, prompt_tokens = prompt_tokens + ?,
      completion_tokens = completion_tokens + ? WHERE session_id = ? AND supplier = ?`),
    prune: db.prepare(
      `DELETE FROM sessions WHERE end_height < ? AND state IN (${terminalStates.map(() => '?').join(',')})`,
    ),
  }
  const openTries = new Map<string, DurableSmst>()
  // Sessions this process has recorded: a relay of a known session skips the write (an
  // `INSERT OR IGNORE` still takes the database's write lock). Cleared when rows are pruned.
  const recorded = new Set<string>()

  // Metering counts, added up in memory and written once per event-loop turn, in one
  // transaction, after the answers of that turn have gone out: a relay no longer waits for its
  // own UPDATE. Every read of a session writes them first, so reads are never behind. What a
  // crash can lose is the counts of the turn in flight, never a relay (the trie is written
  // before the answer, and the counts are statistics).
  type Usage = { served: number; mined: number; promptTokens: number; completionTokens: number }
  const pending = new Map<string, Usage & { sessionId: string; supplier: string }>()
  let flushScheduled = false
  const writeUsage = db.transaction(
    (rows: Iterable<Usage & { sessionId: string; supplier: string }>) => {
      for (const u of rows)
        statements.usage.run(
          u.served,
          u.mined,
          u.promptTokens,
          u.completionTokens,
          u.sessionId,
          u.supplier,
        )
    },
  )
  const flushUsage = () => {
    flushScheduled = false
    if (pending.size === 0) return
    const rows = [...pending.values()]
    pending.clear()
    try {
      writeUsage(rows)
    } catch (error) {
      options.onMeteringError?.(error)
    }
  }

  const trie = (supplier: string, sessionId: string): DurableSmst => {
    const name = getTrieName(supplier, sessionId)
    let t = openTries.get(name)
    if (!t) {
      t = tries.openTrie(name)
      openTries.set(name, t)
    }
    return t
  }

  return {
    /** Records a session the first time a relay of it is served (no-op afterwards). */
    ensureSession(header: SessionHeaderFields, supplier: string, height: bigint): void {
      const key = getTrieName(supplier, header.sessionId)
      if (recorded.has(key)) return
      statements.insert.run(
        header.sessionId,
        supplier,
        header.applicationAddress,
        header.serviceId,
        Number(header.sessionStartBlockHeight),
        Number(header.sessionEndBlockHeight),
        Number(height),
      )
      recorded.add(key)
    },
    getSession(sessionId: string, supplier: string): SessionRecord | undefined {
      flushUsage()
      const row = statements.get.get(sessionId, supplier) as Row | undefined
      return row ? toRecord(row) : undefined
    },
    listSessions(): SessionRecord[] {
      flushUsage()
      return (statements.all.all() as Row[]).map(toRecord)
    },
    listActiveSessions(): SessionRecord[] {
      flushUsage()
      return (statements.active.all(...terminalStates) as Row[]).map(toRecord)
    },
    /**
     * Moves a session from `from` to `to` (compare and set) and returns whether it did: two
     * actors racing on one session cannot both win.
     */
    transition(
      sessionId: string,
      supplier: string,
      from: SessionState,
      to: SessionState,
      update: SessionUpdate = {},
    ): boolean {
      flushUsage()
      const sets = ['state = ?']
      const values: unknown[] = [to]
      const add = (column: string, value: unknown) => {
        sets.push(`${column} = ?`)
        values.push(value)
      }
      if (update.rootHash) add('root_hash', Buffer.from(update.rootHash))
      if (update.claimTxHash !== undefined) add('claim_tx', update.claimTxHash)
      if (update.proofRequirement !== undefined) add('proof_requirement', update.proofRequirement)
      if (update.proofTxHash !== undefined) add('proof_tx', update.proofTxHash)
      if (update.settledUpokt !== undefined) add('settled_upokt', update.settledUpokt.toString())
      if (update.error !== undefined) add('error', update.error)
      if (update.updatedHeight !== undefined) add('updated_height', Number(update.updatedHeight))
      const result = db
        .prepare(
          `UPDATE sessions SET ${sets.join(', ')} WHERE session_id = ? AND supplier = ? AND state = ?`,
        )
        .run(...values, sessionId, supplier, from)
      return result.changes === 1
    },
    /** Adds one served relay and its tokens to the session's metering (written this turn). */
    recordRelay(
      sessionId: string,
      supplier: string,
      usage: { mined: boolean; promptTokens: number; completionTokens: number },
    ): void {
      const key = getTrieName(supplier, sessionId)
      let u = pending.get(key)
      if (!u) {
        u = { sessionId, supplier, served: 0, mined: 0, promptTokens: 0, completionTokens: 0 }
        pending.set(key, u)
      }
      u.served++
      if (usage.mined) u.mined++
      u.promptTokens += usage.promptTokens
      u.completionTokens += usage.completionTokens
      if (!flushScheduled) {
        flushScheduled = true
        setImmediate(flushUsage)
      }
    },
    /** Inserts a mined relay; durable (acknowledged) when this returns. */
    insertRelay(
      supplier: string,
      sessionId: string,
      key: Uint8Array,
      value: Uint8Array,
      weight: bigint,
    ) {
      trie(supplier, sessionId).update(key, value, weight)
    },
    getRelay(supplier: string, sessionId: string, key: Uint8Array): SmstEntry | undefined {
      return trie(supplier, sessionId).get(key)
    },
    /** The session trie's root: hash ‖ sum ‖ count (48 bytes). */
    getRoot(supplier: string, sessionId: string): Uint8Array {
      return trie(supplier, sessionId).root()
    },
    getTrie: trie,
    /** Deletes a session's trie (after settlement or failure). */
    deleteTrie(supplier: string, sessionId: string): void {
      const name = getTrieName(supplier, sessionId)
      openTries.get(name)?.close()
      openTries.delete(name)
      tries.deleteTrie(name)
    },
    /** Forgets terminal sessions that ended before `height`. */
    prune(height: bigint): number {
      flushUsage()
      recorded.clear()
      return statements.prune.run(Number(height), ...terminalStates).changes
    },
    close(): void {
      flushUsage()
      for (const t of openTries.values()) t.close()
      openTries.clear()
      tries.close()
      db.close()
    },
  }
}
