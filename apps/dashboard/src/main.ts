#!/usr/bin/env node
// `decai-dashboard`: indexes a chain into SQLite or PostgreSQL and serves the champion dashboard.
//
//   --rpc-url URL         [DASHBOARD_RPC_URL]        default http://127.0.0.1:26657
//   --db PATH             [DASHBOARD_DB]             default dashboard.sqlite
//   --postgres-url URL    [DASHBOARD_POSTGRES_URL]   the index in PostgreSQL instead of SQLite
//   --postgres-schema S   [DASHBOARD_POSTGRES_SCHEMA] its schema there, default dashboard
//   --host HOST         [DASHBOARD_HOST]         default 127.0.0.1
//   --port N            [DASHBOARD_PORT]         default 3080 (0 picks a free port)
//   --from-height N     [DASHBOARD_FROM_HEIGHT]  first height of an empty index, default 1
//   --watcher-url URL   [DASHBOARD_WATCHER_URL]  a watcher whose /reports/latest is shown
import { parseArgs } from 'node:util'
import { createLogger } from '@decai/app-kit'
import { parseConfig } from '@decai/app-kit/config'
import { describeError } from '@decai/core'
import { dashboardStoreSchema } from './config.js'
import { startDashboard } from './dashboard.js'
import { DashboardError } from './errors.js'

function readOptions() {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      'rpc-url': { type: 'string' },
      db: { type: 'string' },
      'postgres-url': { type: 'string' },
      'postgres-schema': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'from-height': { type: 'string' },
      'watcher-url': { type: 'string' },
    },
  })
  const env = process.env
  const port = Number(values.port ?? env['DASHBOARD_PORT'] ?? 3080)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new DashboardError('INVALID_CONFIG', '--port must be a port number.', {
      details: String(values.port ?? env['DASHBOARD_PORT']),
    })
  const from = values['from-height'] ?? env['DASHBOARD_FROM_HEIGHT']
  if (from !== undefined && !/^[1-9]\d*$/.test(from))
    throw new DashboardError('INVALID_CONFIG', '--from-height must be a positive integer.', {
      details: from,
    })
  const postgresUrl = values['postgres-url'] ?? env['DASHBOARD_POSTGRES_URL']
  const schema = values['postgres-schema'] ?? env['DASHBOARD_POSTGRES_SCHEMA']
  // The same `store` section as the gateway's config: SQLite by default, or PostgreSQL.
  const store = parseConfig(
    dashboardStoreSchema,
    postgresUrl === undefined
      ? { path: values.db ?? env['DASHBOARD_DB'] }
      : { kind: 'postgres', url: postgresUrl, ...(schema === undefined ? {} : { schema }) },
    (message, options) => new DashboardError('INVALID_CONFIG', message, options),
    'dashboard store',
  )
  return {
    rpcUrl: values['rpc-url'] ?? env['DASHBOARD_RPC_URL'] ?? 'http://127.0.0.1:26657',
    store,
    host: values.host ?? env['DASHBOARD_HOST'] ?? '127.0.0.1',
    port,
    fromHeight: from === undefined ? undefined : BigInt(from),
    watcherUrl: values['watcher-url'] ?? env['DASHBOARD_WATCHER_URL'],
  }
}

try {
  const dashboard = await startDashboard({ ...readOptions(), logger: createLogger() })
  // One JSON line first, for scripts; then the line for people.
  console.log(JSON.stringify({ url: dashboard.url }))
  console.log(`dashboard   ${dashboard.url}`)
  const stop = async () => {
    await dashboard.stop()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
} catch (error) {
  console.error(`decai-dashboard: ${describeError(error)}`)
  process.exit(1)
}
