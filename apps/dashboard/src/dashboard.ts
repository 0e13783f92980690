import { type Logger, type RunningServer, startServer } from '@decai/app-kit'
import { isPostgresUnavailable } from '@decai/app-kit/postgres'
import { createChainClient } from '@decai/chain'
import { describeError } from '@decai/core'
import { createApp } from './app.js'
import type { DashboardStoreConfig } from './config.js'
import { type Indexer, type StartIndexerParameters, startIndexer } from './indexer.js'
import { openStore } from './open-store.js'
import type { Store } from './store.js'
import { bundleUi } from './ui-bundle.js'

export type StartDashboardParameters = {
  /** The node's CometBFT RPC (the devnet's or pocketd's). */
  rpcUrl: string
  /** The SQLite index; created when missing. Ignored when `store` is given. */
  dbPath?: string | undefined
  /** The index: SQLite (`{ kind: 'sqlite', path }`) or PostgreSQL (`{ kind: 'postgres', url, schema, … }`). */
  store?: DashboardStoreConfig | undefined
  host?: string | undefined
  /** `0` picks a free port; 3080 by default. */
  port?: number | undefined
  /** First height to index into an empty store; 1 by default. */
  fromHeight?: bigint | undefined
  /** A watcher's base URL (`GET /reports/latest` is shown per supplier). */
  watcherUrl?: string | undefined
  /** Turns the indexer off: serve what the store holds (tests, read replicas). */
  index?: boolean | undefined
  indexer?: Partial<Omit<StartIndexerParameters, 'client' | 'store'>> | undefined
  /** Where the node's failures and recoveries are logged (once per change, not per retry). */
  logger?: Logger | undefined
}

export type Dashboard = {
  url: string
  store: Store
  indexer: Indexer | undefined
  server: RunningServer
  stop(): Promise<void>
}

/** Opens the index, follows the chain into it and serves the UI and the API. */
export async function startDashboard(parameters: StartDashboardParameters): Promise<Dashboard> {
  const store = await openStore(
    parameters.store ?? { kind: 'sqlite', path: parameters.dbPath ?? 'dashboard.sqlite' },
  )
  const client = createChainClient({ rpcUrl: parameters.rpcUrl })
  const { logger } = parameters
  let lastError: string | undefined
  const indexer =
    parameters.index === false
      ? undefined
      : startIndexer({
          ...parameters.indexer,
          client,
          store,
          fromHeight: parameters.fromHeight,
          onError: (error) => {
            parameters.indexer?.onError?.(error)
            const text = describeError(error)
            if (text !== lastError) {
              if (isPostgresUnavailable(error))
                logger?.warn('index database unavailable; retrying', { error })
              else logger?.warn('node unavailable; serving the index', { error })
            }
            lastError = text
          },
          onCommit: (height) => {
            parameters.indexer?.onCommit?.(height)
            if (lastError === undefined) return
            lastError = undefined
            logger?.info('indexing again', { height })
          },
        })
  const ui = await bundleUi()
  const offline = () => ({
    indexedHeight: 0n,
    chainHeight: undefined,
    rpcUp: false,
    lastError: 'indexer off',
    chainId: undefined,
  })
  const app = createApp({
    store,
    status: () => indexer?.status() ?? offline(),
    ui,
    watcherUrl: parameters.watcherUrl,
  })
  const server = await startServer({
    fetch: app.fetch,
    host: parameters.host ?? '127.0.0.1',
    port: parameters.port ?? 3080,
  })
  logger?.info('dashboard listening', { url: server.url, store: store.kind })
  return {
    url: server.url,
    store,
    indexer,
    server,
    stop: async () => {
      await server.stop()
      await indexer?.stop()
      client.disconnect()
      await store.close()
    },
  }
}
