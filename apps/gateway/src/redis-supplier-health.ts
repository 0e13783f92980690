import { randomBytes } from 'node:crypto'
import type { Logger } from '@decai/app-kit/logger'
import type { RedisState } from './redis-state.js'
import type { HealthChange, PeerFigures, SupplierRouter } from './supplier-router.js'

// Suppliers' health shared by the gateway replicas: a cooldown one replica sets is published
// on a Redis channel and followed by every other replica as it arrives (milliseconds on a
// LAN), and kept in a hash that every replica also reads whole once a second (and when it
// reconnects), so one that starts, missed a message or was cut off from Redis catches up with
// the cooldowns in force within a second.
//
// Measurements are shared too, once a second: each replica writes its figures per supplier
// (samples, success rate, time to first token, decode speed, latency) to a hash field of its
// own and reads the others'. A replica scores a supplier it has not measured yet on its peers'
// pooled figures (weighted by samples) instead of exploring it blindly; once it has its own,
// they count. A supplier that passes
// its probation on one replica leaves probation on all. While Redis is unreachable each replica
// keeps routing on its own figures.

type Message = HealthChange & { origin: string }

/** How often the whole health hash is read, in case a published change was missed. */
const CATCH_UP_MS = 1000
/** Figures older than this (a replica stopped) count for nothing. */
const FIGURES_STALE_MS = 10_000

type SharedFigures = PeerFigures & { serviceId: string; supplier: string }

export class RedisSupplierHealth {
  readonly #redis: RedisState
  readonly #router: SupplierRouter
  readonly #logger: Logger
  readonly #origin = randomBytes(8).toString('hex')
  readonly #channel: string
  readonly #hash: string
  readonly #figuresHash: string
  #timer: NodeJS.Timeout | undefined

  constructor(redis: RedisState, router: SupplierRouter, logger: Logger) {
    this.#redis = redis
    this.#router = router
    this.#logger = logger
    this.#channel = `${redis.keyPrefix}health`
    this.#hash = `${redis.keyPrefix}health`
    this.#figuresHash = `${redis.keyPrefix}figures`
  }

  /** Publishes this router's health changes and follows the other replicas'. */
  async start(): Promise<void> {
    const { client, subscriber } = this.#redis
    this.#router.onHealthChange = (change) => void this.#publish(change)
    subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.#channel) this.#apply(text)
    })
    // Not awaited: it completes whenever Redis answers (the hash is read meanwhile).
    subscriber.subscribe(this.#channel).catch((error: unknown) => {
      this.#logger.warn('redis subscribe failed; following the health hash only', { error })
    })
    // Whatever was missed while away (or before this replica started).
    client.on('ready', () => void this.#catchUp())
    if (client.status === 'ready') await this.#catchUp()
    this.#timer = setInterval(() => {
      if (!this.#redis.isUp()) return
      void this.#catchUp()
      void this.shareFigures()
    }, CATCH_UP_MS)
    this.#timer.unref()
  }

  async #publish(change: HealthChange): Promise<void> {
    const message = JSON.stringify({ ...change, origin: this.#origin } satisfies Message)
    const field = `${change.serviceId}\u0000${change.supplier}`
    try {
      await this.#redis.client
        .multi()
        .hset(this.#hash, field, message)
        .publish(this.#channel, message)
        .exec()
    } catch (error) {
      this.#logger.debug('cannot share a supplier health change', { error })
    }
  }

  #apply(text: string): void {
    let message: Message
    try {
      message = JSON.parse(text) as Message
    } catch {
      return
    }
    if (message.origin === this.#origin) return
    if (typeof message.serviceId !== 'string' || typeof message.supplier !== 'string') return
    if (message.state !== 'cooldown' && message.state !== 'healthy') return
    this.#router.applyHealth({
      serviceId: message.serviceId,
      supplier: message.supplier,
      state: message.state,
      until: Number(message.until) || 0,
      cooldowns: Number(message.cooldowns) || 0,
    })
  }

  async #catchUp(): Promise<void> {
    try {
      const all = await this.#redis.client.hgetall(this.#hash)
      for (const text of Object.values(all)) this.#apply(text)
    } catch (error) {
      this.#logger.debug('cannot read shared supplier health', { error })
    }
  }

  /** Writes this replica's figures and takes the other replicas' (once a second). */
  async shareFigures(now = Date.now()): Promise<void> {
    const own: SharedFigures[] = this.#router
      .snapshot()
      .filter((s) => s.samples > 0)
      .map((s) => ({
        serviceId: s.serviceId,
        supplier: s.supplier,
        samples: s.samples,
        success: s.successRate,
        ttftMs: s.ttftMs ?? undefined,
        tps: s.tokensPerSecond ?? undefined,
        latencyMs: s.latencyMs ?? undefined,
      }))
    let all: Record<string, string>
    try {
      const [, read] = (await this.#redis.client
        .multi()
        .hset(this.#figuresHash, this.#origin, JSON.stringify({ at: now, figures: own }))
        .hgetall(this.#figuresHash)
        .exec()) as [unknown, [Error | null, Record<string, string>]]
      all = read[1]
    } catch (error) {
      this.#logger.debug('cannot share supplier figures', { error })
      return
    }
    const pooled = new Map<string, SharedFigures[]>()
    for (const [origin, text] of Object.entries(all)) {
      if (origin === this.#origin) continue
      try {
        const entry = JSON.parse(text) as { at: number; figures: SharedFigures[] }
        if (now - entry.at > FIGURES_STALE_MS) continue
        for (const f of entry.figures) {
          const key = `${f.serviceId}\u0000${f.supplier}`
          pooled.set(key, [...(pooled.get(key) ?? []), f])
        }
      } catch {}
    }
    for (const s of own)
      if (!pooled.has(`${s.serviceId}\u0000${s.supplier}`))
        this.#router.applyPeerFigures(s.serviceId, s.supplier, undefined)
    for (const [, list] of pooled) {
      const samples = list.reduce((n, f) => n + f.samples, 0)
      const mean = (pick: (f: SharedFigures) => number | undefined) => {
        let weight = 0
        let sum = 0
        for (const f of list) {
          const v = pick(f)
          if (v === undefined || v === null) continue
          weight += f.samples
          sum += f.samples * v
        }
        return weight > 0 ? sum / weight : undefined
      }
      this.#router.applyPeerFigures(list[0]!.serviceId, list[0]!.supplier, {
        samples,
        success: mean((f) => f.success) ?? 1,
        ttftMs: mean((f) => f.ttftMs),
        tps: mean((f) => f.tps),
        latencyMs: mean((f) => f.latencyMs),
      })
    }
  }

  stop(): void {
    clearInterval(this.#timer)
    void this.#redis.client.hdel(this.#figuresHash, this.#origin).catch(() => {})
    this.#router.onHealthChange = undefined
  }
}
