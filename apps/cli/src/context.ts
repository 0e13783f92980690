// Where the CLI finds its keyring, the node and the local network's facts.

import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import type { ChainClient, SigningChainClient } from '@decai/chain'
import { describeError } from '@decai/core'
import { usageError } from './errors.js'
import { type Keyring, openKeyring } from './keyring.js'
import type { Output } from './output.js'

/** What `pnpm start` writes to `<data dir>/network.json` (see scripts/start.mjs). */
export type NetworkInfo = {
  version: 1
  chainId: string
  rpcUrl: string
  /** The devnet's gRPC endpoint, `host:port` (what `pocketd --grpc-addr` takes). */
  grpcAddress?: string | undefined
  serviceId: string
  model: string
  dataDir: string
  gateway: { url: string; baseUrl: string; address: string; apiKey: string }
  /** The watcher (apps/watcher): signed reports at `${url}/reports/latest`. */
  watcher?: { url: string; address: string }
  application: { name: string; address: string }
  champion: { name: string; address: string }
  suppliers: {
    name: string
    operatorAddress: string
    url: string
    /** `/metrics`, `/healthz`, `/usage` and `/sessions` of the supplier. */
    metricsUrl?: string
    backendUrl: string
  }[]
  startedAt: string
}

export type GlobalOptions = {
  home?: string | undefined
  node?: string | undefined
  gasPrice?: string | undefined
  json?: boolean | undefined
}

export type Context = {
  /** The directory relative paths resolve against (where the user ran the command). */
  cwd: string
  home: string
  keyring: Keyring
  /** The local network started by `pnpm start`, when one is found. */
  network: NetworkInfo | undefined
  rpcUrl: string
  gasPrice: string
  json: boolean
  out: Output
  /** A read-only client of the node (loaded on first use: commands that need no chain start fast). */
  chain(): Promise<ChainClient>
  signer(keyName: string): Promise<SigningChainClient>
}

export const globalOptions = {
  home: { type: 'string' },
  node: { type: 'string' },
  'gas-price': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** The nearest `.decai/network.json` at or above `dir`. */
export function findNetworkFile(dir: string): string | undefined {
  let at = resolve(dir)
  for (;;) {
    const candidate = join(at, '.decai', 'network.json')
    if (existsSync(candidate)) return candidate
    const parent = dirname(at)
    if (parent === at) return undefined
    at = parent
  }
}

export function readNetworkInfo(path: string): NetworkInfo {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as NetworkInfo
  } catch (cause) {
    throw usageError(`Cannot read ${path}.`, describeError(cause))
  }
}

export type ContextParameters = {
  options: GlobalOptions
  env: Record<string, string | undefined>
  cwd: string
  out: Output
}

/**
 * Home: `--home`, else `$DECAI_HOME`, else the data directory of a local network found at or
 * above the working directory (so the CLI shares its keys), else `~/.decai`. Node: `--node`,
 * else `$DECAI_NODE`, else the local network's, else `http://127.0.0.1:26657`.
 */
export function createContext({ options, env, cwd, out }: ContextParameters): Context {
  const networkFile =
    options.home !== undefined
      ? existsOrUndefined(join(resolve(cwd, options.home), 'network.json'))
      : env['DECAI_HOME'] !== undefined
        ? existsOrUndefined(join(resolve(cwd, env['DECAI_HOME']), 'network.json'))
        : findNetworkFile(cwd)
  const network = networkFile ? readNetworkInfo(networkFile) : undefined
  const home = resolve(
    cwd,
    options.home ??
      env['DECAI_HOME'] ??
      (networkFile ? dirname(networkFile) : join(homedir(), '.decai')),
  )
  const rpcUrl = options.node ?? env['DECAI_NODE'] ?? network?.rpcUrl ?? 'http://127.0.0.1:26657'
  const gasPrice = options.gasPrice ?? env['DECAI_GAS_PRICE'] ?? '1upokt'
  const keyring = openKeyring(home)
  let chain: Promise<ChainClient> | undefined
  return {
    cwd,
    home,
    keyring,
    network,
    rpcUrl,
    gasPrice,
    json: options.json === true,
    out,
    chain: () => {
      chain ??= import('@decai/chain').then(({ createChainClient }) =>
        createChainClient({ rpcUrl }),
      )
      return chain
    },
    signer: async (keyName) => {
      const privateKey = keyring.privateKey(keyName)
      const { createPrivateKeySigner, createSigningChainClient } = await import('@decai/chain')
      return createSigningChainClient({
        rpcUrl,
        signer: createPrivateKeySigner(privateKey),
        gasPrice,
      })
    },
  }
}

function existsOrUndefined(path: string): string | undefined {
  return existsSync(path) ? path : undefined
}
