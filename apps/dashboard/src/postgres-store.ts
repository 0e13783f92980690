import {
  type Migration,
  migratePostgres,
  openPostgres,
  type Sql,
  type TransactionSql,
} from '@decai/app-kit/postgres'
import type { z } from 'zod'
import type { dashboardPostgresSchema } from './config.js'
import {
  type BlockRows,
  isNextBlock,
  type NetworkSnapshot,
  type QueryParameters,
  type Store,
} from './store.js'

// The index in PostgreSQL, for a dashboard that shares a server (the gateway's, say) or runs
// beside others reading one index. Everything lives in its own schema (`dashboard` by default):
// unqualified names resolve there only, so the tables keep the SQLite store's names and the
// queries run unchanged, and nothing meets the gateway's `gateway_*` tables in `public`.
// Integers are `bigint`; a SUM of bigints is `numeric` (no overflow at all), and the pool reads
// both back as bigints, never floats.
//
// Crash safety as in SQLite: a block's rows and the cursor in one transaction, which first locks
// the cursor row (`FOR UPDATE`), so two processes indexing into one schema write each block once.

const MIGRATIONS_TABLE = 'dashboard_migrations'

export const dashboardMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'index tables',
    sql: `
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO meta (key, value) VALUES ('height', '0');
CREATE TABLE settlements (
  height bigint NOT NULL,
  event_index bigint NOT NULL,
  time_ms bigint NOT NULL,
  status text NOT NULL,
  service_id text NOT NULL,
  application text NOT NULL,
  supplier_operator text NOT NULL,
  supplier_owner text NOT NULL,
  session_id text NOT NULL,
  session_end_height bigint NOT NULL,
  num_relays bigint NOT NULL,
  compute_units bigint NOT NULL,
  estimated_compute_units bigint NOT NULL,
  claimed_upokt bigint NOT NULL,
  settled_upokt bigint NOT NULL,
  minted_upokt bigint NOT NULL,
  expiration_reason text NOT NULL,
  PRIMARY KEY (height, event_index)
);
CREATE INDEX settlements_service ON settlements (service_id, height);
CREATE INDEX settlements_session
  ON settlements (supplier_operator, application, service_id, session_end_height);
CREATE TABLE rewards (
  height bigint NOT NULL,
  event_index bigint NOT NULL,
  reward_index bigint NOT NULL,
  recipient text NOT NULL,
  role text NOT NULL,
  tlm text NOT NULL,
  op_reason text NOT NULL,
  amount bigint NOT NULL,
  PRIMARY KEY (height, event_index, reward_index)
);
CREATE INDEX rewards_recipient ON rewards (recipient, role);
CREATE TABLE claims (
  supplier_operator text NOT NULL,
  application text NOT NULL,
  service_id text NOT NULL,
  session_end_height bigint NOT NULL,
  height bigint NOT NULL,
  num_relays bigint NOT NULL,
  compute_units bigint NOT NULL,
  claimed_upokt bigint NOT NULL,
  PRIMARY KEY (supplier_operator, application, service_id, session_end_height)
);
CREATE TABLE services (
  id text PRIMARY KEY, name text NOT NULL, owner text NOT NULL,
  compute_units_per_relay bigint NOT NULL
);
CREATE INDEX services_owner ON services (owner);
CREATE TABLE suppliers (
  operator text PRIMARY KEY, owner text NOT NULL, stake_upokt bigint NOT NULL,
  services text NOT NULL
);
CREATE TABLE applications (
  address text PRIMARY KEY, stake_upokt bigint NOT NULL, services text NOT NULL,
  gateways text NOT NULL
);
CREATE TABLE gateways (address text PRIMARY KEY, stake_upokt bigint NOT NULL);
`,
  },
]

/** `@name` parameters as PostgreSQL's `$n`, one number per name. */
export function bindNamed(
  text: string,
  parameters: QueryParameters,
): { text: string; values: unknown[] } {
  const names: string[] = []
  const bound = text.replace(/@([A-Za-z_]\w*)/g, (_match, name: string) => {
    if (!(name in parameters)) throw new TypeError(`no value for @${name}`)
    let index = names.indexOf(name)
    if (index === -1) index = names.push(name) - 1
    return `$${index + 1}`
  })
  return { text: bound, values: names.map((name) => parameters[name]) }
}

type PostgresStoreConfig = z.output<typeof dashboardPostgresSchema>

/** Opens the index in the configured schema, migrating it first. */
export async function openPostgresStore(config: PostgresStoreConfig): Promise<Store> {
  // `bigints`: the pool sends and reads bigints (`bigint`, and the `numeric` of a SUM).
  const sql = openPostgres(config, {
    schema: config.schema,
    bigints: true,
  }) as unknown as Sql<{ bigint: bigint }>
  try {
    await migratePostgres(sql as unknown as Sql, MIGRATIONS_TABLE, dashboardMigrations, {
      schema: config.schema,
    })
  } catch (error) {
    await sql.end({ timeout: 1 })
    throw error
  }

  const readMeta = async (key: string): Promise<string | undefined> => {
    const [row] = await sql<{ value: string }[]>`SELECT value FROM meta WHERE key = ${key}`
    return row?.value
  }
  const writeMeta = (
    tx: Sql<{ bigint: bigint }> | TransactionSql<{ bigint: bigint }>,
    key: string,
    value: string,
  ) =>
    tx`INSERT INTO meta (key, value) VALUES (${key}, ${value})
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`

  const query = async <Row>(text: string, parameters: QueryParameters): Promise<Row[]> => {
    const bound = bindNamed(text, parameters)
    // biome-ignore lint/suspicious/noExplicitAny: the values are the caller's, bound by position
    const rows = await sql.unsafe(bound.text, bound.values as any[])
    return [...rows] as Row[]
  }

  return {
    kind: 'postgres',
    getHeight: async () => BigInt((await readMeta('height')) ?? '0'),
    getHeightTime: async () => {
      const value = await readMeta('height_time_ms')
      return value === undefined ? undefined : Number(value)
    },
    getNetworkHeight: async () => BigInt((await readMeta('network_height')) ?? '0'),
    getMeta: readMeta,
    setMeta: async (key, value) => void (await writeMeta(sql, key, value)),
    commitBlock: (rows: BlockRows) =>
      sql.begin(async (tx) => {
        // The cursor row, locked: a second writer waits here, then finds the block indexed.
        const [cursor] = await tx<{ value: string }[]>`
          SELECT value FROM meta WHERE key = 'height' FOR UPDATE`
        if (!isNextBlock(rows.height, BigInt(cursor?.value ?? '0'))) return false
        const writes: Promise<unknown>[] = []
        for (const s of rows.settlements) {
          writes.push(tx`INSERT INTO settlements VALUES (${rows.height}, ${s.eventIndex},
            ${rows.timeMs}, ${s.status}, ${s.serviceId}, ${s.application}, ${s.supplierOperator},
            ${s.supplierOwner}, ${s.sessionId}, ${s.sessionEndHeight}, ${s.numRelays},
            ${s.computeUnits}, ${s.estimatedComputeUnits}, ${s.claimedUpokt}, ${s.settledUpokt},
            ${s.mintedUpokt}, ${s.expirationReason})`)
          for (const [i, r] of s.rewards.entries())
            writes.push(tx`INSERT INTO rewards VALUES (${rows.height}, ${s.eventIndex}, ${i},
              ${r.recipient}, ${r.role}, ${r.tlm}, ${r.opReason}, ${r.amount})`)
        }
        for (const c of rows.claims)
          writes.push(tx`INSERT INTO claims VALUES (${c.supplierOperator}, ${c.application},
            ${c.serviceId}, ${c.sessionEndHeight}, ${rows.height}, ${c.numRelays},
            ${c.computeUnits}, ${c.claimedUpokt})
            ON CONFLICT (supplier_operator, application, service_id, session_end_height)
            DO UPDATE SET height = excluded.height, num_relays = excluded.num_relays,
            compute_units = excluded.compute_units, claimed_upokt = excluded.claimed_upokt`)
        writes.push(writeMeta(tx, 'height', String(rows.height)))
        if (rows.timeMs > 0) writes.push(writeMeta(tx, 'height_time_ms', String(rows.timeMs)))
        // Sent together (pipelined) in the one transaction.
        await Promise.all(writes)
        return true
      }) as Promise<boolean>,
    replaceNetwork: async (snapshot: NetworkSnapshot) => {
      await sql.begin(async (tx) => {
        await tx`DELETE FROM services`
        await tx`DELETE FROM suppliers`
        await tx`DELETE FROM applications`
        await tx`DELETE FROM gateways`
        const writes: Promise<unknown>[] = []
        for (const s of snapshot.services)
          writes.push(tx`INSERT INTO services VALUES (${s.id}, ${s.name}, ${s.owner},
            ${s.computeUnitsPerRelay})`)
        for (const s of snapshot.suppliers)
          writes.push(tx`INSERT INTO suppliers VALUES (${s.operator}, ${s.owner},
            ${s.stakeUpokt}, ${s.services.join(' ')})`)
        for (const a of snapshot.applications)
          writes.push(tx`INSERT INTO applications VALUES (${a.address}, ${a.stakeUpokt},
            ${a.services.join(' ')}, ${a.gateways.join(' ')})`)
        for (const g of snapshot.gateways)
          writes.push(tx`INSERT INTO gateways VALUES (${g.address}, ${g.stakeUpokt})`)
        writes.push(writeMeta(tx, 'network_height', String(snapshot.height)))
        await Promise.all(writes)
      })
    },
    all: <Row>(text: string, parameters: QueryParameters = {}) => query<Row>(text, parameters),
    get: async <Row>(text: string, parameters: QueryParameters = {}) =>
      (await query<Row>(text, parameters))[0],
    close: () => sql.end({ timeout: 5 }),
  }
}
