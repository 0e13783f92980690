import type { Logger } from '@decai/app-kit/logger'
import { Redis } from 'ioredis'

// The gateway's connection to Redis, for the state its replicas share (sharedState.kind:
// redis): key limits and budget reservations (redis-key-limits.ts), suppliers' health
// (redis-supplier-health.ts). Commands never wait for a connection: while Redis is unreachable
// they fail at once (no offline queue) or after `commandTimeoutMs`, so each limit's failure
// policy applies without holding requests; the client keeps reconnecting in the background and
// the gateway uses Redis again as soon as it is back, without a restart.

export type RedisStateOptions = {
  url: string
  /** Prefix of every key and channel, so several gateways can share one Redis. */
  keyPrefix: string
  commandTimeoutMs: number
}

export type RedisState = {
  /** Commands (scripts, hashes, publish). */
  readonly client: Redis
  /** A second connection, in subscriber mode (pub/sub). */
  readonly subscriber: Redis
  readonly keyPrefix: string
  /** Whether the command connection is up now. */
  isUp(): boolean
  close(): Promise<void>
}

/** Connects to Redis; resolves once connected or after `waitMs` (the gateway starts anyway). */
export async function connectRedisState(
  options: RedisStateOptions,
  logger: Logger,
  waitMs = 2000,
): Promise<RedisState> {
  const settings = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 2000,
    // Reconnect quickly, then at most once a second, forever.
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 1000),
  }
  const client = new Redis(options.url, settings)
  // A subscriber queues its SUBSCRIBE until connected, never gives up on it (a busy server
  // may answer late), and subscribes again on every reconnect.
  const subscriber = new Redis(options.url, {
    connectTimeout: settings.connectTimeout,
    retryStrategy: settings.retryStrategy,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
  })
  let up = false
  let closing = false
  client.on('ready', () => {
    if (!up) logger.info('redis connected', { url: redactUrl(options.url) })
    up = true
  })
  const down = (error?: unknown) => {
    // Closing is not an outage.
    if (up && !closing) logger.warn('redis unreachable', { url: redactUrl(options.url), error })
    up = false
  }
  client.on('close', () => down())
  client.on('error', (error) => down(error))
  // Errors are reported once per outage above; the subscriber's would repeat them.
  subscriber.on('error', () => {})
  await Promise.race([
    new Promise<void>((resolve) => client.once('ready', () => resolve())),
    new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref()),
  ])
  if (!up) logger.warn('redis unreachable at start', { url: redactUrl(options.url) })
  return {
    client,
    subscriber,
    keyPrefix: options.keyPrefix,
    isUp: () => up && client.status === 'ready',
    async close() {
      closing = true
      client.disconnect()
      subscriber.disconnect()
    },
  }
}

/** The URL without its password, for logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'redis'
  }
}
