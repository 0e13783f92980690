import type { Logger } from '@decai/app-kit/logger'
import { bytesToHex, hexToBytes } from '@decai/crypto'
import type { CachedSession } from './chain-view.js'
import type { RedisState } from './redis-state.js'

// Sessions shared by the gateway replicas: the first replica to need a session (application,
// service, start height) reads it from the chain with its application's ring and stores it in
// Redis; the others take it from there instead of reading the chain again. The entry expires
// after `ttlSeconds` (a session lasts minutes). Redis unreachable: each replica reads the chain.

/** Where a session is cached, by application, service and start height. */
export type SessionCache = {
  get(app: string, serviceId: string, startHeight: bigint): Promise<CachedSession | undefined>
  set(app: string, serviceId: string, session: CachedSession): Promise<void>
}

export class RedisSessionCache implements SessionCache {
  readonly #redis: RedisState
  readonly #logger: Logger
  readonly #ttlSeconds: number

  constructor(redis: RedisState, logger: Logger, ttlSeconds = 3600) {
    this.#redis = redis
    this.#logger = logger
    this.#ttlSeconds = ttlSeconds
  }

  #key(app: string, serviceId: string, startHeight: bigint): string {
    return `${this.#redis.keyPrefix}session:${app}:${serviceId}:${startHeight}`
  }

  async get(
    app: string,
    serviceId: string,
    startHeight: bigint,
  ): Promise<CachedSession | undefined> {
    try {
      const text = await this.#redis.client.get(this.#key(app, serviceId, startHeight))
      return text === null ? undefined : parseSession(text)
    } catch (error) {
      this.#logger.debug('cannot read a shared session', { error })
      return undefined
    }
  }

  async set(app: string, serviceId: string, session: CachedSession): Promise<void> {
    try {
      await this.#redis.client.set(
        this.#key(app, serviceId, session.startHeight),
        serializeSession(session),
        'EX',
        this.#ttlSeconds,
      )
    } catch (error) {
      this.#logger.debug('cannot share a session', { error })
    }
  }
}

/** JSON with bigints and byte arrays tagged, so a session comes back as it went in. */
export function serializeSession(session: CachedSession): string {
  return JSON.stringify(session, (_, value: unknown) =>
    typeof value === 'bigint'
      ? { $bigint: value.toString() }
      : value instanceof Uint8Array
        ? { $bytes: bytesToHex(value) }
        : value,
  )
}

export function parseSession(text: string): CachedSession {
  return JSON.parse(text, (_, value: unknown) => {
    if (typeof value === 'object' && value !== null) {
      const v = value as { $bigint?: unknown; $bytes?: unknown }
      if (typeof v.$bigint === 'string') return BigInt(v.$bigint)
      if (typeof v.$bytes === 'string') return hexToBytes(v.$bytes)
    }
    return value
  }) as CachedSession
}
