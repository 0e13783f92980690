// Rate limiting by application stake: never serve an application more than the chain will pay
// this supplier for the session. The chain caps each claim at
//   appStake / numPendingSessions / numSuppliers   (in "stake terms": claim + its inflation)
// and lowers it further by the application's per-session spend limit (x/tokenomics
// settlement). Each relay reserves its cost before it reaches the backend and gives it back if
// it fails, as poktroll's relay meter does.

const G_SCALE = 1_000_000_000n

/** A float param as a fraction over 1e9 (enough for the chain's few-decimal values). */
function toScaled(value: number): bigint {
  return BigInt(Math.round(value * Number(G_SCALE)))
}

/** An amount plus the global inflation the chain charges the application on top of it. */
export function toStakeTerms(upokt: bigint, globalInflationPerClaim: number): bigint {
  const g = toScaled(globalInflationPerClaim)
  return upokt + (upokt * g + G_SCALE - 1n) / G_SCALE
}

export type GetRelayCostParameters = {
  computeUnitsPerRelay: bigint
  computeUnitsToTokensMultiplier: bigint
  computeUnitCostGranularity: bigint
  globalInflationPerClaim: number
}

/** What one relay costs the application, in stake terms (poktroll's `getSingleRelayCostCoin`). */
export function getRelayCost(p: GetRelayCostParameters): bigint {
  if (p.computeUnitCostGranularity <= 0n) return 0n
  const upokt =
    (p.computeUnitsPerRelay * p.computeUnitsToTokensMultiplier) / p.computeUnitCostGranularity
  return toStakeTerms(upokt, p.globalInflationPerClaim)
}

export type GetSessionBudgetParameters = {
  appStake: bigint
  /** The application's `per_session_spend_limit` (0 or absent: none). */
  perSessionSpendLimit?: bigint | undefined
  numPendingSessions: bigint
  numSuppliers: bigint
}

/**
 * The most this supplier can be paid for one session of the application, in stake terms
 * (x/tokenomics `getOrInitSessionBudget`: sessions divided first, then suppliers).
 */
export function getSessionBudget(p: GetSessionBudgetParameters): bigint {
  const pending = p.numPendingSessions > 0n ? p.numPendingSessions : 1n
  const suppliers = p.numSuppliers > 0n ? p.numSuppliers : 1n
  const perSession = p.appStake / pending
  let floor = perSession / suppliers
  const limit = p.perSessionSpendLimit ?? 0n
  if (limit > 0n) {
    const capped = (limit < perSession ? limit : perSession) / suppliers
    if (capped < floor) floor = capped
  }
  return floor
}

/** A session's meter: what it may spend, what one relay costs, what is spent. */
export type SessionMeter = { budget: bigint; relayCost: bigint; consumed: bigint }

/** Per-session meters; setting one up is async (chain reads), reserving is synchronous. */
export class RelayMeter {
  readonly #meters = new Map<string, Promise<SessionMeter>>()

  /**
   * Reserves one relay's cost for the session; `false` when the application cannot pay for
   * it. `init` sets the session's meter up on its first relay.
   */
  async reserve(sessionKey: string, init: () => Promise<SessionMeter>): Promise<boolean> {
    let pending = this.#meters.get(sessionKey)
    if (!pending) {
      pending = init()
      this.#meters.set(sessionKey, pending)
      pending.catch(() => this.#meters.delete(sessionKey))
    }
    const meter = await pending
    if (meter.consumed + meter.relayCost > meter.budget) return false
    meter.consumed += meter.relayCost
    return true
  }

  /** Gives a failed relay's cost back. */
  async release(sessionKey: string): Promise<void> {
    const meter = await this.#meters.get(sessionKey)?.catch(() => undefined)
    if (meter)
      meter.consumed = meter.consumed >= meter.relayCost ? meter.consumed - meter.relayCost : 0n
  }

  /** The meter of a session, if it has one. */
  async get(sessionKey: string): Promise<SessionMeter | undefined> {
    return this.#meters.get(sessionKey)?.catch(() => undefined)
  }

  /** Drops the meters of sessions that can no longer take relays. */
  forget(sessionKey: string): void {
    this.#meters.delete(sessionKey)
  }

  keys(): string[] {
    return [...this.#meters.keys()]
  }
}
