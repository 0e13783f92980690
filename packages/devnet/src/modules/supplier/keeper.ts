// x/supplier keeper: suppliers and their service config history, with its indexes.

import { create } from '@decai/protocol'
import type { SupplierServiceConfig } from '@decai/protocol/gen/pocket/shared/service_pb'
import {
  type ServiceConfigUpdate,
  ServiceConfigUpdateSchema,
  type Supplier,
  SupplierSchema,
} from '@decai/protocol/gen/pocket/shared/supplier_pb'
import { decode, encode } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { be64, bytesToKey, keyToBytes, textKey } from '../../store/keys.js'
import { prefixEntries } from '../../store/kv-store.js'
import { getSharedParams } from '../shared/keeper.js'

export const SUPPLIER_PREFIX = 'Supplier/operator_address/'

const CONFIG_PREFIX = 'ServiceConfigUpdate/service_id/'

const OPERATOR_CONFIG_PREFIX = 'ServiceConfigUpdate/operator_address/'

export const ACTIVATION_PREFIX = 'ServiceConfigUpdate/activation_height/'

const str = (s: string) => `${textKey(s)}/`

export const int = (n: bigint) => `${be64(n)}/`

const supplierKey = (operator: string) => SUPPLIER_PREFIX + str(operator)

/** Where a service's config updates are stored (by activation height, then operator). */
export const serviceConfigUpdatesPrefix = (serviceId: string) => CONFIG_PREFIX + str(serviceId)

const configKey = (u: ServiceConfigUpdate) =>
  CONFIG_PREFIX + str(u.service?.serviceId ?? '') + int(u.activationHeight) + str(u.operatorAddress)

const operatorConfigKey = (u: ServiceConfigUpdate) =>
  OPERATOR_CONFIG_PREFIX +
  str(u.operatorAddress) +
  str(u.service?.serviceId ?? '') +
  int(u.activationHeight)

const activationKey = (u: ServiceConfigUpdate) =>
  ACTIVATION_PREFIX +
  int(u.activationHeight) +
  str(u.service?.serviceId ?? '') +
  str(u.operatorAddress)

export const isSupplierUnbonding = (s: Supplier) => s.unstakeSessionEndHeight !== 0n

/** `ServiceConfigUpdate.IsActive`. */
export function isConfigActive(u: ServiceConfigUpdate, height: bigint): boolean {
  if (u.activationHeight > height) return false
  return u.deactivationHeight === 0n || u.deactivationHeight > height
}

export function getDehydratedSupplier(ctx: Context, operator: string): Supplier | undefined {
  const raw = ctx.store('supplier').get(supplierKey(operator))
  return raw ? decode(SupplierSchema, raw) : undefined
}

export function setDehydratedSupplier(ctx: Context, supplier: Supplier): void {
  const stored = create(SupplierSchema, { ...supplier, services: [], serviceConfigHistory: [] })
  ctx.store('supplier').set(supplierKey(supplier.operatorAddress), encode(SupplierSchema, stored))
}

/** A supplier's service config updates, optionally for one service, in index order. */
export function getSupplierConfigUpdates(
  ctx: Context,
  operator: string,
  serviceId?: string,
): ServiceConfigUpdate[] {
  const store = ctx.store('supplier')
  const prefix =
    OPERATOR_CONFIG_PREFIX + str(operator) + (serviceId === undefined ? '' : str(serviceId))
  const out: ServiceConfigUpdate[] = []
  for (const [, primary] of prefixEntries(store, prefix)) {
    const raw = store.get(bytesToKey(primary))
    if (raw) out.push(decode(ServiceConfigUpdateSchema, raw))
  }
  return out
}

function removeConfigIndexes(ctx: Context, operator: string): void {
  const store = ctx.store('supplier')
  for (const [indexKey, primary] of prefixEntries(store, OPERATOR_CONFIG_PREFIX + str(operator))) {
    const raw = store.get(bytesToKey(primary))
    if (raw) {
      const update = decode(ServiceConfigUpdateSchema, raw)
      store.delete(activationKey(update))
      store.delete(bytesToKey(primary))
    }
    store.delete(indexKey)
  }
}

/** `SetAndIndexDehydratedSupplier`: rewrites the supplier's config history indexes, then it. */
export function setAndIndexSupplier(ctx: Context, supplier: Supplier): void {
  const store = ctx.store('supplier')
  removeConfigIndexes(ctx, supplier.operatorAddress)
  for (const update of supplier.serviceConfigHistory) {
    const primary = configKey(update)
    store.set(primary, encode(ServiceConfigUpdateSchema, update))
    const primaryBytes = keyToBytes(primary)
    store.set(operatorConfigKey(update), primaryBytes)
    store.set(activationKey(update), primaryBytes)
  }
  setDehydratedSupplier(ctx, supplier)
}

/** The supplier with its full history and the services active at the context height. */
export function getSupplier(ctx: Context, operator: string): Supplier | undefined {
  const supplier = getDehydratedSupplier(ctx, operator)
  if (!supplier) return undefined
  supplier.serviceConfigHistory = getSupplierConfigUpdates(ctx, operator)
  supplier.services = supplier.serviceConfigHistory
    .filter((u) => isConfigActive(u, ctx.height))
    .map((u) => u.service!)
  return supplier
}

/** The dehydrated form the `dehydrated` query flag returns: active services without rev share. */
export function getPartiallyHydratedSupplier(ctx: Context, operator: string): Supplier | undefined {
  const supplier = getDehydratedSupplier(ctx, operator)
  if (!supplier) return undefined
  supplier.services = getSupplierConfigUpdates(ctx, operator)
    .filter((u) => isConfigActive(u, ctx.height))
    .map((u) => ({ ...u.service!, revShare: [] }) as SupplierServiceConfig)
  supplier.serviceConfigHistory = []
  return supplier
}

/** The active service configs of a supplier for one service (`GetSupplierActiveServiceConfig`). */
export function getSupplierActiveServiceConfig(
  ctx: Context,
  operator: string,
  serviceId: string,
): SupplierServiceConfig[] {
  return getSupplierConfigUpdates(ctx, operator, serviceId)
    .filter((u) => isConfigActive(u, ctx.height))
    .map((u) => u.service!)
}

export function getAllDehydratedSuppliers(ctx: Context): Supplier[] {
  return prefixEntries(ctx.store('supplier'), SUPPLIER_PREFIX).map(([, v]) =>
    decode(SupplierSchema, v),
  )
}

/** The config updates of a service activated at or before `height`, in store order. */
export function getServiceConfigUpdates(
  ctx: Context,
  serviceId: string,
  height: bigint,
): ServiceConfigUpdate[] {
  const start = CONFIG_PREFIX + str(serviceId)
  return ctx
    .store('supplier')
    .entries({ start, end: start + be64(height + 1n) })
    .map(([, v]) => decode(ServiceConfigUpdateSchema, v))
}

export function removeSupplier(ctx: Context, operator: string): void {
  removeConfigIndexes(ctx, operator)
  ctx.store('supplier').delete(supplierKey(operator))
}

export function getSupplierUnbondingEndHeight(ctx: Context, s: Supplier): bigint {
  const p = getSharedParams(ctx)
  return s.unstakeSessionEndHeight + p.supplierUnbondingPeriodSessions * p.numBlocksPerSession
}
