import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { addressBytes, bech32Address } from './app/codec.js'
import type { ChainInfo } from './app/context.js'
import { initGenesis } from './app/genesis.js'
import { withDefaults } from './config/defaults.js'
import { invalidConfig, loadConfigFile } from './config/load.js'
import { genesisDigest, resolveGenesis } from './config/resolve.js'
import type { DevnetConfig, ResolvedGenesis } from './config/types.js'
import { DevnetError } from './errors.js'
import { type GrpcServer, startGrpcServer } from './grpc/server.js'
import { ChainStore } from './node/chain-store.js'
import { Node } from './node/node.js'
import type { StoredBlock } from './node/types.js'
import { b64, consensusParamsJson, hex, rfc3339 } from './rpc/comet-json.js'
import type { RpcContext } from './rpc/methods.js'
import { isCorsOrigin, type RpcServer, startRpcServer } from './rpc/server.js'

/** CometBFT's RPC port and a Cosmos node's gRPC port. */
const DEFAULT_RPC_PORT = 26657
const DEFAULT_GRPC_PORT = 9090

export type StartDevnetOptions = {
  /** A config object, or the path of a YAML/JSON config file. */
  config?: DevnetConfig | string
  /** RPC host (default 127.0.0.1). */
  host?: string
  /** RPC port (default 26657; 0 picks a free port). */
  port?: number
  /**
   * gRPC port, on the RPC host (0 picks a free port; `false` serves no gRPC). Default: the
   * config's `grpc.port`, else 9090 (a Cosmos node's) when the RPC is on its default port
   * 26657, else a free port, so devnets started side by side on other ports never collide.
   */
  grpcPort?: number | false
  /** Overrides the config's block time; 0 produces blocks only on demand. */
  blockTimeMs?: number
  /** Overrides the config's data directory; `:memory:` keeps nothing. */
  dataDir?: string
  /** How long `broadcast_tx_commit` waits for inclusion (default 10 s). */
  commitTimeoutMs?: number
  /** Called with block production errors (default: printed to stderr). */
  onError?: (error: unknown) => void
  /**
   * Milliseconds during which `block_results` of the newest block fails with CometBFT's "could
   * not find results for height" (default 0). pocketd reports a block before executing it; a
   * lag here makes clients that read results at the head meet the same window on the devnet.
   */
  resultsLagMs?: number
}

/** A funded account of the devnet; TEST keys are public, never hold real funds with them. */
export type DevnetAccount = {
  name: string
  address: string
  balance: bigint
  /** Hex private key, for accounts derived from a mnemonic. */
  privateKey?: string
  mnemonic?: string
  /** HD index under `m/44'/118'/0'/0/`. */
  index?: number
}

/** A running devnet. */
export type Devnet = {
  rpcUrl: string
  wsUrl: string
  /** The gRPC endpoint, `host:port` (what `pocketd --grpc-addr` takes); undefined when off. */
  grpcAddress: string | undefined
  chainId: string
  /** Milliseconds between blocks; 0 when blocks come only on request. */
  blockTimeMs: number
  accounts: DevnetAccount[]
  /** The resolved genesis (params, actors) the chain started from. */
  genesis: ResolvedGenesis
  /** The latest committed height. */
  readonly height: bigint
  /** The app hash after the latest block (the next header's `app_hash`). */
  readonly appHash: Uint8Array
  /** Produces `count` blocks now and returns the new height. */
  produceBlocks(count?: number): Promise<bigint>
  /** Produces one block now and returns its height. */
  produceBlock(): Promise<bigint>
  /** Resolves once the chain reaches `height` (blocks come from the timer or `produceBlocks`). */
  waitForHeight(height: bigint, timeoutMs?: number): Promise<void>
  /** The node behind the RPC, for advanced use in tests. */
  node: Node
  stop(): Promise<void>
}

function chainInfo(genesis: ResolvedGenesis): ChainInfo {
  const consensusPubKey = sha256(
    new TextEncoder().encode(`decai-devnet/validator/${genesis.chainId}`),
  )
  return {
    chainId: genesis.chainId,
    validator: {
      consensusPubKey,
      consensusAddress: sha256(consensusPubKey).slice(0, 20),
      operatorAddress: bech32Address(addressBytes(genesis.validator.address), 'poktvaloper'),
      accountAddress: genesis.validator.address,
      bondedTokens: genesis.validator.stake,
      commissionRate: genesis.validator.commissionRate,
    },
  }
}

/**
 * Starts a devnet in this process: the chain (from its store, or from genesis), block
 * production on a timer (or on demand), and the CometBFT RPC.
 *
 * @example
 * const devnet = await startDevnet({ port: 0, blockTimeMs: 0 })
 * await devnet.produceBlocks(4)
 * await devnet.stop()
 */
export async function startDevnet(options: StartDevnetOptions = {}): Promise<Devnet> {
  const raw =
    typeof options.config === 'string' ? loadConfigFile(options.config) : (options.config ?? {})
  const config = withDefaults(raw)
  const corsOrigins = config.rpc?.corsAllowedOrigins ?? []
  const badOrigin = corsOrigins.find((o) => typeof o !== 'string' || !isCorsOrigin(o))
  if (badOrigin !== undefined)
    throw invalidConfig(
      `rpc.corsAllowedOrigins: ${JSON.stringify(badOrigin)} is not * or an origin such as https://app.example`,
    )
  const genesis = resolveGenesis(config)
  const blockTimeMs = options.blockTimeMs ?? config.blockTimeMs ?? 1000
  const dataDir = options.dataDir ?? config.dataDir ?? ':memory:'
  let dbPath = ':memory:'
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true })
    dbPath = join(dataDir, 'devnet.sqlite')
  }
  const store = new ChainStore(dbPath)
  const chain = chainInfo(genesis)
  let node: Node
  try {
    node = new Node({
      chain,
      store,
      genesis: (ctx) => initGenesis(ctx, genesis),
      genesisTimeMs: Date.now(),
      genesisDigest: genesisDigest(genesis),
    })
  } catch (error) {
    store.close()
    throw error
  }

  const host = options.host ?? config.rpc?.host ?? '127.0.0.1'
  const port = options.port ?? config.rpc?.port ?? DEFAULT_RPC_PORT
  const nodeId = Buffer.from(
    sha256(new TextEncoder().encode(`decai-devnet/node/${genesis.chainId}`)).slice(0, 20),
  ).toString('hex')
  const ctx: RpcContext = {
    node,
    nodeId,
    listenAddress: 'tcp://0.0.0.0:26656',
    rpcAddress: `tcp://${host}:${port}`,
    commitTimeoutMs: options.commitTimeoutMs ?? 10_000,
    resultsLagMs: options.resultsLagMs ?? 0,
    genesis: () =>
      genesisJson(genesis, chain, Number(store.getMeta('genesis_time_ms') ?? Date.now())),
  }
  if (ctx.resultsLagMs > 0) {
    node.on('block', (block: StoredBlock) => {
      ctx.newestBlockAt = { height: block.height, at: Date.now() }
    })
  }
  let server: RpcServer
  try {
    server = await startRpcServer(ctx, host, port, corsOrigins)
  } catch (error) {
    store.close()
    throw error
  }
  ctx.rpcAddress = `tcp://${host}:${server.port}`
  const grpcHost = config.grpc?.host ?? host
  const grpcPort =
    options.grpcPort ??
    config.grpc?.port ??
    (server.port === DEFAULT_RPC_PORT ? DEFAULT_GRPC_PORT : 0)
  let grpc: GrpcServer | undefined
  if (grpcPort !== false) {
    try {
      grpc = await startGrpcServer(ctx, grpcHost, grpcPort)
    } catch (error) {
      await server.close()
      store.close()
      throw error
    }
  }

  const onError = options.onError ?? ((error: unknown) => console.error('[devnet]', error))
  let timer: NodeJS.Timeout | undefined
  if (blockTimeMs > 0) {
    timer = setInterval(() => {
      try {
        node.produceBlock()
      } catch (error) {
        onError(error)
      }
    }, blockTimeMs)
  }
  let stopped = false

  const accounts: DevnetAccount[] = genesis.accounts.map((a) => {
    const out: DevnetAccount = { name: a.name, address: a.address, balance: a.balance }
    if (a.privateKey) out.privateKey = Buffer.from(a.privateKey).toString('hex')
    if (a.mnemonic) out.mnemonic = a.mnemonic
    if (a.index !== undefined) out.index = a.index
    return out
  })

  const devnet: Devnet = {
    rpcUrl: server.url,
    wsUrl: server.url.replace(/^http/, 'ws'),
    grpcAddress: grpc?.address,
    chainId: genesis.chainId,
    blockTimeMs,
    accounts,
    genesis,
    node,
    get height() {
      return node.height
    },
    get appHash() {
      return node.app.last.appHash
    },
    async produceBlocks(count = 1) {
      if (stopped) throw new DevnetError('STOPPED', 'The devnet is stopped.')
      for (let i = 0; i < count; i++) node.produceBlock()
      return node.height
    },
    produceBlock() {
      return devnet.produceBlocks(1)
    },
    waitForHeight(height, timeoutMs = 60_000) {
      if (node.height >= height) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const onBlock = () => {
          if (node.height < height) return
          clearTimeout(t)
          node.off('block', onBlock)
          resolve()
        }
        const t = setTimeout(() => {
          node.off('block', onBlock)
          reject(
            new DevnetError('BLOCK_FAILED', `Height ${height} not reached in ${timeoutMs} ms.`),
          )
        }, timeoutMs)
        node.on('block', onBlock)
      })
    },
    async stop() {
      if (stopped) return
      stopped = true
      if (timer) clearInterval(timer)
      await Promise.all([server.close(), grpc?.close()])
      store.close()
    },
  }
  return devnet
}

function genesisJson(genesis: ResolvedGenesis, chain: ChainInfo, timeMs: number) {
  return {
    genesis_time: rfc3339({
      seconds: BigInt(Math.floor(timeMs / 1000)),
      nanos: (timeMs % 1000) * 1e6,
    }),
    chain_id: genesis.chainId,
    initial_height: '1',
    consensus_params: consensusParamsJson(),
    validators: [
      {
        address: hex(chain.validator.consensusAddress),
        pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(chain.validator.consensusPubKey) },
        power: '10',
        name: 'decai-devnet',
      },
    ],
    app_hash: '',
    app_state: {
      accounts: genesis.accounts.map((a) => ({
        name: a.name,
        address: a.address,
        balance: a.balance.toString(),
      })),
      services: genesis.services.map((s) => ({
        ...s,
        computeUnitsPerRelay: s.computeUnitsPerRelay.toString(),
      })),
    },
  }
}
