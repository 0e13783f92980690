// Per-key requests and tokens per minute: a sliding window of 60 one-second buckets per key,
// in memory. Several gateway replicas would each enforce the limit on their own share.

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
