// x/service keeper: services, their compute units per relay history and relay-mining difficulty.

import { create } from '@decai/protocol'
import {
  type ServiceComputeUnitsPerRelayUpdate,
  ServiceComputeUnitsPerRelayUpdateSchema,
} from '@decai/protocol/gen/pocket/service/compute_units_pb'
import {
  type RelayMiningDifficulty,
  RelayMiningDifficultySchema,
  type RelayMiningDifficultyUpdate,
  RelayMiningDifficultyUpdateSchema,
} from '@decai/protocol/gen/pocket/service/relay_mining_difficulty_pb'
import { type Service, ServiceSchema } from '@decai/protocol/gen/pocket/shared/service_pb'
import { getBaseRelayDifficultyTarget } from '@decai/relay-mining'
import { decode, encode } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { be64, textKey } from '../../store/keys.js'
import { prefixEntries } from '../../store/kv-store.js'
import { getParams } from '../params.js'

export const SERVICE_PREFIX = 'Service/id/'
const CUPR_HISTORY_PREFIX = 'ServiceComputeUnitsPerRelay/history/'
export const DIFFICULTY_PREFIX = 'RelayMiningDifficulty/value/'
const DIFFICULTY_HISTORY_PREFIX = 'RelayMiningDifficulty/history/'

const serviceKey = (id: string) => `${SERVICE_PREFIX}${textKey(id)}/`

export function getService(ctx: Context, id: string): Service | undefined {
  const raw = ctx.store('service').get(serviceKey(id))
  return raw ? decode(ServiceSchema, raw) : undefined
}

export function setService(ctx: Context, service: Service): void {
  ctx.store('service').set(serviceKey(service.id), encode(ServiceSchema, service))
}

// --- compute units per relay history (x/service/keeper/service_compute_units_history.go) ---

export const cuprPrefix = (id: string) => `${CUPR_HISTORY_PREFIX}${textKey(id)}/`

export function setCuprAtHeight(
  ctx: Context,
  height: bigint,
  serviceId: string,
  cupr: bigint,
): void {
  const update = create(ServiceComputeUnitsPerRelayUpdateSchema, {
    effectiveHeight: height,
    serviceId,
    computeUnitsPerRelay: cupr,
  })
  ctx
    .store('service')
    .set(
      cuprPrefix(serviceId) + be64(height),
      encode(ServiceComputeUnitsPerRelayUpdateSchema, update),
    )
}

/** The compute units per relay in force for a service at a height (history, else live). */
export function getComputeUnitsPerRelayAtHeight(
  ctx: Context,
  serviceId: string,
  height: bigint,
): bigint | undefined {
  const prefix = cuprPrefix(serviceId)
  const [latest] = ctx
    .store('service')
    .entries({ start: prefix, end: prefix + be64(height + 1n) }, true)
  if (latest) {
    const update = decode(ServiceComputeUnitsPerRelayUpdateSchema, latest[1])
    if (update.computeUnitsPerRelay > 0n) return update.computeUnitsPerRelay
  }
  return getService(ctx, serviceId)?.computeUnitsPerRelay
}

export function getComputeUnitsPerRelayHistory(
  ctx: Context,
  serviceId?: string,
): ServiceComputeUnitsPerRelayUpdate[] {
  const prefix = serviceId === undefined ? CUPR_HISTORY_PREFIX : cuprPrefix(serviceId)
  return prefixEntries(ctx.store('service'), prefix).map(([, v]) =>
    decode(ServiceComputeUnitsPerRelayUpdateSchema, v),
  )
}

// --- relay mining difficulty (x/service/keeper/relay_mining_difficulty.go) ---

const difficultyKey = (id: string) => `${DIFFICULTY_PREFIX}${textKey(id)}/`
export const difficultyHistoryPrefix = (id: string) => `${DIFFICULTY_HISTORY_PREFIX}${textKey(id)}/`

/** The base difficulty (every relay minable) with the EMA at `target_num_relays`. */
export function defaultDifficulty(ctx: Context, serviceId: string): RelayMiningDifficulty {
  return create(RelayMiningDifficultySchema, {
    serviceId,
    blockHeight: 0n,
    numRelaysEma: getParams(ctx, 'service').targetNumRelays,
    targetHash: getBaseRelayDifficultyTarget(),
  })
}

/** The stored ("current") difficulty of a service, if any. */
export function getStoredDifficulty(
  ctx: Context,
  serviceId: string,
): RelayMiningDifficulty | undefined {
  const raw = ctx.store('service').get(difficultyKey(serviceId))
  return raw ? decode(RelayMiningDifficultySchema, raw) : undefined
}

export function setStoredDifficulty(ctx: Context, difficulty: RelayMiningDifficulty): void {
  ctx
    .store('service')
    .set(difficultyKey(difficulty.serviceId), encode(RelayMiningDifficultySchema, difficulty))
}

export function setDifficultyAtHeight(
  ctx: Context,
  height: bigint,
  difficulty: RelayMiningDifficulty,
): void {
  const update = create(RelayMiningDifficultyUpdateSchema, { effectiveHeight: height, difficulty })
  ctx
    .store('service')
    .set(
      difficultyHistoryPrefix(difficulty.serviceId) + be64(height),
      encode(RelayMiningDifficultyUpdateSchema, update),
    )
}

/** `GetRelayMiningDifficultyAtHeight`: the history entry in force, else the base difficulty. */
export function getDifficultyAtHeight(
  ctx: Context,
  serviceId: string,
  height: bigint,
): RelayMiningDifficulty {
  const prefix = difficultyHistoryPrefix(serviceId)
  const [latest] = ctx
    .store('service')
    .entries({ start: prefix, end: prefix + be64(height + 1n) }, true)
  if (latest) {
    const update = decode(RelayMiningDifficultyUpdateSchema, latest[1])
    if (update.difficulty) return update.difficulty
  }
  return defaultDifficulty(ctx, serviceId)
}

export function getDifficultyHistory(
  ctx: Context,
  serviceId?: string,
): RelayMiningDifficultyUpdate[] {
  const prefix =
    serviceId === undefined ? DIFFICULTY_HISTORY_PREFIX : difficultyHistoryPrefix(serviceId)
  return prefixEntries(ctx.store('service'), prefix).map(([, v]) =>
    decode(RelayMiningDifficultyUpdateSchema, v),
  )
}
