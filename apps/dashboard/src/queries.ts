import { isAddress } from '@decai/crypto'
import { assertServiceId } from '@decai/session'
import { DashboardError } from './errors.js'
import type { Store } from './store.js'

// The read side of the index: every view's tables, straight from SQL that SQLite and PostgreSQL
// both run as written (named `@parameters`; no engine-only functions). Integers come back as
// bigints and sums are integer sums on both engines (exact; never a float).

/** A table as every view and the CSV export see it: named columns, rows in that order. */
export type Table<Row extends Record<string, unknown> = Record<string, unknown>> = {
  columns: (keyof Row & string)[]
  rows: Row[]
}

function table<Row extends Record<string, unknown>>(
  columns: (keyof Row & string)[],
  rows: Row[],
): Table<Row> {
  return { columns, rows }
}

const HOUR_MS = 3_600_000n
const DAY_MS = 86_400_000n

/** The owner share of one settlement row `s`, optionally only what `recipient` received. */
const ownerShareOf = (recipient: boolean) =>
  `(SELECT COALESCE(SUM(r.amount), 0) FROM rewards r WHERE r.height = s.height
    AND r.event_index = s.event_index AND r.role = 'sourceOwner'${recipient ? ' AND r.recipient = @address' : ''})`

/** Checks an address's form; a typed 400 when it is not a `pokt1…` address. */
export function checkAddress(address: string): string {
  if (!isAddress(address)) {
    throw new DashboardError('INVALID_ADDRESS', 'Not a valid pokt1… address.', {
      details: address.slice(0, 100),
    })
  }
  return address
}

/** Checks a service ID's form (poktroll's rule); a typed 400 when it could not exist. */
export function checkServiceId(serviceId: string): string {
  try {
    assertServiceId(serviceId)
  } catch (cause) {
    throw new DashboardError('INVALID_SERVICE_ID', 'Not a valid service ID.', {
      details: serviceId.slice(0, 100),
      cause,
    })
  }
  return serviceId
}

/** Parses a block height from a path or query; a typed 400 when it is not one. */
export function checkHeight(value: string): bigint {
  if (!/^[1-9]\d{0,18}$/.test(value)) {
    throw new DashboardError('INVALID_HEIGHT', 'A height is a positive integer.', {
      details: value.slice(0, 100),
    })
  }
  return BigInt(value)
}

/** What the index knows an address as. */
export async function getAddressRoles(store: Store, address: string): Promise<string[]> {
  const roles: string[] = []
  const has = async (sql: string) => (await store.get(sql, { address })) !== undefined
  if (
    (await has('SELECT 1 FROM services WHERE owner = @address')) ||
    (await has("SELECT 1 FROM rewards WHERE recipient = @address AND role = 'sourceOwner'"))
  )
    roles.push('champion')
  if (
    (await has('SELECT 1 FROM suppliers WHERE operator = @address OR owner = @address')) ||
    (await has('SELECT 1 FROM settlements WHERE supplier_operator = @address'))
  )
    roles.push('supplier')
  if (
    (await has('SELECT 1 FROM applications WHERE address = @address')) ||
    (await has('SELECT 1 FROM settlements WHERE application = @address'))
  )
    roles.push('application')
  if (await has('SELECT 1 FROM gateways WHERE address = @address')) roles.push('gateway')
  if (roles.length === 0 && (await has('SELECT 1 FROM rewards WHERE recipient = @address')))
    roles.push('recipient')
  return roles
}

export type ChampionServiceRow = {
  service_id: string
  name: string
  current_owner: string
  settled_claims: bigint
  expired_claims: bigint
  relays: bigint
  compute_units: bigint
  settled_upokt: bigint
  champion_share_upokt: bigint
}

/** A champion: the services it owns (or was paid as owner for) and its share of each. */
export async function getChampion(store: Store, address: string) {
  checkAddress(address)
  const roles = await getAddressRoles(store, address)
  if (roles.length === 0) {
    throw new DashboardError('UNKNOWN_ADDRESS', 'The index knows nothing about this address.', {
      details: `${address} (indexed up to height ${await store.getHeight()})`,
    })
  }
  const rows = await store.all<ChampionServiceRow>(
    `WITH owned AS (
       SELECT id AS service_id FROM services WHERE owner = @address
       UNION
       SELECT s.service_id FROM rewards r JOIN settlements s USING (height, event_index)
       WHERE r.recipient = @address AND r.role = 'sourceOwner')
     SELECT o.service_id, COALESCE(sv.name, '') AS name, COALESCE(sv.owner, '') AS current_owner,
       (SELECT COUNT(*) FROM settlements WHERE service_id = o.service_id AND status = 'settled') AS settled_claims,
       (SELECT COUNT(*) FROM settlements WHERE service_id = o.service_id AND status = 'expired') AS expired_claims,
       (SELECT COALESCE(SUM(num_relays), 0) FROM settlements WHERE service_id = o.service_id AND status = 'settled') AS relays,
       (SELECT COALESCE(SUM(compute_units), 0) FROM settlements WHERE service_id = o.service_id AND status = 'settled') AS compute_units,
       (SELECT COALESCE(SUM(settled_upokt), 0) FROM settlements WHERE service_id = o.service_id) AS settled_upokt,
       (SELECT COALESCE(SUM(r.amount), 0) FROM rewards r JOIN settlements s USING (height, event_index)
         WHERE s.service_id = o.service_id AND r.recipient = @address AND r.role = 'sourceOwner') AS champion_share_upokt
     FROM owned o LEFT JOIN services sv ON sv.id = o.service_id ORDER BY o.service_id`,
    { address },
  )
  const share = (await store.get<{ total: bigint }>(
    "SELECT COALESCE(SUM(amount), 0) AS total FROM rewards WHERE recipient = @address AND role = 'sourceOwner'",
    { address },
  ))!.total
  return {
    address,
    roles,
    championShareUpokt: share,
    relays: rows.reduce((sum, r) => sum + r.relays, 0n),
    computeUnits: rows.reduce((sum, r) => sum + r.compute_units, 0n),
    settledUpokt: rows.reduce((sum, r) => sum + r.settled_upokt, 0n),
    services: table(
      [
        'service_id',
        'name',
        'current_owner',
        'settled_claims',
        'expired_claims',
        'relays',
        'compute_units',
        'settled_upokt',
        'champion_share_upokt',
      ],
      rows,
    ),
  }
}

/** A service's totals; `UNKNOWN_SERVICE` when neither the chain nor a settlement names it. */
export async function getService(store: Store, serviceId: string) {
  checkServiceId(serviceId)
  const service = await store.get<{
    name: string
    owner: string
    compute_units_per_relay: bigint
  }>('SELECT name, owner, compute_units_per_relay FROM services WHERE id = @serviceId', {
    serviceId,
  })
  const totals = (await store.get<{
    settled_claims: bigint
    expired_claims: bigint
    relays: bigint
    compute_units: bigint
    settled_upokt: bigint
    owner_share_upokt: bigint
    last_height: bigint | null
  }>(
    `SELECT
       COUNT(CASE WHEN status = 'settled' THEN 1 END) AS settled_claims,
       COUNT(CASE WHEN status = 'expired' THEN 1 END) AS expired_claims,
       COALESCE(SUM(CASE WHEN status = 'settled' THEN num_relays END), 0) AS relays,
       COALESCE(SUM(CASE WHEN status = 'settled' THEN compute_units END), 0) AS compute_units,
       COALESCE(SUM(settled_upokt), 0) AS settled_upokt,
       COALESCE(SUM(${ownerShareOf(false)}), 0) AS owner_share_upokt,
       MAX(height) AS last_height
     FROM settlements s WHERE service_id = @serviceId`,
    { serviceId },
  ))!
  const claimed = await store.get('SELECT 1 FROM claims WHERE service_id = @serviceId', {
    serviceId,
  })
  if (!service && totals.last_height === null && !claimed) {
    throw new DashboardError('UNKNOWN_SERVICE', 'The index knows no service with this ID.', {
      details: `${serviceId} (indexed up to height ${await store.getHeight()})`,
    })
  }
  const owners = await store.all<{ owner: string; share_upokt: bigint }>(
    `SELECT r.recipient AS owner, SUM(r.amount) AS share_upokt
     FROM rewards r JOIN settlements s USING (height, event_index)
     WHERE s.service_id = @serviceId AND r.role = 'sourceOwner' GROUP BY r.recipient ORDER BY r.recipient`,
    { serviceId },
  )
  return {
    serviceId,
    name: service?.name ?? '',
    owner: service?.owner ?? '',
    computeUnitsPerRelay: service?.compute_units_per_relay,
    ...totals,
    owners: table(['owner', 'share_upokt'], owners),
  }
}

export type BreakdownRow = {
  address: string
  claims: bigint
  relays: bigint
  compute_units: bigint
  settled_upokt: bigint
  owner_share_upokt: bigint
}

/** A service's settled claims grouped by supplier operator or by application. */
export async function getServiceBreakdown(
  store: Store,
  serviceId: string,
  by: 'supplier' | 'application',
): Promise<Table<BreakdownRow & { supplier_rewards_upokt?: bigint }>> {
  await getService(store, serviceId)
  const column = by === 'supplier' ? 'supplier_operator' : 'application'
  const supplierRewards =
    by === 'supplier'
      ? `, SUM((SELECT COALESCE(SUM(r.amount), 0) FROM rewards r WHERE r.height = s.height
           AND r.event_index = s.event_index AND r.role = 'supplier')) AS supplier_rewards_upokt`
      : ''
  const rows = await store.all<BreakdownRow>(
    `SELECT ${column} AS address, COUNT(*) AS claims, SUM(num_relays) AS relays,
       SUM(compute_units) AS compute_units, SUM(settled_upokt) AS settled_upokt,
       SUM(${ownerShareOf(false)}) AS owner_share_upokt${supplierRewards}
     FROM settlements s WHERE service_id = @serviceId AND status = 'settled'
     GROUP BY ${column} ORDER BY settled_upokt DESC, address`,
    { serviceId },
  )
  const columns: (keyof (BreakdownRow & { supplier_rewards_upokt?: bigint }))[] = [
    'address',
    'claims',
    'relays',
    'compute_units',
    'settled_upokt',
    'owner_share_upokt',
  ]
  if (by === 'supplier') columns.push('supplier_rewards_upokt')
  return table<BreakdownRow & { supplier_rewards_upokt?: bigint }>(columns, rows)
}

export type SeriesRow = {
  start_ms: bigint
  claims: bigint
  relays: bigint
  compute_units: bigint
  settled_upokt: bigint
  owner_share_upokt: bigint
}

/** A service's settlements per hour or per day (UTC), by the settling block's time. */
export async function getServiceSeries(
  store: Store,
  serviceId: string,
  bucket: 'hour' | 'day',
  address?: string,
): Promise<Table<SeriesRow>> {
  await getService(store, serviceId)
  if (address !== undefined) checkAddress(address)
  const size = bucket === 'hour' ? HOUR_MS : DAY_MS
  const rows = await store.all<SeriesRow>(
    `SELECT (time_ms / @size) * @size AS start_ms, COUNT(*) AS claims, SUM(num_relays) AS relays,
       SUM(compute_units) AS compute_units, SUM(settled_upokt) AS settled_upokt,
       SUM(${ownerShareOf(address !== undefined)}) AS owner_share_upokt
     FROM settlements s WHERE service_id = @serviceId AND status = 'settled'
     GROUP BY start_ms ORDER BY start_ms`,
    { serviceId, size, address: address ?? '' },
  )
  return table(
    ['start_ms', 'claims', 'relays', 'compute_units', 'settled_upokt', 'owner_share_upokt'],
    rows,
  )
}

export type SettlementListRow = {
  height: bigint
  time_ms: bigint
  status: string
  service_id: string
  supplier_operator: string
  application: string
  session_end_height: bigint
  num_relays: bigint
  compute_units: bigint
  claimed_upokt: bigint
  settled_upokt: bigint
  owner_share_upokt: bigint
  expiration_reason: string
}

const settlementColumns: (keyof SettlementListRow)[] = [
  'height',
  'time_ms',
  'status',
  'service_id',
  'supplier_operator',
  'application',
  'session_end_height',
  'num_relays',
  'compute_units',
  'claimed_upokt',
  'settled_upokt',
  'owner_share_upokt',
  'expiration_reason',
]

const settlementSelect = `SELECT height, time_ms, status, service_id, supplier_operator, application,
  session_end_height, num_relays, compute_units, claimed_upokt, settled_upokt,
  ${ownerShareOf(false)} AS owner_share_upokt, expiration_reason FROM settlements s`

/** A service's settled and expired claims, newest first (at most `limit`). */
export async function getServiceSettlements(
  store: Store,
  serviceId: string,
  limit = 1000,
): Promise<Table<SettlementListRow>> {
  await getService(store, serviceId)
  return table(
    settlementColumns,
    await store.all<SettlementListRow>(
      `${settlementSelect} WHERE service_id = @serviceId ORDER BY height DESC, event_index LIMIT @limit`,
      { serviceId, limit },
    ),
  )
}

/** Every claim settled or expired in one block, with each transfer it paid. */
export async function getBlockSettlements(store: Store, height: bigint) {
  const indexed = await store.getHeight()
  if (height > indexed) {
    throw new DashboardError('HEIGHT_NOT_INDEXED', 'This height is not indexed yet.', {
      details: `${height} > ${indexed}`,
    })
  }
  const settlements = await store.all<SettlementListRow>(
    `${settlementSelect} WHERE height = @height ORDER BY event_index`,
    { height },
  )
  const rewards = await store.all<Record<string, unknown>>(
    `SELECT r.event_index, s.service_id, r.recipient, r.role, r.tlm, r.op_reason, r.amount AS amount_upokt
     FROM rewards r JOIN settlements s USING (height, event_index) WHERE r.height = @height
     ORDER BY r.event_index, r.reward_index`,
    { height },
  )
  return {
    height,
    settlements: table(settlementColumns, settlements),
    rewards: table(
      ['event_index', 'service_id', 'recipient', 'role', 'tlm', 'op_reason', 'amount_upokt'],
      rewards,
    ),
  }
}

/** Which services a filter covers: one service, a champion's, or all. */
function serviceFilter(filter: { serviceId?: string; owner?: string }): string {
  if (filter.serviceId !== undefined) return 'AND c.service_id = @serviceId'
  if (filter.owner !== undefined)
    return `AND c.service_id IN (SELECT id FROM services WHERE owner = @owner
      UNION SELECT s2.service_id FROM rewards r JOIN settlements s2 USING (height, event_index)
      WHERE r.recipient = @owner AND r.role = 'sourceOwner')`
  return ''
}

/** Claims on chain that have neither settled nor expired yet. */
export async function getPendingClaims(
  store: Store,
  filter: { serviceId?: string; owner?: string } = {},
) {
  const rows = await store.all<Record<string, unknown>>(
    `SELECT c.height AS claimed_height, c.service_id, c.supplier_operator, c.application,
       c.session_end_height, c.num_relays, c.compute_units, c.claimed_upokt
     FROM claims c WHERE NOT EXISTS (SELECT 1 FROM settlements s
       WHERE s.supplier_operator = c.supplier_operator AND s.application = c.application
       AND s.service_id = c.service_id AND s.session_end_height = c.session_end_height)
     ${serviceFilter(filter)} ORDER BY c.height DESC`,
    { serviceId: filter.serviceId ?? '', owner: filter.owner ?? '' },
  )
  return table(
    [
      'claimed_height',
      'service_id',
      'supplier_operator',
      'application',
      'session_end_height',
      'num_relays',
      'compute_units',
      'claimed_upokt',
    ],
    rows,
  )
}

/** Claims that expired (no valid proof in time): nothing was paid for them. */
export async function getExpiredClaims(
  store: Store,
  filter: { serviceId?: string; owner?: string } = {},
) {
  const rows = await store.all<Record<string, unknown>>(
    `SELECT c.height, c.service_id, c.supplier_operator, c.application, c.session_end_height,
       c.num_relays, c.compute_units, c.claimed_upokt, c.expiration_reason
     FROM settlements c WHERE c.status = 'expired' ${serviceFilter(filter)}
     ORDER BY c.height DESC`,
    { serviceId: filter.serviceId ?? '', owner: filter.owner ?? '' },
  )
  return table(
    [
      'height',
      'service_id',
      'supplier_operator',
      'application',
      'session_end_height',
      'num_relays',
      'compute_units',
      'claimed_upokt',
      'expiration_reason',
    ],
    rows,
  )
}

/** The network as last snapshotted: services with owners, suppliers, applications, gateways. */
export async function getNetwork(store: Store) {
  return {
    height: await store.getNetworkHeight(),
    services: table(
      ['id', 'name', 'owner', 'compute_units_per_relay', 'settled_upokt'],
      await store.all(
        `SELECT id, name, owner, compute_units_per_relay,
           (SELECT COALESCE(SUM(settled_upokt), 0) FROM settlements WHERE service_id = id) AS settled_upokt
         FROM services ORDER BY id`,
      ),
    ),
    suppliers: table(
      ['operator', 'owner', 'stake_upokt', 'services'],
      await store.all(
        'SELECT operator, owner, stake_upokt, services FROM suppliers ORDER BY operator',
      ),
    ),
    applications: table(
      ['address', 'stake_upokt', 'services', 'gateways'],
      await store.all(
        'SELECT address, stake_upokt, services, gateways FROM applications ORDER BY address',
      ),
    ),
    gateways: table(
      ['address', 'stake_upokt'],
      await store.all('SELECT address, stake_upokt FROM gateways ORDER BY address'),
    ),
  }
}

/** Where a search term leads: an address, a service or a block. */
export async function search(
  store: Store,
  term: string,
): Promise<{ kind: 'address' | 'service' | 'block'; id: string }> {
  const q = term.trim()
  if (q === '')
    throw new DashboardError('INVALID_PARAMETER', 'Type an address, a service ID or a height.')
  if (/^\d+$/.test(q)) {
    const height = checkHeight(q)
    await getBlockSettlements(store, height)
    return { kind: 'block', id: String(height) }
  }
  if (/^pokt1/i.test(q)) {
    const address = checkAddress(q.toLowerCase())
    await getChampion(store, address)
    return { kind: 'address', id: address }
  }
  await getService(store, checkServiceId(q))
  return { kind: 'service', id: q }
}
