// Supplier choice by measured quality. Per supplier and service the router keeps moving
// averages of success, time to first token (TTFT), decode speed and latency, counts recent
// errors and requests in flight, and moves suppliers between three states:
//
//   healthy ──(N failures in a row, or one bad signature)──► cooldown ──(time)──► probation
//      ▲                                                                             │
//      └──────────────────────(M successes)──────────────────────────────────────────┘
//                             (a failure on probation: cooldown again, twice as long)
//
// Suppliers in cooldown get no traffic; on probation they get a small share. A supplier never
// measured is tried first (exploration), and a small share of requests goes to a random eligible
// supplier so that scores keep being refreshed. Among the rest the request goes where its first
// token is expected soonest (its own prompt plus the queue this gateway has sent there, at the
// supplier's fitted prefill rate); suppliers within a tie band of the soonest are told apart by
// the quality score. The score alone averages first tokens of short and long prompts, so it
// cannot see that a supplier is busy prefilling a long prompt while another idles.
//
// For the hedge delay it also learns, per supplier and service, how the time to first token
// grows with the prefill work ahead of a request (ttft-model.ts), and keeps the prompt tokens
// of the relays still waiting for their first token there (the queue the gateway knows of).

import { TpotModel, TtftModel } from './ttft-model.js'
import type { WatcherView } from './watcher-view.js'

export type FailureReason =
  | 'connect'
  | 'http_status'
  | 'miner_error'
  | 'session'
  | 'rate_limited'
  | 'bad_request'
  | 'bad_signature'
  | 'malformed'
  | 'truncated'
  | 'timeout'
  | 'upstream_status'

/** Failures that prove the supplier misbehaves rather than struggles: cooldown at once. */
const criticalReasons: ReadonlySet<FailureReason> = new Set(['bad_signature', 'malformed'])
/** The supplier said it refuses more for now (rate limited): cooldown at once, the usual time. */
const refusalReasons: ReadonlySet<FailureReason> = new Set(['rate_limited'])
/** The supplier refused the request itself, as any supplier would: nothing against it. */
const blamelessReasons: ReadonlySet<FailureReason> = new Set(['bad_request'])

export type SupplierState = 'healthy' | 'cooldown' | 'probation'

export type RouterOptions = {
  explorationRate: number
  failureThreshold: number
  cooldownMs: number
  maxCooldownMs: number
  badSignatureCooldownMs: number
  probationRate: number
  probationSuccesses: number
}

/**
 * A change of a supplier's health that other gateway replicas should follow: it entered
 * cooldown until `until` (its `cooldowns`-th in a row), or it left probation healthy.
 */
export type HealthChange = {
  serviceId: string
  supplier: string
  state: 'cooldown' | 'healthy'
  until: number
  cooldowns: number
}

export type SupplierSnapshot = {
  serviceId: string
  supplier: string
  state: SupplierState
  score: number
  samples: number
  successRate: number
  ttftMs: number | null
  tokensPerSecond: number | null
  /** Fitted time per output token (ms), null before a streamed answer of two tokens. */
  tpotMs: number | null
  latencyMs: number | null
  inFlight: number
  consecutiveFailures: number
  recentErrors: number
  cooldownUntil: number | null
  lastError: FailureReason | null
}

type Stats = {
  serviceId: string
  supplier: string
  samples: number
  success: number
  ttftMs: number | undefined
  /** TTFT of answered relays only (no lower bounds from lost hedges): what "on time" means. */
  answeredTtftMs: number | undefined
  tps: number | undefined
  latencyMs: number | undefined
  inFlight: number
  /** Prompt tokens of the relays sent here still waiting for their first token. */
  queuedTokens: number
  /** First-token time of streams, and whole-answer latency, against prefill work. */
  ttftModel: TtftModel
  latencyModel: TtftModel
  tpotModel: TpotModel
  consecutiveFailures: number
  errors: number[]
  state: SupplierState
  cooldownUntil: number
  cooldowns: number
  probationOk: number
  lastError: FailureReason | null
  /** Other replicas' figures for this supplier (sharedState: redis), used until it has its own. */
  peer: PeerFigures | undefined
}

/** What other gateway replicas measured of a supplier, pooled. */
export type PeerFigures = {
  samples: number
  success: number
  ttftMs: number | undefined
  tps: number | undefined
  latencyMs: number | undefined
}

type Figures = Pick<Stats, 'samples' | 'success' | 'ttftMs' | 'tps' | 'latencyMs'>

const SUCCESS_ALPHA = 0.2
const TIMING_ALPHA = 0.3
const RECENT_ERROR_WINDOW_MS = 60_000
/** Observations before a supplier counts as measured. */
const MIN_SAMPLES = 2
/**
 * The tie band of expected first tokens: suppliers expected within this share of the soonest,
 * plus `TIE_MS`, are equal on time and the quality score decides between them (reliability,
 * decode speed, requests in flight). Wide enough that short chats, whose expected first tokens
 * differ by noise, keep following the score.
 */
const TIE_SHARE = 0.25
const TIE_MS = 250

/**
 * What the router knows of the request it places: the prefill it needs, its kind, the longest
 * answer it asks for (`max_tokens`: its decode, at the supplier's TPOT, counts in the expected
 * completion) and the price tier's limits, if any (only suppliers measured within them).
 */
export type RequestShape = {
  promptTokens: number
  stream: boolean
  maxTokens?: number | undefined
  tier?: TierLimits | undefined
}

/** A price tier's latency limits (config `models[].tiers`): fitted TTFT and TPOT at most. */
export type TierLimits = { maxTtftMs?: number | undefined; maxTpotMs?: number | undefined }

type Priors = { ttftMs: number | undefined; tps: number | undefined; latencyMs: number | undefined }

const ewma = (previous: number | undefined, value: number, alpha: number) =>
  previous === undefined ? value : previous + alpha * (value - previous)

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export class SupplierRouter {
  readonly #stats = new Map<string, Stats>()
  readonly #options: RouterOptions
  readonly #now: () => number
  readonly #random: () => number
  /** The watchers' verdicts and measurements (apps/watcher), when configured. */
  watchers: Pick<WatcherView, 'isExcluded' | 'quality'> | undefined
  /** The claim audit (@decai/app-kit/claim-auditor): over-claiming suppliers, when configured. */
  claims: { isFlagged(supplier: string): boolean } | undefined
  /** Called when a supplier enters cooldown (metrics, logs). */
  onCooldown:
    | ((serviceId: string, supplier: string, reason: FailureReason, ms: number) => void)
    | undefined
  /** Called when this router changes a supplier's health (shared with other replicas). */
  onHealthChange: ((change: HealthChange) => void) | undefined

  constructor(
    options: RouterOptions,
    { now = Date.now, random = Math.random }: { now?: () => number; random?: () => number } = {},
  ) {
    this.#options = options
    this.#now = now
    this.#random = random
  }

  #get(serviceId: string, supplier: string): Stats {
    const key = `${serviceId}\u0000${supplier}`
    let s = this.#stats.get(key)
    if (!s) {
      s = {
        serviceId,
        supplier,
        samples: 0,
        success: 1,
        ttftMs: undefined,
        answeredTtftMs: undefined,
        tps: undefined,
        latencyMs: undefined,
        inFlight: 0,
        queuedTokens: 0,
        ttftModel: new TtftModel(),
        latencyModel: new TtftModel(),
        tpotModel: new TpotModel(),
        consecutiveFailures: 0,
        errors: [],
        state: 'healthy',
        cooldownUntil: 0,
        cooldowns: 0,
        probationOk: 0,
        lastError: null,
        peer: undefined,
      }
      this.#stats.set(key, s)
    }
    return s
  }

  #refresh(s: Stats, now: number): void {
    if (s.state === 'cooldown' && now >= s.cooldownUntil) {
      s.state = 'probation'
      s.probationOk = 0
    }
    while (s.errors.length > 0 && s.errors[0]! < now - RECENT_ERROR_WINDOW_MS) s.errors.shift()
  }

  /** The state of a supplier now. */
  state(serviceId: string, supplier: string): SupplierState {
    const s = this.#get(serviceId, supplier)
    this.#refresh(s, this.#now())
    return s.state
  }

  #priors(serviceId: string): Priors {
    const ttfts: number[] = []
    const tpss: number[] = []
    const latencies: number[] = []
    for (const stats of this.#stats.values()) {
      if (stats.serviceId !== serviceId || stats.state !== 'healthy') continue
      const s = this.#figures(stats)
      if (s.ttftMs !== undefined) ttfts.push(s.ttftMs)
      if (s.tps !== undefined) tpss.push(s.tps)
      if (s.latencyMs !== undefined) latencies.push(s.latencyMs)
    }
    return { ttftMs: median(ttfts), tps: median(tpss), latencyMs: median(latencies) }
  }

  // Each figure relative to the service's typical supplier, so the score does not depend on
  // prompt sizes or hardware generations; an unmeasured figure counts as typical.
  #score(stats: Stats, priors: Priors): number {
    const s = this.#scored(stats)
    const relative = (value: number | undefined, typical: number | undefined) =>
      value === undefined || typical === undefined ? 0.5 : typical / (typical + value)
    const latency =
      s.ttftMs !== undefined
        ? relative(s.ttftMs, priors.ttftMs)
        : relative(s.latencyMs, priors.latencyMs)
    const speed =
      s.tps !== undefined && priors.tps !== undefined ? s.tps / (s.tps + priors.tps) : 0.5
    const watched = this.watchers?.quality(s.serviceId, s.supplier)
    const reliability =
      (s.success ** 3 * (watched?.successRate ?? 1) ** 3) / (1 + 0.5 * s.errors.length)
    if (s.ttftMs === undefined && s.latencyMs === undefined && watched?.ttftMs !== undefined)
      return (
        (reliability * relative(watched.ttftMs, priors.ttftMs) * (0.5 + speed)) /
        (1 + 0.5 * s.inFlight)
      )
    return (reliability * latency * (0.5 + speed)) / (1 + 0.5 * s.inFlight)
  }

  /** The figures a supplier is scored on: its own once measured, else other replicas'. */
  #figures(s: Stats): Figures {
    return s.samples >= MIN_SAMPLES || s.peer === undefined || s.peer.samples < MIN_SAMPLES
      ? s
      : s.peer
  }

  #scored(s: Stats): Figures & Pick<Stats, 'serviceId' | 'supplier' | 'errors' | 'inFlight'> {
    const f = this.#figures(s)
    return f === s
      ? s
      : {
          ...f,
          serviceId: s.serviceId,
          supplier: s.supplier,
          errors: s.errors,
          inFlight: s.inFlight,
        }
  }

  /** Sets what other replicas measured of a supplier (undefined: nothing recent). */
  applyPeerFigures(serviceId: string, supplier: string, figures: PeerFigures | undefined): void {
    this.#get(serviceId, supplier).peer = figures
  }

  /**
   * Picks a supplier among `candidates` (operator addresses), skipping `exclude`. Returns
   * undefined when there is none at all; suppliers in cooldown are chosen only when nothing
   * else is left (the one whose cooldown ends first). With `request`, measured suppliers are
   * ranked by its expected first token first (see `TIE_SHARE`), by score within the tie band.
   */
  select(
    serviceId: string,
    candidates: readonly string[],
    exclude: ReadonlySet<string> = new Set(),
    request?: RequestShape,
  ): string | undefined {
    const now = this.#now()
    // A supplier the watchers found serving another model, or whose claims exceed the relays it
    // was sent, gets no traffic at all.
    const open = candidates
      .filter(
        (c) =>
          !exclude.has(c) && !this.watchers?.isExcluded(serviceId, c) && !this.claims?.isFlagged(c),
      )
      .map((c) => this.#get(serviceId, c))
      .filter((s) => request?.tier === undefined || this.#meetsTier(s, request, request.tier))
    if (open.length === 0) return undefined
    for (const s of open) this.#refresh(s, now)
    const healthy = open.filter((s) => s.state === 'healthy')
    const probation = open.filter((s) => s.state === 'probation')
    let pool = healthy
    if (
      probation.length > 0 &&
      (healthy.length === 0 || this.#random() < this.#options.probationRate)
    )
      pool = probation
    if (pool.length === 0) {
      const cooling = open.filter((s) => s.state === 'cooldown')
      cooling.sort((a, b) => a.cooldownUntil - b.cooldownUntil)
      return cooling[0]?.supplier
    }
    if (this.#random() < this.#options.explorationRate)
      return pool[Math.floor(this.#random() * pool.length)]!.supplier
    // Measured by another replica counts as measured: no exploration needed here.
    const fresh = pool.filter(
      (s) => s.samples + (s.peer?.samples ?? 0) < MIN_SAMPLES && s.inFlight === 0,
    )
    if (fresh.length > 0) return fresh[Math.floor(this.#random() * fresh.length)]!.supplier
    const priors = this.#priors(serviceId)
    let best: Stats | undefined
    let bestScore = -1
    for (const s of request ? this.#soonest(pool, request) : pool) {
      const score = this.#score(s, priors)
      if (score > bestScore || (score === bestScore && this.#random() < 0.5)) {
        best = s
        bestScore = score
      }
    }
    return best?.supplier
  }

  /**
   * The suppliers of `pool` whose expected first token for `request` is within the tie band of
   * the soonest; all of `pool` while any of them has no expectation (nothing measured yet).
   */
  #soonest(pool: Stats[], request: RequestShape): Stats[] {
    const expected: number[] = []
    // A long answer (max_tokens) is decided by decode as much as by prefill: the expected
    // completion adds max_tokens × TPOT (own, else the measured peers' median) to the first
    // token. With no TPOT measured in the service yet, the first token alone decides.
    const decode = request.stream && request.maxTokens !== undefined && request.maxTokens > 0
    const tpots = decode ? pool.map((s) => this.#tpot(s)) : []
    const withTpot = decode && tpots.every((t) => t !== undefined)
    for (const [i, s] of pool.entries()) {
      const ms = this.#expect(s, request.promptTokens, request.stream)
      if (ms === undefined) return pool
      expected.push(withTpot ? ms + request.maxTokens! * tpots[i]! : ms)
    }
    const limit = Math.min(...expected) * (1 + TIE_SHARE) + TIE_MS
    return pool.filter((_, i) => expected[i]! <= limit)
  }

  /**
   * A relay goes out to the supplier with `promptTokens` to prefill; returns the prefill work
   * ahead of its first token (its own prompt and the queue), to report back with its timing.
   */
  started(serviceId: string, supplier: string, promptTokens = 0): number {
    const s = this.#get(serviceId, supplier)
    s.inFlight++
    const work = s.queuedTokens + promptTokens
    s.queuedTokens += promptTokens
    return work
  }

  /**
   * A relay's first token (`stream`) or whole answer arrived `ms` after it was sent, with `work`
   * prefill tokens ahead of it (from `started`): one point of the supplier's fit. Taken when it
   * arrives, so a stream the client leaves afterwards still teaches it.
   */
  answered(serviceId: string, supplier: string, work: number, ms: number, stream: boolean): void {
    const s = this.#get(serviceId, supplier)
    const model = stream ? s.ttftModel : s.latencyModel
    model.observe(work, ms)
  }

  /** A relay's prompt is no longer queued at the supplier (first token, failure or abort). */
  prefilled(serviceId: string, supplier: string, promptTokens: number): void {
    const s = this.#get(serviceId, supplier)
    s.queuedTokens = Math.max(0, s.queuedTokens - promptTokens)
  }

  /**
   * How long a request of `promptTokens` sent now would take to its first token (`stream`) or
   * its whole answer at this supplier: its learned line at the work ahead (the prompt and the
   * queue). A supplier not measured yet borrows the median of its measured peers; undefined
   * when nobody in the service is.
   */
  expectedFirstTokenMs(
    serviceId: string,
    supplier: string,
    promptTokens: number,
    stream: boolean,
  ): number | undefined {
    return this.#expect(this.#get(serviceId, supplier), promptTokens, stream)
  }

  #expect(s: Stats, promptTokens: number, stream: boolean): number | undefined {
    const work = s.queuedTokens + promptTokens
    const own = (stream ? s.ttftModel : s.latencyModel).expect(work)
    if (own !== undefined) return own
    const peers: number[] = []
    for (const p of this.#stats.values()) {
      if (p.serviceId !== s.serviceId || p.state !== 'healthy') continue
      const value = (stream ? p.ttftModel : p.latencyModel).expect(work)
      if (value !== undefined) peers.push(value)
    }
    return median(peers)
  }

  /** Time per output token at this supplier: its own, else its measured peers' median. */
  #tpot(s: Stats): number | undefined {
    const own = s.tpotModel.estimate()
    if (own !== undefined) return own
    const peers: number[] = []
    for (const p of this.#stats.values()) {
      if (p.serviceId !== s.serviceId || p.state !== 'healthy') continue
      const value = p.tpotModel.estimate()
      if (value !== undefined) peers.push(value)
    }
    return median(peers)
  }

  /**
   * Whether a supplier's own fits meet a price tier: its expected first token for this request
   * (prompt and queue, streamed-TTFT line) within `maxTtftMs`, its TPOT within `maxTpotMs`. A
   * supplier not measured on a limit does not meet it (no borrowed figures).
   */
  #meetsTier(s: Stats, request: RequestShape, tier: TierLimits): boolean {
    if (tier.maxTtftMs !== undefined) {
      const ttft = s.ttftModel.expect(s.queuedTokens + request.promptTokens)
      if (ttft === undefined || ttft > tier.maxTtftMs) return false
    }
    if (tier.maxTpotMs !== undefined) {
      const tpot = s.tpotModel.estimate()
      if (tpot === undefined || tpot > tier.maxTpotMs) return false
    }
    return true
  }

  /** Time per output token of a supplier for a service, or undefined before it is measured. */
  expectedTpotMs(serviceId: string, supplier: string): number | undefined {
    return this.#get(serviceId, supplier).tpotModel.estimate()
  }

  /** The supplier answered correctly; `ttftMs`/`tokensPerSecond` for streams, `latencyMs` always. */
  succeeded(
    serviceId: string,
    supplier: string,
    timing: {
      ttftMs?: number | undefined
      tokensPerSecond?: number | undefined
      latencyMs?: number | undefined
      /** A stream's decode: `intervals` tokens after the first in `ms` (the TPOT fit). */
      decode?: { intervals: number; ms: number } | undefined
    },
  ): void {
    const s = this.#get(serviceId, supplier)
    this.#refresh(s, this.#now())
    s.inFlight = Math.max(0, s.inFlight - 1)
    s.samples++
    s.success = ewma(s.success, 1, SUCCESS_ALPHA)
    s.consecutiveFailures = 0
    if (timing.ttftMs !== undefined) {
      s.ttftMs = ewma(s.ttftMs, timing.ttftMs, TIMING_ALPHA)
      s.answeredTtftMs = ewma(s.answeredTtftMs, timing.ttftMs, TIMING_ALPHA)
    }
    if (timing.tokensPerSecond !== undefined && Number.isFinite(timing.tokensPerSecond))
      s.tps = ewma(s.tps, timing.tokensPerSecond, TIMING_ALPHA)
    if (timing.latencyMs !== undefined)
      s.latencyMs = ewma(s.latencyMs, timing.latencyMs, TIMING_ALPHA)
    if (timing.decode) s.tpotModel.observe(timing.decode.intervals, timing.decode.ms)
    if (s.state === 'probation' && ++s.probationOk >= this.#options.probationSuccesses) {
      s.state = 'healthy'
      s.cooldowns = 0
      this.onHealthChange?.({ serviceId, supplier, state: 'healthy', until: 0, cooldowns: 0 })
    }
  }

  /**
   * Follows a health change another replica made: a cooldown ending later than this router's
   * own is taken as it is (and with it the doubling count); a supplier found healthy after its
   * probation leaves probation here too. Nothing is reported back (`onHealthChange`).
   */
  applyHealth(change: HealthChange): void {
    const now = this.#now()
    const s = this.#get(change.serviceId, change.supplier)
    this.#refresh(s, now)
    if (change.state === 'cooldown') {
      if (change.until <= now) return
      if (s.state === 'cooldown' && s.cooldownUntil >= change.until) return
      s.state = 'cooldown'
      s.cooldownUntil = change.until
      s.cooldowns = Math.max(s.cooldowns, change.cooldowns)
      s.consecutiveFailures = 0
    } else if (s.state === 'probation') {
      s.state = 'healthy'
      s.cooldowns = 0
    }
  }

  /** The supplier failed this relay. */
  failed(serviceId: string, supplier: string, reason: FailureReason): void {
    const now = this.#now()
    const s = this.#get(serviceId, supplier)
    this.#refresh(s, now)
    s.inFlight = Math.max(0, s.inFlight - 1)
    s.lastError = reason
    if (blamelessReasons.has(reason)) return
    s.samples++
    s.success = ewma(s.success, 0, SUCCESS_ALPHA)
    s.consecutiveFailures++
    s.errors.push(now)
    if (criticalReasons.has(reason))
      this.#cooldown(s, now, reason, this.#options.badSignatureCooldownMs)
    else if (refusalReasons.has(reason)) this.#cooldown(s, now, reason, this.#options.cooldownMs)
    else if (s.state === 'probation' || s.consecutiveFailures >= this.#options.failureThreshold)
      this.#cooldown(s, now, reason, this.#options.cooldownMs)
  }

  /**
   * The relay was abandoned without a verdict: the client left, or another attempt won a hedge.
   * `waitedMs`, when given, is how long the supplier had not produced its first token: a lower
   * bound of its TTFT, counted so that slow suppliers lose rank even when never waited for.
   */
  cancelled(serviceId: string, supplier: string, waitedMs?: number): void {
    const s = this.#get(serviceId, supplier)
    s.inFlight = Math.max(0, s.inFlight - 1)
    if (waitedMs !== undefined) {
      s.samples++
      s.ttftMs = Math.max(ewma(s.ttftMs, waitedMs, TIMING_ALPHA), s.ttftMs ?? 0)
    }
  }

  #cooldown(s: Stats, now: number, reason: FailureReason, baseMs: number): void {
    const ms = Math.min(baseMs * 2 ** s.cooldowns, Math.max(this.#options.maxCooldownMs, baseMs))
    s.state = 'cooldown'
    s.cooldownUntil = now + ms
    s.cooldowns++
    s.consecutiveFailures = 0
    this.onCooldown?.(s.serviceId, s.supplier, reason, ms)
    this.onHealthChange?.({
      serviceId: s.serviceId,
      supplier: s.supplier,
      state: 'cooldown',
      until: s.cooldownUntil,
      cooldowns: s.cooldowns,
    })
  }

  /** Typical TTFT of answered relays of the service's healthy suppliers (ms), for the hedge delay. */
  typicalTtftMs(serviceId: string): number | undefined {
    const values: number[] = []
    for (const s of this.#stats.values())
      if (s.serviceId === serviceId && s.state === 'healthy' && s.answeredTtftMs !== undefined)
        values.push(s.answeredTtftMs)
    return median(values)
  }

  /** Typical whole-answer latency (ms) of non-streamed requests, for their hedge delay. */
  typicalLatencyMs(serviceId: string): number | undefined {
    const values: number[] = []
    for (const s of this.#stats.values())
      if (s.serviceId === serviceId && s.state === 'healthy' && s.latencyMs !== undefined)
        values.push(s.latencyMs)
    return median(values)
  }

  /** Every supplier's figures, for `/metrics` and the admin API. */
  snapshot(): SupplierSnapshot[] {
    const now = this.#now()
    const out: SupplierSnapshot[] = []
    for (const s of this.#stats.values()) {
      this.#refresh(s, now)
      out.push({
        serviceId: s.serviceId,
        supplier: s.supplier,
        state: s.state,
        score: this.#score(s, this.#priors(s.serviceId)),
        samples: s.samples,
        successRate: s.success,
        ttftMs: s.ttftMs ?? null,
        tokensPerSecond: s.tps ?? null,
        tpotMs: s.tpotModel.estimate() ?? null,
        latencyMs: s.latencyMs ?? null,
        inFlight: s.inFlight,
        consecutiveFailures: s.consecutiveFailures,
        recentErrors: s.errors.length,
        cooldownUntil: s.state === 'cooldown' ? s.cooldownUntil : null,
        lastError: s.lastError,
      })
    }
    return out
  }
}
