// The devnet config (a YAML or JSON file, or an object) and the genesis it resolves to.

import type { RPCType } from '@decai/protocol/gen/pocket/shared/service_pb'
import type { ModuleParams } from '../modules/params.js'

/** An amount in config: a number or text in uPOKT, or text with a `upokt`/`pokt` unit. */
export type AmountInput = number | bigint | string

/** An account: derived from the config mnemonic (`index`), its own `mnemonic`, or an `address`. */
export type AccountConfig = {
  name: string
  balance: AmountInput
  index?: number
  mnemonic?: string
  address?: string
}

export type ServiceConfig = {
  id: string
  name?: string
  computeUnitsPerRelay?: number | string
  owner: string
}

export type ApplicationConfig = {
  address: string
  stake: AmountInput
  serviceId: string
  gateways?: string[]
}

export type GatewayConfig = { address: string; stake: AmountInput }

export type SupplierServiceInput = {
  serviceId: string
  url: string
  rpcType?: keyof typeof RPCType | string
  /** Address or account name -> percentage; defaults to 100% to the owner. */
  revShare?: Record<string, number>
}

export type SupplierConfig = {
  owner: string
  operator?: string
  stake: AmountInput
  services: SupplierServiceInput[]
}

/** The devnet config file (YAML or JSON); every field is optional. */
export type DevnetConfig = {
  chainId?: string
  /** Milliseconds between blocks; 0 produces blocks only on demand. */
  blockTimeMs?: number
  rpc?: {
    host?: string
    port?: number
    /**
     * Origins whose pages may call the RPC from a browser, as CometBFT's `cors_allowed_origins`:
     * exact origins (`https://app.example`) or `*` for any. Default none.
     */
    corsAllowedOrigins?: string[]
  }
  /** The gRPC endpoint (host: the RPC's; port: 9090 beside the default RPC port, else free). */
  grpc?: { host?: string; port?: number }
  /** Where the SQLite store lives; `:memory:` keeps nothing. */
  dataDir?: string
  /** Mnemonic the indexed accounts derive from (the public TEST mnemonic by default). */
  mnemonic?: string
  accounts?: AccountConfig[]
  validator?: { account?: string; stake?: AmountInput; commissionRate?: string }
  /** Per-module params in proto3 JSON (snake_case or camelCase), over the devnet defaults. */
  params?: Partial<Record<keyof ModuleParams, Record<string, unknown>>>
  services?: ServiceConfig[]
  applications?: ApplicationConfig[]
  gateways?: GatewayConfig[]
  suppliers?: SupplierConfig[]
  /** Publish genesis accounts' public keys (poktroll's localnet does it with a first tx). */
  publishPubKeys?: boolean
}

export type ResolvedAccount = {
  name: string
  address: string
  balance: bigint
  publicKey?: Uint8Array | undefined
  privateKey?: Uint8Array | undefined
  mnemonic?: string | undefined
  index?: number | undefined
}

/** A config with every name resolved to an address and every amount to uPOKT. */
export type ResolvedGenesis = {
  chainId: string
  accounts: ResolvedAccount[]
  params: ModuleParams
  validator: { address: string; stake: bigint; commissionRate: bigint }
  services: { id: string; name: string; computeUnitsPerRelay: bigint; ownerAddress: string }[]
  applications: { address: string; stake: bigint; serviceId: string; gateways: string[] }[]
  gateways: { address: string; stake: bigint }[]
  suppliers: {
    ownerAddress: string
    operatorAddress: string
    stake: bigint
    services: {
      serviceId: string
      endpoints: { url: string; rpcType: number }[]
      revShare: { address: string; revSharePercentage: bigint }[]
    }[]
  }[]
  publishPubKeys: boolean
}
