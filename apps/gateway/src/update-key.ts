import type { Logger } from '@decai/app-kit/logger'
import type { GatewayConfig } from './config.js'
import type { ApiKeyRecord, KeyStore, UpdateApiKeyParameters } from './key-store.js'
import { type KeyLimits, MemoryKeyLimits } from './rate-limiter.js'
import { RedisKeyLimits } from './redis-key-limits.js'
import { connectRedisState } from './redis-state.js'

// Changing a key goes through here from every path (`PATCH /admin/keys/:id`, the CLI's
// `keys update`): a spend set from outside (a new budget period) must replace the spend the
// limits mirror (in Redis for replicas), or admissions keep comparing the former one.

/** Updates a key in the store and, when its spend was set, forgets the spend mirrored by the limits. */
export async function updateKey(
  store: KeyStore,
  limits: KeyLimits,
  id: string,
  patch: UpdateApiKeyParameters,
): Promise<ApiKeyRecord> {
  const record = await store.update(id, patch)
  if (patch.spentUsd !== undefined) await limits.resetSpend(record.id)
  return record
}

/**
 * The key limits of a config, for a process that is not the gateway (the CLI): the Redis ones
 * when the replicas share state there, else in memory (nothing outside this process to reach).
 */
export async function openKeyLimits(
  sharedState: GatewayConfig['sharedState'] | undefined,
  logger: Logger,
): Promise<{ limits: KeyLimits; close(): Promise<void> }> {
  if (sharedState?.kind !== 'redis' || sharedState.redis === undefined)
    return { limits: new MemoryKeyLimits(), close: async () => {} }
  const redis = await connectRedisState(sharedState.redis, logger)
  return {
    limits: new RedisKeyLimits(redis, sharedState.onRedisDown, logger),
    close: () => redis.close(),
  }
}
