import {
  shouldRunServerSuites,
  startPostgres,
  type TestServer,
} from '../../../tools/servers/servers.mjs'

// The real PostgreSQL and Redis of tools/servers for the suites that need them. Outside CI a
// machine without them skips those suites; in CI (`DECAI_REQUIRE_SERVERS=1`) they run and fail
// without them. A started or restarted server already accepts sessions.

/** Whether the PostgreSQL suites run here. */
export const withPostgres = shouldRunServerSuites('postgres')

export { startPostgres, type TestServer }

/** Whether the Redis suites run here. */
export const withRedis = shouldRunServerSuites('redis')
