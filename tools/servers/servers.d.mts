// Types of servers.mjs, for TypeScript test suites.

export declare const TestServerErrorCode: {
  readonly NOT_INSTALLED: 'NOT_INSTALLED'
  readonly START_FAILED: 'START_FAILED'
  readonly TIMEOUT: 'TIMEOUT'
}

export declare class TestServerError extends Error {
  readonly code: keyof typeof TestServerErrorCode
}

export type TestServer = {
  /** `redis://127.0.0.1:<port>` or `postgres://decai@127.0.0.1:<port>/decai`. */
  url: string
  port: number
  readonly running: boolean
  /** Stops the process and keeps its data, so `start()` brings the same server back. */
  pause(): Promise<void>
  /** Starts the server again on the same port and data after `pause()`. */
  start(): Promise<void>
  /** Stops the process and deletes its data. */
  stop(): Promise<void>
}

export declare function findServerBinaries(): {
  redis: string | undefined
  postgres: string | undefined
  initdb: string | undefined
}

/** Whether suites needing `server` run: always in CI (DECAI_REQUIRE_SERVERS=1), else when installed. */
export declare function shouldRunServerSuites(server: 'redis' | 'postgres'): boolean

/** Debian's redis-server on a free loopback port; no persistence unless `persist`. */
export declare function startRedis(options?: {
  port?: number
  persist?: boolean
}): Promise<TestServer>

/** A fresh PostgreSQL cluster on a free loopback port, database `decai`, user `decai`, trust auth. */
export declare function startPostgres(options?: { port?: number }): Promise<TestServer>

/** A process's CPU time so far (user + system, all threads, ms) from Linux's /proc; undefined elsewhere. */
export declare function readProcessCpuMs(pid: number | undefined): number | undefined
