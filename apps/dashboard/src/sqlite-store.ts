import Database from 'better-sqlite3'
import {
  type BlockRows,
  isNextBlock,
  type NetworkSnapshot,
  type QueryParameters,
  type Store,
} from './store.js'

// The index in one SQLite file: WAL, `synchronous=FULL`, integers as bigints
// (`defaultSafeIntegers`). Its transactions are synchronous, so a block's rows and the cursor
// are written with nothing else in between.

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
/** Opens (or creates) the index in the SQLite file at `path` (`:memory:` for a throwaway one). */
export function openSqliteStore(path: string): Store {
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

  const readMeta = (key: string): string | undefined => getMeta.get(key)?.value
  const readHeight = (): bigint => BigInt(readMeta('height') ?? '0')

  const commitBlock = db.transaction((rows: BlockRows): boolean => {
    if (!isNextBlock(rows.height, readHeight())) return false
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
    kind: 'sqlite',
    getHeight: async () => readHeight(),
    getHeightTime: async () => {
      const value = readMeta('height_time_ms')
      return value === undefined ? undefined : Number(value)
    },
    getNetworkHeight: async () => BigInt(readMeta('network_height') ?? '0'),
    getMeta: async (key) => readMeta(key),
    setMeta: async (key, value) => void setMeta.run(key, value),
    commitBlock: async (rows) => commitBlock.immediate(rows),
    replaceNetwork: async (snapshot) => replaceNetwork.immediate(snapshot),
    all: async <Row>(sql: string, parameters: QueryParameters = {}) =>
      db.prepare(sql).all(parameters) as Row[],
    get: async <Row>(sql: string, parameters: QueryParameters = {}) =>
      db.prepare(sql).get(parameters) as Row | undefined,
    close: async () => void db.close(),
  }
}
