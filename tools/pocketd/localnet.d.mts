// Types of localnet.mjs, for TypeScript test suites.

/** PUBLIC TEST MNEMONIC: never hold real funds with keys derived from it. */
export declare const TEST_MNEMONIC: string
/** The funded genesis accounts (same names, indices and balances as the default devnet). */
export declare const TEST_ACCOUNTS: readonly { name: string; index: number; balance: bigint }[]
export declare const VALIDATOR_STAKE: bigint
export declare const CHAIN_ID: 'pocket'
export declare const DENOM: 'upokt'
export declare const DEFAULT_RPC_PORT: number
export declare const DEFAULT_BLOCK_TIME: string
/** Shared params written into genesis (proto JSON names, decimal strings). */
export declare const SHARED_PARAM_OVERRIDES: Readonly<Record<string, string>>

export type PocketdAccount = {
  name: string
  /** bech32 `pokt1…` */
  address: string
  mnemonic: string
  index: number
  /** `m/44'/118'/0'/0/<index>` */
  hdPath: string
  /** secp256k1 private key, hex without 0x. */
  privateKey: string
}

export type PocketdNode = {
  /** CometBFT RPC, `http://127.0.0.1:<port>`. */
  rpcUrl: string
  /** gRPC, `127.0.0.1:<port + 2>`. */
  grpcUrl: string
  /** Cosmos REST API, `http://127.0.0.1:<port + 3>`. */
  apiUrl: string
  chainId: 'pocket'
  home: string
  binary: string
  pid: number
  accounts: PocketdAccount[]
  /** Stops the node; a temporary home is deleted. */
  stop(): Promise<void>
}

export type StartPocketdOptions = {
  /** CometBFT RPC port; P2P, gRPC and REST use the next three. Default 26757. */
  port?: number
  /** Node home; default: a new temporary directory, deleted by stop(). */
  home?: string
  /** Re-initialise the home even if it has a chain. */
  reset?: boolean
  /** CometBFT timeout_commit for a new home, e.g. '500ms' (the default). */
  blockTime?: string
  /** A pocketd binary; default: the cached build. */
  binary?: string
  /** Build when no cached binary exists (default true; a cold build takes many minutes). */
  build?: boolean
  /** Leave the node running after this process exits. */
  detached?: boolean
  /** How long to wait for the first blocks, in ms (default 60 000). */
  timeoutMs?: number
  /**
   * Genesis params for a new home, per module (proto JSON, snake_case), over the localnet's:
   * e.g. `{ shared: { num_blocks_per_session: '10' } }`. pocketd refuses invalid ones.
   */
  params?: GenesisParams
  /** Copy a new home from a template made earlier for the same inputs (default true). */
  cache?: boolean
}

/** Genesis params per module (`shared`, `proof`, ...), proto JSON with snake_case names. */
export type GenesisParams = Record<string, Record<string, unknown>>

/**
 * Starts a node (initialising the home first if it has no chain) and resolves once blocks are
 * produced. Rejects with an Error whose `name` is 'PocketdError' and `code` one of
 * COMMAND_FAILED, PATCH_FAILED, NOT_BUILT, NOT_INITIALIZED, START_FAILED, TIMEOUT.
 */
export declare function startPocketd(options?: StartPocketdOptions): Promise<PocketdNode>
/** Stops a node started detached (`pnpm pocketd start`) in `home`; false if none ran. */
export declare function stopPocketdHome(home: string): Promise<boolean>
export declare function isNodeRunning(home: string): boolean
export declare function initPocketd(options: {
  binary: string
  home: string
  blockTime?: string
  params?: GenesisParams
  /** Copy a home made earlier for the same binary, params and block time (default true). */
  cache?: boolean
}): Promise<{
  home: string
  accounts: (PocketdAccount & { publicKey: string; balance: string })[]
}>
export declare function readAccounts(home: string): (PocketdAccount & {
  publicKey: string
  balance: string
})[]
export declare function getDefaultHome(): string
/** Sets module params of a genesis `app_state` field by field; unknown ones are an error. */
export declare function applyParams(state: Record<string, unknown>, params: GenesisParams): void
export declare function getPorts(port: number): {
  rpc: number
  p2p: number
  grpc: number
  api: number
}
export declare function getHdPath(index: number): string
/** Runs the pocketd CLI with `--home`; resolves to its output, rejects on a non-zero exit. */
export declare function pocketd(
  binary: string,
  home: string,
  args: string[],
  options?: { input?: string },
): Promise<{ stdout: string; stderr: string }>
export declare function getStatus(rpcUrl: string): Promise<unknown>
export declare function waitForBlocks(
  rpcUrl: string,
  height: number,
  timeoutMs: number,
  hasExited?: () => boolean,
): Promise<unknown>
export declare function editToml(
  file: string,
  sections: Record<string, Record<string, string>>,
): void
