import Database from 'better-sqlite3'
import { DashboardError } from './errors.js'

// The index: what the chain settled, claimed and staked, in SQLite. Every amount is an INTEGER
// read back as a bigint (`defaultSafeIntegers`): SQLite's SUM over integers is exact and fails
// on overflow rather than rounding, so no total ever passes through a float.
//
// Crash safety: one block is one transaction that writes the block's rows and moves the height
// cursor with them. A block is committed whole or not at all, and a block at or below the cursor
// is never written again, so a restart after kill -9 carries on from the last committed block
// with nothing counted twice.

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS settlements (
  height INTEGER NOT NULL,
  event_index INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  status TEXT NOT NULL,
  service_id TEXT NOT NULL,
  application TEXT NOT NULL,
  supplier_operator TEXT NOT NULL,
  supplier_owner TEXT NOT NULL,
  session_id TEXT NOT NULL,
  session_end_height INTEGER NOT NULL,
  num_relays INTEGER NOT NULL,
  compute_units INTEGER NOT NULL,
  estimated_compute_units INTEGER NOT NULL,
  claimed_upokt INTEGER NOT NULL,
  settled_upokt INTEGER NOT NULL,
  minted_upokt INTEGER NOT NULL,
  expiration_reason TEXT NOT NULL,
  PRIMARY KEY (height, event_index)
) STRICT;
CREATE INDEX IF NOT EXISTS settlements_service ON settlements (service_id, height);
CREATE INDEX IF NOT EXISTS settlements_session
  ON settlements (supplier_operator, application, service_id, session_end_height);
CREATE TABLE IF NOT EXISTS rewards (
  height INTEGER NOT NULL,
  event_index INTEGER NOT NULL,
  reward_index INTEGER NOT NULL,
  recipient TEXT NOT NULL,
  role TEXT NOT NULL,
  tlm TEXT NOT NULL,
  op_reason TEXT NOT NULL,
  amount INTEGER NOT NULL,
  PRIMARY KEY (height, event_index, reward_index)
) STRICT;
CREATE INDEX IF NOT EXISTS rewards_recipient ON rewards (recipient, role);
CREATE TABLE IF NOT EXISTS claims (
  supplier_operator TEXT NOT NULL,
  application TEXT NOT NULL,
  service_id TEXT NOT NULL,
  session_end_height INTEGER NOT NULL,
  height INTEGER NOT NULL,
  num_relays INTEGER NOT NULL,
  compute_units INTEGER NOT NULL,
  claimed_upokt INTEGER NOT NULL,
  PRIMARY KEY (supplier_operator, application, service_id, session_end_height)
) STRICT;
CREATE TABLE IF NOT EXISTS services (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL,
  compute_units_per_relay INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS services_owner ON services (owner);
CREATE TABLE IF NOT EXISTS suppliers (
  operator TEXT PRIMARY KEY, owner TEXT NOT NULL, stake_upokt INTEGER NOT NULL,
  services TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS applications (
  address TEXT PRIMARY KEY, stake_upokt INTEGER NOT NULL, services TEXT NOT NULL,
  gateways TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS gateways (address TEXT PRIMARY KEY, stake_upokt INTEGER NOT NULL) STRICT;
`

/** One settled or expired claim, as stored. */
export type SettlementRow = {
  eventIndex: number
  status: 'settled' | 'expired'
  serviceId: string
  application: string
  supplierOperator: string
  supplierOwner: string
  sessionId: string
  sessionEndHeight: bigint
  numRelays: bigint
  computeUnits: bigint
  estimatedComputeUnits: bigint
  claimedUpokt: bigint
  settledUpokt: bigint
  mintedUpokt: bigint
  expirationReason: string
  rewards: { recipient: string; role: string; tlm: string; opReason: string; amount: bigint }[]
}

/** A claim created or updated by a transaction. */
export type ClaimRow = {
  supplierOperator: string
  application: string
  serviceId: string
  sessionEndHeight: bigint
  numRelays: bigint
  computeUnits: bigint
  claimedUpokt: bigint
}

/** Everything one block adds to the index. */
export type BlockRows = {
  height: bigint
  timeMs: number
  settlements: SettlementRow[]
  claims: ClaimRow[]
}

/** The staked actors and services, as the chain reported them at `height`. */
export type NetworkSnapshot = {
  height: bigint
  services: { id: string; name: string; owner: string; computeUnitsPerRelay: bigint }[]
  suppliers: { operator: string; owner: string; stakeUpokt: bigint; services: string[] }[]
  applications: { address: string; stakeUpokt: bigint; services: string[]; gateways: string[] }[]
  gateways: { address: string; stakeUpokt: bigint }[]
}

export type Store = ReturnType<typeof openStore>

/** Opens (or creates) the index at `path` (`:memory:` for a throwaway one). */
export function openStore(path: string) {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  // FULL: a committed block survives power loss too, not only a killed process.
  db.pragma('synchronous = FULL')
  db.pragma('busy_timeout = 5000')
  db.defaultSafeIntegers(true)
  db.exec(SCHEMA)

  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?')
  const setMeta = db.prepare<[string, string]>(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  )
  const insertSettlement = db.prepare(
    `INSERT INTO settlements VALUES (@height, @eventIndex, @timeMs, @status, @serviceId,
     @application, @supplierOperator, @supplierOwner, @sessionId, @sessionEndHeight, @numRelays,
     @computeUnits, @estimatedComputeUnits, @claimedUpokt, @settledUpokt, @mintedUpokt,
     @expirationReason)`,
  )
  const insertReward = db.prepare(
    'INSERT INTO rewards VALUES (@height, @eventIndex, @rewardIndex, @recipient, @role, @tlm, @opReason, @amount)',
  )
  const upsertClaim = db.prepare(
    `INSERT INTO claims VALUES (@supplierOperator, @application, @serviceId, @sessionEndHeight,
     @height, @numRelays, @computeUnits, @claimedUpokt)
     ON CONFLICT DO UPDATE SET height = excluded.height, num_relays = excluded.num_relays,
     compute_units = excluded.compute_units, claimed_upokt = excluded.claimed_upokt`,
  )

  const readHeight = (): bigint => BigInt(getMeta.get('height')?.value ?? '0')

  const commitBlock = db.transaction((rows: BlockRows): boolean => {
    const cursor = readHeight()
    // Already indexed (a restart replays from the cursor, a watcher may deliver twice): no-op.
    if (rows.height <= cursor) return false
    if (rows.height !== cursor + 1n && cursor !== 0n) {
      throw new DashboardError('INTERNAL', 'Blocks must be indexed in order.', {
        details: `height ${rows.height} after ${cursor}`,
      })
    }
    for (const s of rows.settlements) {
      const { rewards, ...fields } = s
      insertSettlement.run({ ...fields, height: rows.height, timeMs: rows.timeMs })
      for (const [rewardIndex, reward] of rewards.entries())
        insertReward.run({ ...reward, height: rows.height, eventIndex: s.eventIndex, rewardIndex })
    }
    for (const claim of rows.claims) upsertClaim.run({ ...claim, height: rows.height })
    setMeta.run('height', String(rows.height))
    if (rows.timeMs > 0) setMeta.run('height_time_ms', String(rows.timeMs))
    return true
  })

  const replaceNetwork = db.transaction((snapshot: NetworkSnapshot) => {
    db.exec(
      'DELETE FROM services; DELETE FROM suppliers; DELETE FROM applications; DELETE FROM gateways;',
    )
    const service = db.prepare('INSERT INTO services VALUES (?, ?, ?, ?)')
    for (const s of snapshot.services) service.run(s.id, s.name, s.owner, s.computeUnitsPerRelay)
    const supplier = db.prepare('INSERT INTO suppliers VALUES (?, ?, ?, ?)')
    for (const s of snapshot.suppliers)
      supplier.run(s.operator, s.owner, s.stakeUpokt, s.services.join(' '))
    const application = db.prepare('INSERT INTO applications VALUES (?, ?, ?, ?)')
    for (const a of snapshot.applications)
      application.run(a.address, a.stakeUpokt, a.services.join(' '), a.gateways.join(' '))
    const gateway = db.prepare('INSERT INTO gateways VALUES (?, ?)')
    for (const g of snapshot.gateways) gateway.run(g.address, g.stakeUpokt)
    setMeta.run('network_height', String(snapshot.height))
  })

  return {
    db,
    /** The last block committed to the index; 0 before the first. */
    getHeight: readHeight,
    /** The time of the last committed block (ms since the epoch), if any. */
    getHeightTime: (): number | undefined => {
      const value = getMeta.get('height_time_ms')?.value
      return value === undefined ? undefined : Number(value)
    },
    /** The height of the last network snapshot; 0 before the first. */
    getNetworkHeight: (): bigint => BigInt(getMeta.get('network_height')?.value ?? '0'),
    getMeta: (key: string): string | undefined => getMeta.get(key)?.value,
    setMeta: (key: string, value: string) => void setMeta.run(key, value),
    /** Writes one block atomically; false if it was indexed already. */
    commitBlock: (rows: BlockRows): boolean => commitBlock.immediate(rows),
    replaceNetwork: (snapshot: NetworkSnapshot) => replaceNetwork.immediate(snapshot),
    /** Rows of a query, with every integer as a bigint. */
    all: <Row>(sql: string, ...params: unknown[]): Row[] => db.prepare(sql).all(...params) as Row[],
    get: <Row>(sql: string, ...params: unknown[]): Row | undefined =>
      db.prepare(sql).get(...params) as Row | undefined,
    close: () => db.close(),
  }
}
