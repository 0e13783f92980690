// Rate limiting by application stake: never serve an application more than the chain will pay
// this supplier for the session. The chain caps each claim at
//   appStake / numPendingSessions / numSuppliers   (in "stake terms": claim + its inflation)
// and lowers it further by the application's per-session spend limit (x/tokenomics
// settlement). Each relay reserves its cost before it reaches the backend and gives it back if
// it fails, as poktroll's relay meter does.
//
// A token-metered service (docs/tokenomics.md) is paid one relay per quantum, and what an answer
// is worth is known only at its end. So a request reserves its worst case up front (its prompt
// plus `max_tokens` of completion, in quanta) and settles to the quanta actually served when
// the answer ends: the rest goes back, as all of it does when the relay fails or the client
// leaves. An application can never be served more than the chain will pay for.

import { exceedsJsonDepth, MAX_JSON_DEPTH } from '@decai/app-kit/json'
import { getWorstCaseQuanta, type TokenMetering } from '@decai/session'
import { SupplierError } from './errors.js'

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

/** A service's token metering as the supplier applies it: the weights and its own caps. */
export type WorstCaseMetering = TokenMetering & {
  /** Most quanta mined for one answer. */
  maxQuanta: number
  /** The model's context length: the completion bound of a request without `max_tokens`. */
  contextLength?: number | undefined
}

const EMBEDDINGS_PATH = /\/embeddings\/?$/
const decoder = new TextDecoder()

/** A positive integer field of the request, or undefined when absent (null counts as absent). */
function readCount(json: Record<string, unknown>, field: string): number | undefined {
  const value = json[field]
  if (value === undefined || value === null) return undefined
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value
  throw new SupplierError('INVALID_MAX_TOKENS', 'The request cannot bound its answer.', {
    details: `${field} must be a positive integer, got ${JSON.stringify(value)?.slice(0, 40)}`,
  })
}

/**
 * The most quanta a token-metered request can cost: its prompt plus its completion bound,
 * `ceil((prompt × w_in + completion × w_out) / Q)`, never more than `maxQuanta` (what the
 * supplier mines at most for one answer).
 *
 * - prompt: the HTTP body's length in bytes. The prompt's tokens are not counted here (that
 *   needs the model's tokenizer); a byte-level tokenizer spends at most one token per byte, and
 *   the JSON around the text outweighs the chat template's markers, so the bytes bound it.
 * - completion: `max_completion_tokens`, else `max_tokens`, capped by the context length, times
 *   the choices asked for (`n`, `best_of`); without `max_tokens`, the context length; without
 *   either, `maxQuanta` is reserved. Embeddings have no completion.
 *
 * Throws `INVALID_MAX_TOKENS` when one of those fields is not a positive integer. A body that
 * is not a JSON object is bounded by `maxQuanta` (the backend refuses it anyway).
 */
export function getWorstCaseReservation(
  request: { path: string; body: Uint8Array },
  metering: WorstCaseMetering,
): number {
  const { maxQuanta, contextLength } = metering
  const quanta = (maxTokens: number) =>
    Math.min(
      getWorstCaseQuanta({ promptTokens: request.body.length, maxTokens }, metering),
      maxQuanta,
    )
  if (EMBEDDINGS_PATH.test(request.path)) return quanta(0)
  const text = decoder.decode(request.body)
  if (request.body[0] !== 0x7b /* { */ || exceedsJsonDepth(text, MAX_JSON_DEPTH)) return maxQuanta
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return maxQuanta
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return maxQuanta
  const fields = json as Record<string, unknown>
  const maxTokens = readCount(fields, 'max_completion_tokens') ?? readCount(fields, 'max_tokens')
  const choices = Math.max(readCount(fields, 'n') ?? 1, readCount(fields, 'best_of') ?? 1)
  const perChoice =
    maxTokens === undefined
      ? contextLength
      : contextLength === undefined
        ? maxTokens
        : Math.min(maxTokens, contextLength)
  if (perChoice === undefined) return maxQuanta
  return quanta(perChoice * choices)
}

/** A session's meter: what it may spend, what one relay costs, what is spent. */
export type SessionMeter = { budget: bigint; relayCost: bigint; consumed: bigint }

/** Per-session meters; setting one up is async (chain reads), reserving is synchronous. */
export class RelayMeter {
  readonly #meters = new Map<string, Promise<SessionMeter>>()

  /**
   * Reserves the cost of `relays` relays for the session (1: per-request metering, the worst
   * case in quanta: token metering); `false` when the application cannot pay for them all.
   * `init` sets the session's meter up on its first relay.
   */
  async reserve(
    sessionKey: string,
    init: () => Promise<SessionMeter>,
    relays = 1,
  ): Promise<boolean> {
    let pending = this.#meters.get(sessionKey)
    if (!pending) {
      pending = init()
      this.#meters.set(sessionKey, pending)
      pending.catch(() => this.#meters.delete(sessionKey))
    }
    const meter = await pending
    const cost = meter.relayCost * BigInt(relays)
    if (meter.consumed + cost > meter.budget) return false
    meter.consumed += cost
    return true
  }

  /** Gives the cost of `relays` reserved relays back (a failed relay, an unused worst case). */
  async release(sessionKey: string, relays = 1): Promise<void> {
    const meter = await this.#meters.get(sessionKey)?.catch(() => undefined)
    if (!meter) return
    const cost = meter.relayCost * BigInt(relays)
    meter.consumed = meter.consumed >= cost ? meter.consumed - cost : 0n
  }

  /**
   * Counts `relays` more relays as spent, whatever the budget: an answer served beyond its
   * reservation (a backend that ignored `max_tokens`) is mined all the same, and later
   * requests must see it.
   */
  async charge(sessionKey: string, relays: number): Promise<void> {
    const meter = await this.#meters.get(sessionKey)?.catch(() => undefined)
    if (meter) meter.consumed += meter.relayCost * BigInt(relays)
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
