// Per-key requests and tokens per minute, and budget reservations. `RateLimiter` is the
// in-memory sliding window (60 one-second buckets per key) of one process; `KeyLimits` is what
// the routes use, either in memory (`MemoryKeyLimits`, the default) or shared by every replica
// in Redis (redis-key-limits.ts), so that a limit or a budget holds across replicas.

const WINDOW_SECONDS = 60

class Window {
  readonly #buckets = new Float64Array(WINDOW_SECONDS)
  #second = 0
  #total = 0

  #advance(nowSecond: number): void {
    const gap = nowSecond - this.#second
    if (gap <= 0) return
    if (gap >= WINDOW_SECONDS) {
      this.#buckets.fill(0)
      this.#total = 0
    } else {
      for (let s = this.#second + 1; s <= nowSecond; s++) {
        const i = s % WINDOW_SECONDS
        this.#total -= this.#buckets[i]!
        this.#buckets[i] = 0
      }
    }
    this.#second = nowSecond
  }

  total(nowMs: number): number {
    this.#advance(Math.floor(nowMs / 1000))
    return this.#total
  }

  add(nowMs: number, amount: number): void {
    const second = Math.floor(nowMs / 1000)
    this.#advance(second)
    this.#buckets[second % WINDOW_SECONDS]! += amount
    this.#total += amount
  }
}

export type RateLimitDecision =
  | { ok: true }
  | { ok: false; kind: 'requests' | 'tokens'; limit: number; retryAfter: number }

export class RateLimiter {
  readonly #requests = new Map<string, Window>()
  readonly #tokens = new Map<string, Window>()

  #window(map: Map<string, Window>, key: string): Window {
    let w = map.get(key)
    if (!w) {
      w = new Window()
      map.set(key, w)
    }
    return w
  }

  /**
   * Admits a request and counts it when both limits allow it. Tokens are known only once the
   * answer is in, so the token limit refuses requests once the last minute's tokens reached it.
   */
  admit(
    key: string,
    limits: { rpm: number | null; tpm: number | null },
    now = Date.now(),
  ): RateLimitDecision {
    if (limits.rpm !== null) {
      const w = this.#window(this.#requests, key)
      if (w.total(now) >= limits.rpm)
        return { ok: false, kind: 'requests', limit: limits.rpm, retryAfter: 1 }
    }
    if (limits.tpm !== null) {
      const w = this.#window(this.#tokens, key)
      if (w.total(now) >= limits.tpm)
        return { ok: false, kind: 'tokens', limit: limits.tpm, retryAfter: 1 }
    }
    this.#window(this.#requests, key).add(now, 1)
    return { ok: true }
  }

  /** Counts the tokens of a finished request. */
  addTokens(key: string, tokens: number, now = Date.now()): void {
    if (tokens > 0) this.#window(this.#tokens, key).add(now, tokens)
  }

  /** Current use of a key in the last minute. */
  usage(key: string, now = Date.now()): { requests: number; tokens: number } {
    return {
      requests: this.#requests.get(key)?.total(now) ?? 0,
      tokens: this.#tokens.get(key)?.total(now) ?? 0,
    }
  }
}

/** Where a reservation is held: this process, or Redis (shared by every replica). */
export type ReservationStore = 'local' | 'redis'

/** The worst-case cost set aside for a request until it is settled. */
export type Reservation = { keyId: string; amountUsd: number; store: ReservationStore }

export type AdmitRequest = {
  keyId: string
  rpm: number | null
  tpm: number | null
  /** The key's budget, what the key store says it spent, and the worst-case cost to reserve. */
  budget: { budgetUsd: number; spentUsd: number; reserveUsd: number } | null
}

export type Admission =
  | { ok: true; reservation: Reservation | undefined }
  | { ok: false; kind: 'requests' | 'tokens'; limit: number; retryAfter: number }
  | { ok: false; kind: 'budget'; budgetUsd: number; spentUsd: number; reservedUsd: number }
  /** The shared store is unreachable and this limit fails closed. */
  | { ok: false; kind: 'unavailable'; limit: 'requests' | 'tokens' | 'budget' }

/**
 * The per-key limits every request passes before it is relayed: budget, requests and tokens
 * per minute. A budget is checked against what the key spent plus what requests in flight have
 * reserved (their worst-case cost), and the request's own worst case is reserved, atomically:
 * however many requests race, the key overspends by at most one request's reservation.
 */
export interface KeyLimits {
  admit(request: AdmitRequest): Promise<Admission>
  /**
   * A request finished: its tokens go to the key's window, its reservation is released and its
   * cost added to the spend the next admissions see. Call after the key store recorded it.
   */
  settle(
    keyId: string,
    result: { tokens: number; costUsd: number; reservation: Reservation | undefined },
  ): Promise<void>
  /** Current use of a key in the last minute. */
  usage(keyId: string): Promise<{ requests: number; tokens: number }>
  /** The key's spend was set from outside (e.g. reset to 0): forget the spend mirrored here. */
  resetSpend(keyId: string): Promise<void>
  close(): Promise<void>
}

/** The budget ledger of one process: reserved amounts and the spend settled, per key. */
class MemoryBudgets {
  readonly #reserved = new Map<string, number>()
  /** Spend settled here, at least the store's figure once seen (the store is read before). */
  readonly #spent = new Map<string, number>()

  refusal(
    keyId: string,
    budget: NonNullable<AdmitRequest['budget']>,
  ): Extract<Admission, { kind: 'budget' }> | undefined {
    const spent = Math.max(this.#spent.get(keyId) ?? 0, budget.spentUsd)
    this.#spent.set(keyId, spent)
    const reserved = this.#reserved.get(keyId) ?? 0
    if (spent + reserved < budget.budgetUsd) return undefined
    return {
      ok: false,
      kind: 'budget',
      budgetUsd: budget.budgetUsd,
      spentUsd: spent,
      reservedUsd: reserved,
    }
  }

  reserve(keyId: string, amountUsd: number): Reservation {
    this.#reserved.set(keyId, (this.#reserved.get(keyId) ?? 0) + amountUsd)
    return { keyId, amountUsd, store: 'local' }
  }

  settle(keyId: string, costUsd: number, reservation: Reservation | undefined): void {
    if (reservation !== undefined) {
      const left = (this.#reserved.get(keyId) ?? 0) - reservation.amountUsd
      if (left > 1e-12) this.#reserved.set(keyId, left)
      else this.#reserved.delete(keyId)
    }
    if (costUsd > 0 && this.#spent.has(keyId))
      this.#spent.set(keyId, this.#spent.get(keyId)! + costUsd)
  }

  reset(keyId: string): void {
    this.#spent.delete(keyId)
  }
}

/** The limits of one process (the default): each replica enforces its own share. */
export class MemoryKeyLimits implements KeyLimits {
  readonly #limiter = new RateLimiter()
  readonly #budgets = new MemoryBudgets()

  admitNow(request: AdmitRequest, now = Date.now()): Admission {
    if (request.budget !== null) {
      const refusal = this.#budgets.refusal(request.keyId, request.budget)
      if (refusal) return refusal
    }
    const decision = this.#limiter.admit(request.keyId, request, now)
    if (!decision.ok) return decision
    return {
      ok: true,
      reservation:
        request.budget === null
          ? undefined
          : this.#budgets.reserve(request.keyId, request.budget.reserveUsd),
    }
  }

  settleNow(
    keyId: string,
    result: { tokens: number; costUsd: number; reservation: Reservation | undefined },
    now = Date.now(),
  ): void {
    this.#limiter.addTokens(keyId, result.tokens, now)
    this.#budgets.settle(keyId, result.costUsd, result.reservation)
  }

  usageNow(keyId: string, now = Date.now()): { requests: number; tokens: number } {
    return this.#limiter.usage(keyId, now)
  }

  async admit(request: AdmitRequest): Promise<Admission> {
    return this.admitNow(request)
  }

  async settle(
    keyId: string,
    result: { tokens: number; costUsd: number; reservation: Reservation | undefined },
  ): Promise<void> {
    this.settleNow(keyId, result)
  }

  async usage(keyId: string): Promise<{ requests: number; tokens: number }> {
    return this.usageNow(keyId)
  }

  async resetSpend(keyId: string): Promise<void> {
    this.#budgets.reset(keyId)
  }

  async close(): Promise<void> {}
}
