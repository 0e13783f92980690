import { sdkErrors } from '../app/chain-errors.js'
import type { KeyRange, KVStore } from './kv-store.js'

/** cosmos-sdk `storetypes.KVGasConfig()`: what each store access costs. */
export const kvGasConfig = {
  hasCost: 1000n,
  deleteCost: 1000n,
  readCostFlat: 1000n,
  readCostPerByte: 3n,
  writeCostFlat: 2000n,
  writeCostPerByte: 30n,
  iterNextCostFlat: 30n,
} as const

/** A gas meter; `limit` undefined is infinite (block-level execution). */
export class GasMeter {
  consumed = 0n

  constructor(readonly limit: bigint | undefined) {}

  consume(amount: bigint, descriptor: string): void {
    this.consumed += amount
    if (this.limit !== undefined && this.consumed > this.limit) {
      throw sdkErrors.outOfGas.wrap(
        `out of gas in location: ${descriptor}; gasWanted: ${this.limit}, gasUsed: ${this.consumed}`,
      )
    }
  }
}

/** Charges a gas meter for every access, as the SDK's gaskv store does. */
export class GasStore implements KVStore {
  constructor(
    private readonly inner: KVStore,
    private readonly meter: GasMeter,
  ) {}

  get(key: string): Uint8Array | undefined {
    this.meter.consume(kvGasConfig.readCostFlat, 'ReadFlat')
    const value = this.inner.get(key)
    this.meter.consume(kvGasConfig.readCostPerByte * BigInt(key.length), 'ReadPerByte')
    if (value) this.meter.consume(kvGasConfig.readCostPerByte * BigInt(value.length), 'ReadPerByte')
    return value
  }

  has(key: string): boolean {
    this.meter.consume(kvGasConfig.hasCost, 'Has')
    return this.inner.has(key)
  }

  set(key: string, value: Uint8Array): void {
    this.meter.consume(kvGasConfig.writeCostFlat, 'WriteFlat')
    this.meter.consume(kvGasConfig.writeCostPerByte * BigInt(key.length), 'WritePerByte')
    this.meter.consume(kvGasConfig.writeCostPerByte * BigInt(value.length), 'WritePerByte')
    this.inner.set(key, value)
  }

  delete(key: string): void {
    this.meter.consume(kvGasConfig.deleteCost, 'Delete')
    this.inner.delete(key)
  }

  entries(range?: KeyRange, reverse?: boolean): [string, Uint8Array][] {
    const out = this.inner.entries(range, reverse)
    for (const [key, value] of out) {
      this.meter.consume(kvGasConfig.iterNextCostFlat, 'IterNextFlat')
      this.meter.consume(
        kvGasConfig.readCostPerByte * BigInt(key.length + value.length),
        'ValuePerByte',
      )
    }
    return out
  }
}
