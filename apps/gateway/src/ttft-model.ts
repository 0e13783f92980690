// A supplier's time to first token as a function of the prefill work ahead of it: the
// request's own prompt tokens plus the prompt tokens of the gateway's relays still waiting
// for their first token at that supplier (its queue, as far as the gateway sees it).
//
//   ttft ≈ base + msPerToken × (prompt tokens + queued prompt tokens)
//
// fitted by least squares over recent answered relays, each weight decaying by `DECAY` per
// newer observation, so the fit follows a supplier whose load or hardware changes. While the
// observations do not spread enough in size to tell the slope from the base (only short chats
// so far), the model assumes all of the time is prefill (base 0, slope = mean ttft / mean
// work), which can only overestimate a longer prompt: a late hedge rather than a wasted one.

/** Weight kept by an observation per newer one (about the last 50 count). */
const DECAY = 0.98
/** The work of the observations must spread by this share of its mean to fit a slope. */
const MIN_SPREAD = 0.25

export type TtftEstimate = { baseMs: number; msPerToken: number }

export class TtftModel {
  #w = 0
  #x = 0
  #y = 0
  #xx = 0
  #xy = 0

  get samples(): number {
    return this.#w
  }

  /** One answered relay: `work` prefill tokens (prompt + queued) took `ttftMs` to a first token. */
  observe(work: number, ttftMs: number): void {
    if (!(work >= 0) || !(ttftMs >= 0)) return
    this.#w = this.#w * DECAY + 1
    this.#x = this.#x * DECAY + work
    this.#y = this.#y * DECAY + ttftMs
    this.#xx = this.#xx * DECAY + work * work
    this.#xy = this.#xy * DECAY + work * ttftMs
  }

  /** The fitted line, or undefined before any observation. */
  estimate(): TtftEstimate | undefined {
    if (this.#w === 0) return undefined
    const meanX = this.#x / this.#w
    const meanY = this.#y / this.#w
    const variance = this.#xx / this.#w - meanX * meanX
    if (meanX > 0 && variance > (MIN_SPREAD * meanX) ** 2) {
      const slope = (this.#xy / this.#w - meanX * meanY) / variance
      const base = meanY - slope * meanX
      // A line through noise can tilt the wrong way; time never shrinks with more work.
      if (slope >= 0 && base >= 0) return { baseMs: base, msPerToken: slope }
    }
    return meanX > 0 ? { baseMs: 0, msPerToken: meanY / meanX } : { baseMs: meanY, msPerToken: 0 }
  }

  /** Expected time to first token for `work` prefill tokens, or undefined before any observation. */
  expect(work: number): number | undefined {
    const e = this.estimate()
    return e === undefined ? undefined : e.baseMs + e.msPerToken * work
  }
}

// A supplier's time per output token (TPOT): the decode time between its first and last
// streamed token over the tokens in between, pooled over recent answers (each answer's weight
// decays by `DECAY` per newer one), so long answers weigh by their length and the estimate
// follows a supplier whose load changes. It prices the tail of an answer:
//
//   expected completion ≈ expected first token + max_tokens × msPerToken

export class TpotModel {
  #intervals = 0
  #ms = 0
  #answers = 0

  get samples(): number {
    return this.#answers
  }

  /** One streamed answer: `intervals` tokens after its first took `decodeMs` in all. */
  observe(intervals: number, decodeMs: number): void {
    if (!(intervals >= 1) || !(decodeMs >= 0) || !Number.isFinite(decodeMs)) return
    this.#intervals = this.#intervals * DECAY + intervals
    this.#ms = this.#ms * DECAY + decodeMs
    this.#answers = this.#answers * DECAY + 1
  }

  /** Milliseconds per output token, or undefined before any answer of two tokens or more. */
  estimate(): number | undefined {
    return this.#intervals > 0 ? this.#ms / this.#intervals : undefined
  }
}
