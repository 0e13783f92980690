import { DashboardError } from './errors.js'

// The index: what the chain settled, claimed and staked, in SQLite (the default, one file) or in
// PostgreSQL (a server several processes share, the gateway's too). Both hold every integer as a
// 64-bit integer read back as a bigint, and both sum integers exactly: SQLite's SUM fails on
// overflow rather than rounding, PostgreSQL's SUM of bigints is a `numeric`, read back as a
// bigint too. No amount ever passes through a float.
//
// Crash safety: one block is one transaction that writes the block's rows and moves the height
// cursor with them. A block is committed whole or not at all, and a block at or below the cursor
// is never written again, so a restart after kill -9 carries on from the last committed block
// with nothing counted twice.
//
// The read side (queries.ts) is SQL both engines run as written, with named parameters
// (`@name`); each store binds them its own way.

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

/** Query parameters, bound by name (`@name` in the SQL). */
export type QueryParameters = Record<string, unknown>

/** The index, on either engine. Every call is async (PostgreSQL is a server away). */
export interface Store {
  readonly kind: 'sqlite' | 'postgres'
  /** The last block committed to the index; 0 before the first. */
  getHeight(): Promise<bigint>
  /** The time of the last committed block (ms since the epoch), if any. */
  getHeightTime(): Promise<number | undefined>
  /** The height of the last network snapshot; 0 before the first. */
  getNetworkHeight(): Promise<bigint>
  getMeta(key: string): Promise<string | undefined>
  setMeta(key: string, value: string): Promise<void>
  /** Writes one block and moves the cursor, atomically; false if it was indexed already. */
  commitBlock(rows: BlockRows): Promise<boolean>
  /** Replaces the network snapshot, atomically. */
  replaceNetwork(snapshot: NetworkSnapshot): Promise<void>
  /** Rows of a query, with every integer as a bigint. */
  all<Row>(sql: string, parameters?: QueryParameters): Promise<Row[]>
  get<Row>(sql: string, parameters?: QueryParameters): Promise<Row | undefined>
  close(): Promise<void>
}

/** The error for a block that is not the one after the cursor. */
export function outOfOrder(height: bigint, cursor: bigint): DashboardError {
  return new DashboardError('INTERNAL', 'Blocks must be indexed in order.', {
    details: `height ${height} after ${cursor}`,
  })
}

/** Whether `height` is already indexed (false) or next (true); throws on a gap. */
export function isNextBlock(height: bigint, cursor: bigint): boolean {
  // Already indexed (a restart replays from the cursor, a watcher may deliver twice): no-op.
  if (height <= cursor) return false
  if (height !== cursor + 1n && cursor !== 0n) throw outOfOrder(height, cursor)
  return true
}
