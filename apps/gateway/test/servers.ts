import {
  findServerBinaries,
  startPostgres,
  type TestServer,
} from '../../../tools/servers/servers.mjs'

// The real PostgreSQL of tools/servers for the suites that need one. Outside CI a machine
// without it skips them; in CI (`DECAI_REQUIRE_SERVERS=1`) they run and fail without it.

/** Whether the PostgreSQL suites run here. */
export const withPostgres =
  process.env['DECAI_REQUIRE_SERVERS'] === '1' || findServerBinaries().postgres !== undefined

export { startPostgres, type TestServer }
