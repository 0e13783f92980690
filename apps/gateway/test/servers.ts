import {
  findServerBinaries,
  shouldRunServerSuites,
  startPostgres,
  type TestServer,
} from '../../../tools/servers/servers.mjs'

// The real PostgreSQL of tools/servers for the suites that need one. Outside CI a machine
// without it skips them; in CI (`DECAI_REQUIRE_SERVERS=1`) they run and fail without it.

/** Whether the PostgreSQL suites run here. */
export const withPostgres = shouldRunServerSuites('postgres')

export { startPostgres, type TestServer }

/**
 * Resolves once the server answers queries: its port opens a moment before it accepts sessions
 * ("the database system is starting up").
 */
export async function waitForPostgres(url: string, timeoutMs = 15_000): Promise<void> {
  const { openPostgres } = await import('@decai/app-kit/postgres')
  const sql = openPostgres({ url, maxConnections: 1, connectTimeoutMs: 1000 })
  const deadline = Date.now() + timeoutMs
  try {
    for (;;) {
      try {
        await sql`SELECT 1`
        return
      } catch (error) {
        if (Date.now() > deadline) throw error
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  } finally {
    await sql.end({ timeout: 1 })
  }
}

/** Whether the Redis suites run here: Redis installed, or CI requiring it (they then fail without it). */
export function hasRedis(): boolean {
  if (findServerBinaries().redis !== undefined) return true
  if (process.env['DECAI_REQUIRE_SERVERS'] === '1')
    throw new Error('redis-server is not installed, and DECAI_REQUIRE_SERVERS=1 requires it.')
  console.warn('redis-server is not installed: skipping the shared-state tests.')
  return false
}
