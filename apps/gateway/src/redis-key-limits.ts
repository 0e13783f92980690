import type { Logger } from '@decai/app-kit/logger'
import {
  type Admission,
  type AdmitRequest,
  type KeyLimits,
  MemoryKeyLimits,
  type Reservation,
} from './rate-limiter.js'
import type { RedisState } from './redis-state.js'

// Key limits shared by every gateway replica through Redis. One Lua script per request checks
// the budget (the spend plus what requests in flight reserved), the requests and tokens of the
// last 60 s (one-second buckets in a hash per key, on Redis's own clock), reserves the request's
// worst-case cost and counts it: atomic, so N replicas enforce one limit, not N. A second
// script settles a finished request: its tokens into the window, its reservation released and
// its cost added to the spend mirror, in one step, so no admission ever sees the reservation
// gone without the cost in.
//
// The authoritative spend is the key store's (SQLite or Postgres), written before settling.
// Redis keeps a mirror, seeded from the store's figure whenever the store's is higher (a fresh
// or restarted Redis, a store edited from outside) and raised by each settlement: an admission
// reads the larger of the two, so a store read a moment before a settlement is never trusted
// over it. Resetting a key's spend clears the mirror.
//
// When Redis is unreachable each limit follows its policy (`sharedState.onRedisDown`): `local`
// falls back to this replica's own window and ledger, `open` lets the request through
// uncounted (the budget then only compares the store's spend), `closed` refuses it with 503.

export type FailurePolicy = 'open' | 'local' | 'closed'

export type RedisFailurePolicies = {
  requests: FailurePolicy
  tokens: FailurePolicy
  budget: FailurePolicy
}

const WINDOW_TOTAL = `
local function windowTotal(key, now)
  local fields = redis.call('HGETALL', key)
  local sum = 0
  for i = 1, #fields, 2 do
    if tonumber(fields[i]) <= now - 60 then
      redis.call('HDEL', key, fields[i])
    else
      sum = sum + tonumber(fields[i + 1])
    end
  end
  return sum
end
`

// KEYS: requests window, tokens window, budget hash.
// ARGV: rpm, tpm, budget (-1: none), the store's spend, the reservation.
const ADMIT = `${WINDOW_TOTAL}
local now = tonumber(redis.call('TIME')[1])
local rpm = tonumber(ARGV[1])
local tpm = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
if budget >= 0 then
  local spent = tonumber(redis.call('HGET', KEYS[3], 'spent') or '-1')
  local stored = tonumber(ARGV[4])
  if stored > spent then
    spent = stored
    redis.call('HSET', KEYS[3], 'spent', ARGV[4])
  end
  local reserved = tonumber(redis.call('HGET', KEYS[3], 'reserved') or '0')
  redis.call('EXPIRE', KEYS[3], 3600)
  if spent + reserved >= budget then
    return {'budget', tostring(spent), tostring(reserved)}
  end
end
if rpm >= 0 and windowTotal(KEYS[1], now) >= rpm then return {'requests'} end
if tpm >= 0 and windowTotal(KEYS[2], now) >= tpm then return {'tokens'} end
if budget >= 0 then
  redis.call('HINCRBYFLOAT', KEYS[3], 'reserved', ARGV[5])
end
redis.call('HINCRBY', KEYS[1], now, 1)
redis.call('EXPIRE', KEYS[1], 61)
return {'ok'}
`

// KEYS: tokens window, budget hash. ARGV: tokens, cost, reservation (0: none).
const SETTLE = `
local now = redis.call('TIME')[1]
local tokens = tonumber(ARGV[1])
if tokens > 0 then
  redis.call('HINCRBY', KEYS[1], now, tokens)
  redis.call('EXPIRE', KEYS[1], 61)
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  if tonumber(ARGV[3]) > 0 then
    local left = tonumber(redis.call('HINCRBYFLOAT', KEYS[2], 'reserved', -tonumber(ARGV[3])))
    if left < 1e-12 then redis.call('HSET', KEYS[2], 'reserved', '0') end
  end
  if tonumber(ARGV[2]) > 0 and redis.call('HEXISTS', KEYS[2], 'spent') == 1 then
    redis.call('HINCRBYFLOAT', KEYS[2], 'spent', ARGV[2])
  end
end
return 1
`

// KEYS: requests window, tokens window.
const USAGE = `${WINDOW_TOTAL}
local now = tonumber(redis.call('TIME')[1])
return {windowTotal(KEYS[1], now), windowTotal(KEYS[2], now)}
`

type Settlement = { keyId: string; tokens: number; costUsd: number; reservedUsd: number }

/** Settlements Redis could not take, kept for when it is back (bounded: oldest dropped). */
const MAX_PENDING_SETTLEMENTS = 10_000

export class RedisKeyLimits implements KeyLimits {
  readonly #redis: RedisState
  readonly #policies: RedisFailurePolicies
  readonly #logger: Logger
  readonly #local = new MemoryKeyLimits()
  readonly #pending: Settlement[] = []
  #flushing = false

  constructor(redis: RedisState, policies: RedisFailurePolicies, logger: Logger) {
    this.#redis = redis
    this.#policies = policies
    this.#logger = logger
    const { client } = redis
    client.defineCommand('decaiAdmit', { numberOfKeys: 3, lua: ADMIT })
    client.defineCommand('decaiSettle', { numberOfKeys: 2, lua: SETTLE })
    client.defineCommand('decaiUsage', { numberOfKeys: 2, lua: USAGE })
    client.on('ready', () => void this.#flush())
  }

  #keys(keyId: string) {
    // One hash tag per key: the three keys land in the same slot of a Redis Cluster.
    const base = `${this.#redis.keyPrefix}limits:{${keyId}}`
    return { requests: `${base}:requests`, tokens: `${base}:tokens`, budget: `${base}:budget` }
  }

  #call<T>(name: string, ...args: (string | number)[]): Promise<T> {
    const client = this.#redis.client as unknown as Record<
      string,
      (...a: (string | number)[]) => Promise<T>
    >
    return client[name]!(...args)
  }

  async admit(request: AdmitRequest): Promise<Admission> {
    const keys = this.#keys(request.keyId)
    const budget = request.budget
    let reply: string[]
    try {
      reply = await this.#call<string[]>(
        'decaiAdmit',
        keys.requests,
        keys.tokens,
        keys.budget,
        request.rpm ?? -1,
        request.tpm ?? -1,
        budget?.budgetUsd ?? -1,
        budget?.spentUsd ?? 0,
        budget?.reserveUsd ?? 0,
      )
    } catch (error) {
      this.#logger.debug('redis admission failed', { error })
      return this.#admitWithoutRedis(request)
    }
    switch (reply[0]) {
      case 'ok':
        return {
          ok: true,
          reservation:
            budget === null
              ? undefined
              : { keyId: request.keyId, amountUsd: budget.reserveUsd, store: 'redis' },
        }
      case 'budget':
        return {
          ok: false,
          kind: 'budget',
          budgetUsd: budget!.budgetUsd,
          spentUsd: Number(reply[1]),
          reservedUsd: Number(reply[2]),
        }
      case 'requests':
        return { ok: false, kind: 'requests', limit: request.rpm!, retryAfter: 1 }
      default:
        return { ok: false, kind: 'tokens', limit: request.tpm!, retryAfter: 1 }
    }
  }

  /** The documented policy per limit while Redis is unreachable. */
  #admitWithoutRedis(request: AdmitRequest): Admission {
    const p = this.#policies
    if (request.budget !== null && p.budget === 'closed')
      return { ok: false, kind: 'unavailable', limit: 'budget' }
    if (request.rpm !== null && p.requests === 'closed')
      return { ok: false, kind: 'unavailable', limit: 'requests' }
    if (request.tpm !== null && p.tokens === 'closed')
      return { ok: false, kind: 'unavailable', limit: 'tokens' }
    const budget = request.budget
    if (budget !== null && p.budget === 'open' && budget.spentUsd >= budget.budgetUsd)
      return {
        ok: false,
        kind: 'budget',
        budgetUsd: budget.budgetUsd,
        spentUsd: budget.spentUsd,
        reservedUsd: 0,
      }
    return this.#local.admitNow({
      keyId: request.keyId,
      rpm: p.requests === 'local' ? request.rpm : null,
      tpm: p.tokens === 'local' ? request.tpm : null,
      budget: p.budget === 'local' ? budget : null,
    })
  }

  async settle(
    keyId: string,
    result: { tokens: number; costUsd: number; reservation: Reservation | undefined },
  ): Promise<void> {
    // A request admitted without Redis is settled where it was admitted; its tokens are counted
    // locally too, where the local window is what limits the key until Redis is back.
    if (result.reservation?.store === 'local' || !this.#redis.isUp())
      this.#local.settleNow(keyId, {
        ...result,
        reservation: result.reservation?.store === 'local' ? result.reservation : undefined,
      })
    if (result.reservation?.store === 'local') return
    const settlement = {
      keyId,
      tokens: result.tokens,
      costUsd: result.costUsd,
      reservedUsd: result.reservation?.amountUsd ?? 0,
    }
    if (settlement.tokens <= 0 && settlement.costUsd <= 0 && settlement.reservedUsd <= 0) return
    try {
      await this.#settle(settlement)
    } catch (error) {
      this.#logger.debug('redis settlement failed; kept for later', { error })
      if (this.#pending.length >= MAX_PENDING_SETTLEMENTS) this.#pending.shift()
      this.#pending.push(settlement)
    }
  }

  #settle(s: Settlement): Promise<number> {
    const keys = this.#keys(s.keyId)
    return this.#call<number>(
      'decaiSettle',
      keys.tokens,
      keys.budget,
      s.tokens,
      s.costUsd,
      s.reservedUsd,
    )
  }

  /** Sends the settlements kept while Redis was away, once it is back. */
  async #flush(): Promise<void> {
    if (this.#flushing) return
    this.#flushing = true
    try {
      while (this.#pending.length > 0) {
        await this.#settle(this.#pending[0]!)
        this.#pending.shift()
      }
    } catch (error) {
      this.#logger.debug('redis settlement retry failed', { error })
    } finally {
      this.#flushing = false
    }
  }

  async usage(keyId: string): Promise<{ requests: number; tokens: number }> {
    const keys = this.#keys(keyId)
    try {
      const [requests, tokens] = await this.#call<number[]>(
        'decaiUsage',
        keys.requests,
        keys.tokens,
      )
      return { requests: Number(requests), tokens: Number(tokens) }
    } catch {
      return this.#local.usageNow(keyId)
    }
  }

  async resetSpend(keyId: string): Promise<void> {
    await this.#local.resetSpend(keyId)
    try {
      await this.#redis.client.hdel(this.#keys(keyId).budget, 'spent')
    } catch (error) {
      // The mirror then keeps the former spend until it expires (an hour without requests).
      this.#logger.warn('cannot reset the spend mirrored in redis', { key: keyId, error })
    }
  }

  /** Settlements waiting for Redis. */
  get pendingSettlements(): number {
    return this.#pending.length
  }

  async close(): Promise<void> {}
}
