// @decai/dashboard: the champion revenue-share dashboard (an indexer, a JSON API and a UI).
export { formatPokt, groupDigits, UPOKT_PER_POKT } from './amounts.js'
export { createApp, toCsv } from './app.js'
export {
  type DashboardStoreConfig,
  dashboardPostgresSchema,
  dashboardStoreSchema,
} from './config.js'
export { type Dashboard, type StartDashboardParameters, startDashboard } from './dashboard.js'
export {
  DashboardError,
  type DashboardErrorCode,
  dashboardErrorCodes,
  isDashboardError,
} from './errors.js'
export {
  type Indexer,
  type IndexerStatus,
  readBlockRows,
  type StartIndexerParameters,
  startIndexer,
} from './indexer.js'
export { openStore } from './open-store.js'
export { dashboardMigrations } from './postgres-store.js'
export {
  getBlockSettlements,
  getChampion,
  getExpiredClaims,
  getNetwork,
  getPendingClaims,
  getService,
  getServiceBreakdown,
  getServiceSeries,
  getServiceSettlements,
  search,
  type Table,
} from './queries.js'
export type { BlockRows, NetworkSnapshot, Store } from './store.js'
export { bundleUi, type UiBundle } from './ui-bundle.js'
export {
  fetchWatcherReport,
  toVerdictTable,
  type VerdictRow,
  type VerdictTable,
  verdictColumns,
  type WatcherReportSummary,
} from './watcher.js'
