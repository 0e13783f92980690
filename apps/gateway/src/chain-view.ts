import {
  createPublicKeyCache,
  type PublicKeyCache,
  resolveApplicationRing,
} from '@decai/app-kit/chain-cache'
import type { Logger } from '@decai/app-kit/logger'
import type { ChainClient } from '@decai/chain'
import { describeError, equalBytes } from '@decai/core'
import type { ModuleParams, Service, Session } from '@decai/protocol'
import {
  getSessionGracePeriodEndHeight,
  getSessionStartHeight,
  getSessionSupplierEndpoints,
  type SessionHeaderFields,
  type SessionSupplier,
} from '@decai/session'
import { GatewayError } from './errors.js'
import type { GatewayMetrics } from './metrics.js'
import type { SessionCache } from './redis-session-cache.js'

// What the gateway knows of the chain, cached: the latest height, shared params, the
// applications delegating to it, services, account keys, and per (application, service) the
// current session and, around a boundary, its neighbour. Sessions are fetched as soon as their
// first block exists, and the previous one is kept through its grace period, so that requests
// at a boundary always have a session the suppliers accept (see `getSessions`).

export type CachedSession = {
  header: SessionHeaderFields
  startHeight: bigint
  endHeight: bigint
  /** The last height at which suppliers still accept relays for this session. */
  graceEndHeight: bigint
  suppliers: SessionSupplier[]
  /** The application's ring at the session end height (compressed keys, ring order). */
  ring: Uint8Array[]
}

/** An application the gateway signs for, and the services it is staked for. */
export type GatewayApplication = { address: string; serviceIds: string[] }

export type ChainViewOptions = {
  client: ChainClient
  gatewayAddress: string
  gatewayPublicKey: Uint8Array
  /** From config; undefined = discover the applications delegating to the gateway. */
  applications: { address: string; serviceIds?: string[] | undefined }[] | undefined
  blockTransport: 'auto' | 'websocket' | 'polling'
  pollingIntervalMs: number
  refreshMs: number
  logger: Logger
  metrics: GatewayMetrics
}

export class ChainView {
  readonly #o: ChainViewOptions
  #height = 0n
  #shared: ModuleParams<'shared'> | undefined
  #applications: GatewayApplication[] = []
  #services = new Map<string, Service>()
  readonly #publicKeys: PublicKeyCache
  /** Sessions shared with other replicas (Redis), read before the chain; none by default. */
  sessionCache: SessionCache | undefined
  // `${app}\0${service}` → sessions by start height (as promises, so concurrent callers share).
  readonly #sessions = new Map<string, Map<bigint, Promise<CachedSession>>>()
  #unwatch: (() => void) | undefined
  #timer: ReturnType<typeof setInterval> | undefined
  #ready = false
  #lastRefreshError: string | undefined

  constructor(options: ChainViewOptions) {
    this.#o = options
    this.#publicKeys = createPublicKeyCache(options.client)
  }

  get height(): bigint {
    return this.#height
  }

  get ready(): boolean {
    return this.#ready
  }

  get lastError(): string | undefined {
    return this.#lastRefreshError
  }

  get applications(): readonly GatewayApplication[] {
    return this.#applications
  }

  get services(): ReadonlyMap<string, Service> {
    return this.#services
  }

  /** Loads height, params, applications and services, then follows new blocks. Never throws. */
  async start(): Promise<void> {
    await this.refresh()
    this.#unwatch = this.#o.client.watchBlocks({
      transport: this.#o.blockTransport,
      pollingInterval: this.#o.pollingIntervalMs,
      onBlock: (block) => this.#onHeight(block.height),
      onError: (error) => this.#o.logger.debug('block watch error', { error }),
    })
    this.#timer = setInterval(() => void this.refresh(), this.#o.refreshMs)
    this.#timer.unref()
    // Sessions for every configured pair up front, so the first request does not wait.
    await Promise.allSettled(
      this.#applications.flatMap((app) =>
        app.serviceIds.map((serviceId) => this.getSessions(app.address, serviceId)),
      ),
    )
  }

  stop(): void {
    this.#unwatch?.()
    if (this.#timer) clearInterval(this.#timer)
  }

  /** Re-reads height, shared params, applications and services. */
  async refresh(): Promise<void> {
    const { client } = this.#o
    try {
      const [height, shared, services] = await Promise.all([
        client.getLatestHeight(),
        client.getParams({ module: 'shared' }),
        client.getServices(),
      ])
      if (height > this.#height) this.#height = height
      this.#shared = shared
      this.#services = new Map(services.map((s) => [s.id, s]))
      this.#applications = await this.#loadApplications()
      this.#ready = true
      this.#lastRefreshError = undefined
    } catch (error) {
      this.#lastRefreshError = describeError(error)
      this.#o.logger.warn('chain refresh failed', { error })
    }
  }

  async #loadApplications(): Promise<GatewayApplication[]> {
    const { client, gatewayAddress } = this.#o
    const configured = this.#o.applications
    const apps =
      configured === undefined
        ? await client.getApplications({ delegateeGatewayAddress: gatewayAddress })
        : (
            await Promise.all(
              configured.map((a) =>
                client.getApplication({ address: a.address }).catch((error: unknown) => {
                  this.#o.logger.warn('configured application not found on chain', {
                    application: a.address,
                    error,
                  })
                  return undefined
                }),
              ),
            )
          ).filter((a) => a !== undefined)
    const out: GatewayApplication[] = []
    for (const app of apps) {
      if (!app.delegateeGatewayAddresses.includes(gatewayAddress)) {
        this.#o.logger.warn('application does not delegate to this gateway', {
          application: app.address,
          gateway: gatewayAddress,
        })
        continue
      }
      const wanted = configured?.find((a) => a.address === app.address)?.serviceIds
      const staked = app.serviceConfigs.map((s) => s.serviceId)
      out.push({
        address: app.address,
        serviceIds: wanted ? staked.filter((s) => wanted.includes(s)) : staked,
      })
    }
    return out
  }

  /** Applications that may pay for relays of a service. */
  applicationsFor(serviceId: string): string[] {
    return this.#applications.filter((a) => a.serviceIds.includes(serviceId)).map((a) => a.address)
  }

  #onHeight(height: bigint): void {
    if (height <= this.#height) return
    this.#height = height
    for (const [key, sessions] of this.#sessions) {
      let covered = false
      for (const [start, promise] of sessions) {
        const s = settledValues.get(promise)
        if (!s)
          covered = true // a fetch is under way
        else if (s.graceEndHeight < height - 1n) sessions.delete(start)
        else if (s.startHeight <= height && height <= s.endHeight) covered = true
      }
      // A session starts: fetch it now (its first block exists), before a request needs it.
      if (!covered) {
        const [app, serviceId] = key.split('\u0000') as [string, string]
        void this.#fetchSession(app, serviceId, height).catch(() => {})
      }
    }
  }

  #fetchSession(app: string, serviceId: string, height: bigint): Promise<CachedSession> {
    const key = `${app}\u0000${serviceId}`
    let sessions = this.#sessions.get(key)
    if (!sessions) {
      sessions = new Map()
      this.#sessions.set(key, sessions)
    }
    for (const [start, promise] of sessions) {
      const s = settledValues.get(promise)
      if (s && s.startHeight <= height && height <= s.endHeight) return promise
      if (!s && start === height) return promise
    }
    const promise = this.#loadSession(app, serviceId, height)
    // Keyed by the height asked for until the real start is known.
    sessions.set(height, promise)
    promise.then(
      (s) => {
        settledValues.set(promise, s)
        sessions.delete(height)
        sessions.set(s.startHeight, promise)
        this.#o.metrics.sessionFetches.inc({ service: serviceId, result: 'ok' })
      },
      () => {
        sessions.delete(height)
        this.#o.metrics.sessionFetches.inc({ service: serviceId, result: 'error' })
      },
    )
    return promise
  }

  async #loadSession(app: string, serviceId: string, height: bigint): Promise<CachedSession> {
    // Another replica may have read this session already (sharedState: redis).
    if (this.sessionCache !== undefined && this.#shared !== undefined) {
      const start = getSessionStartHeight(this.#shared, height)
      const cached = await this.sessionCache.get(app, serviceId, start)
      if (
        cached !== undefined &&
        cached.startHeight <= height &&
        height <= cached.endHeight &&
        cached.ring.some((key) => equalBytes(key, this.#o.gatewayPublicKey))
      ) {
        await Promise.allSettled(cached.suppliers.map((s) => this.getPublicKey(s.operatorAddress)))
        return cached
      }
    }
    const loaded = await this.#loadSessionFromChain(app, serviceId, height)
    void this.sessionCache?.set(app, serviceId, loaded)
    return loaded
  }

  async #loadSessionFromChain(
    app: string,
    serviceId: string,
    height: bigint,
  ): Promise<CachedSession> {
    const { client } = this.#o
    let session: Session
    try {
      session = await client.getSession({ applicationAddress: app, serviceId, height })
    } catch (cause) {
      throw new GatewayError('SESSION_UNAVAILABLE', 'Cannot read the session.', {
        details: `${serviceId} for ${app} at ${height}: ${describeError(cause)}`,
        cause,
      })
    }
    const header = session.header
    if (!header || !session.application)
      throw new GatewayError('SESSION_UNAVAILABLE', 'The chain returned an incomplete session.')
    const shared = this.#shared ?? (await client.getParams({ module: 'shared' }))
    let ring: Uint8Array[]
    try {
      ring = await resolveApplicationRing(
        session.application,
        header.sessionEndBlockHeight,
        this.#publicKeys,
      )
    } catch (cause) {
      throw new GatewayError('SESSION_UNAVAILABLE', "Cannot build the application's ring.", {
        cause,
      })
    }
    if (!ring.some((key) => equalBytes(key, this.#o.gatewayPublicKey)))
      throw new GatewayError(
        'NO_APPLICATION',
        'The application does not delegate to this gateway.',
        {
          details: app,
        },
      )
    const suppliers = getSessionSupplierEndpoints(session, serviceId)
    // Supplier keys are needed to verify every answer: load them with the session.
    await Promise.allSettled(suppliers.map((s) => this.getPublicKey(s.operatorAddress)))
    return {
      header: {
        applicationAddress: header.applicationAddress,
        serviceId: header.serviceId,
        sessionId: header.sessionId,
        sessionStartBlockHeight: header.sessionStartBlockHeight,
        sessionEndBlockHeight: header.sessionEndBlockHeight,
      },
      startHeight: header.sessionStartBlockHeight,
      endHeight: header.sessionEndBlockHeight,
      graceEndHeight: getSessionGracePeriodEndHeight(shared, header.sessionEndBlockHeight),
      suppliers,
      ring,
    }
  }

  /**
   * The sessions to use now for an application and service, preferred first. Inside the grace
   * period after a boundary both the ended session and the new one are valid; the ended one is
   * preferred until the last grace block (suppliers a block behind the gateway do not know the
   * new session yet), the new one from then on (suppliers a block ahead have closed the old
   * one). The other is the fallback when a supplier answers with a session error.
   */
  async getSessions(app: string, serviceId: string): Promise<CachedSession[]> {
    if (this.#height === 0n) await this.refresh()
    if (this.#height === 0n)
      throw new GatewayError('SESSION_UNAVAILABLE', 'The chain is unreachable.', {
        details: this.#lastRefreshError,
      })
    const height = this.#height
    let current: CachedSession
    try {
      current = await this.#fetchSession(app, serviceId, height)
    } catch (error) {
      // The new session is not readable yet: the ended one still serves through its grace period.
      const previous = this.#settledAt(app, serviceId, height - 1n)
      if (previous && height <= previous.graceEndHeight) return [previous]
      throw error
    }
    const previous = this.#settledAt(app, serviceId, current.startHeight - 1n)
    if (!previous || height > previous.graceEndHeight) return [current]
    return height < previous.graceEndHeight ? [previous, current] : [current, previous]
  }

  #settledAt(app: string, serviceId: string, height: bigint): CachedSession | undefined {
    const sessions = this.#sessions.get(`${app}\u0000${serviceId}`)
    if (!sessions) return undefined
    for (const promise of sessions.values()) {
      const s = settledValues.get(promise)
      if (s && s.startHeight <= height && height <= s.endHeight) return s
    }
    return undefined
  }

  /** Re-reads the latest height now (after a supplier reported a session error). */
  async syncHeight(): Promise<void> {
    try {
      const height = await this.#o.client.getLatestHeight()
      this.#onHeight(height)
    } catch (error) {
      this.#o.logger.debug('height refresh failed', { error })
    }
  }

  /** An account's public key from the chain, cached (keys never change). */
  async getPublicKey(address: string): Promise<Uint8Array> {
    try {
      return await this.#publicKeys.get(address)
    } catch (cause) {
      throw new GatewayError('SESSION_UNAVAILABLE', "Cannot read an account's public key.", {
        details: `${address}: ${describeError(cause)}`,
        cause,
      })
    }
  }

  /** Cached sessions, for `/healthz` and metrics. */
  listSessions(): CachedSession[] {
    const out: CachedSession[] = []
    for (const sessions of this.#sessions.values())
      for (const promise of sessions.values()) {
        const s = settledValues.get(promise)
        if (s) out.push(s)
      }
    return out
  }
}

// Settled session promises and their values: lets synchronous code read what has arrived.
const settledValues = new WeakMap<Promise<CachedSession>, CachedSession>()
