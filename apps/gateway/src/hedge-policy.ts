import type { GatewayConfig } from './config.js'

// When a hedge (a second relay for the same request, to another supplier) may go out, and how
// many: a hedge costs a second prefill of the whole prompt, so it has to be rare and well timed.

type HedgeRouting = Pick<
  GatewayConfig['routing'],
  'hedgeDelayMs' | 'hedgeTtftMultiplier' | 'minHedgeDelayMs' | 'maxHedgeDelayMs'
>

/**
 * The `typical-ttft` rule: a multiple of the service's typical first token (or latency),
 * whatever the prompt, within the bounds; `hedgeDelayMs` while nothing is measured.
 */
export function getHedgeDelay(routing: HedgeRouting, typicalMs: number | undefined): number {
  const delay =
    typicalMs === undefined ? routing.hedgeDelayMs : typicalMs * routing.hedgeTtftMultiplier
  return Math.min(routing.maxHedgeDelayMs, Math.max(routing.minHedgeDelayMs, delay))
}

/**
 * The `expected-ttft` rule: a multiple of this request's expected first token at its supplier
 * (its prompt and the queue ahead, at the supplier's measured prefill rate), never below
 * `minHedgeDelayMs`. No upper bound: a long prompt that is on time is not hedged, however long
 * it takes (`timeouts.firstTokenMs` still ends a supplier that never answers). Unmeasured, it
 * falls back to the `typical-ttft` rule.
 */
export function getExpectedHedgeDelay(
  routing: HedgeRouting,
  expectedMs: number | undefined,
  typicalMs: number | undefined,
): number {
  if (expectedMs === undefined) return getHedgeDelay(routing, typicalMs)
  return Math.max(routing.minHedgeDelayMs, expectedMs * routing.hedgeTtftMultiplier)
}

/**
 * The hedge budget, a token bucket per service: every first relay of a request earns `share`
 * of a hedge, a hedge spends one, and the bucket holds at most `burst` (full at start). Over
 * time hedges stay within `share` of the relays, whatever the delays say.
 */
export class HedgeBudget {
  readonly #share: number
  readonly #burst: number
  readonly #tokens = new Map<string, number>()

  constructor(share: number, burst: number) {
    this.#share = share
    this.#burst = burst
  }

  /** A request's first relay went out. */
  earn(serviceId: string): void {
    this.#tokens.set(serviceId, Math.min(this.#burst, this.#available(serviceId) + this.#share))
  }

  /** Takes one hedge from the budget; false when it is spent. */
  spend(serviceId: string): boolean {
    const available = this.#available(serviceId)
    if (available < 1) return false
    this.#tokens.set(serviceId, available - 1)
    return true
  }

  #available(serviceId: string): number {
    return this.#tokens.get(serviceId) ?? this.#burst
  }
}
