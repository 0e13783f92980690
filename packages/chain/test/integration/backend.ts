// Which chain the integration suite drives: the embedded devnet (default) or a real pocketd
// (`pnpm test:chain --backend pocketd`, or CHAIN_BACKEND=pocketd). The suite starts either one
// itself from the same genesis params; pocketd is built first when no binary is cached. A node
// started elsewhere can be used instead: POCKETD_RPC_URL and POCKETD_MNEMONIC (a funded key).
// The tests only ever talk to the chain through @decai/chain; the backend only starts, stops
// and restarts it.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  generatePrivateKey,
  getPublicKey,
  privateKeyFromMnemonic,
  pubkeyToAddress,
} from '@decai/crypto'
import {
  type ChainClient,
  createChainClient,
  createPrivateKeySigner,
  createSigningChainClient,
  type SigningChainClient,
} from '../../src/index.js'

export type BackendKind = 'devnet' | 'pocketd'

export type Backend = {
  kind: BackendKind
  rpcUrl: string
  client: ChainClient
  /** Gas price every test client pays. */
  gasPrice: string
  /** A funded key that pays for the test accounts. */
  faucetKey: Uint8Array
  /** Genesis accounts by name (`validator`, `dao`, ...), when the suite started the chain. */
  accounts: ReadonlyMap<string, string>
  /** The genesis params the suite started the chain with (undefined for a node started elsewhere). */
  genesisParams: SuiteParams | undefined
  /** Restarts the node from its store (undefined for a node started elsewhere). */
  restart: (() => Promise<void>) | undefined
  stop: () => Promise<void>
}

/** Genesis params per module, proto JSON with snake_case names (what pocketd's genesis holds). */
export type SuiteParams = Record<string, Record<string, unknown>>

/**
 * The genesis params both backends start from, over their shared defaults: poktroll's own
 * session and window lengths (the defaults of both backends are shorter). At 200-300 ms blocks
 * a window lasts about a second, room enough for a test step.
 */
export const SUITE_PARAMS: SuiteParams = {
  shared: {
    num_blocks_per_session: '10',
    grace_period_end_offset_blocks: '1',
    claim_window_open_offset_blocks: '1',
    claim_window_close_offset_blocks: '4',
    proof_window_open_offset_blocks: '0',
    proof_window_close_offset_blocks: '4',
    supplier_unbonding_period_sessions: '1',
    application_unbonding_period_sessions: '1',
  },
}

export function getBackendKind(): BackendKind {
  const kind = process.env['CHAIN_BACKEND'] ?? 'devnet'
  if (kind === 'devnet' || kind === 'pocketd') return kind
  throw new Error(`CHAIN_BACKEND must be devnet or pocketd, not ${kind}`)
}

export async function startBackend(kind: BackendKind = getBackendKind()): Promise<Backend> {
  if (kind === 'devnet') return startEmbeddedDevnet()
  if (process.env['POCKETD_RPC_URL']) return connectPocketd(process.env['POCKETD_RPC_URL'])
  return startLocalPocketd()
}

// --- pocketd ---------------------------------------------------------------------------------

/** A node started elsewhere (`pnpm pocketd start`, say). */
function connectPocketd(rpcUrl: string): Backend {
  const mnemonic = process.env['POCKETD_MNEMONIC']
  if (!mnemonic) throw new Error('POCKETD_RPC_URL needs POCKETD_MNEMONIC (a funded key)')
  return {
    kind: 'pocketd',
    rpcUrl,
    client: createChainClient({ rpcUrl }),
    gasPrice: process.env['POCKETD_GAS_PRICE'] ?? '0upokt',
    faucetKey: privateKeyFromMnemonic(mnemonic),
    accounts: new Map(),
    genesisParams: undefined,
    restart: undefined,
    stop: async () => {},
  }
}

async function startLocalPocketd(): Promise<Backend> {
  const { startPocketd } = await import('../../../../tools/pocketd/localnet.mjs')
  const home = mkdtempSync(join(tmpdir(), 'decai-chain-it-pocketd-'))
  const port = Number(process.env['POCKETD_PORT'] ?? (await findFreePorts(4)))
  const blockTime = process.env['POCKETD_BLOCK_TIME'] ?? '200ms'
  let node: Awaited<ReturnType<typeof startPocketd>>
  try {
    node = await startPocketd({ port, home, blockTime, params: SUITE_PARAMS })
  } catch (error) {
    rmSync(home, { recursive: true, force: true })
    throw error
  }
  const faucet = node.accounts.find((a) => a.name === 'faucet')
  if (!faucet) throw new Error('the pocketd localnet has no faucet account')
  return {
    kind: 'pocketd',
    rpcUrl: node.rpcUrl,
    client: createChainClient({ rpcUrl: node.rpcUrl }),
    gasPrice: '0upokt',
    faucetKey: hexToBytes(faucet.privateKey),
    accounts: new Map(node.accounts.map((a) => [a.name, a.address])),
    genesisParams: SUITE_PARAMS,
    // The node keeps its chain in its home: stopped and started again, it carries on.
    restart: async () => {
      await node.stop()
      node = await startPocketd({ port, home, build: false })
    },
    stop: async () => {
      await node.stop()
      rmSync(home, { recursive: true, force: true })
    },
  }
}

/** A base port with `count` free ports from it (pocketd listens on RPC, P2P, gRPC and REST). */
async function findFreePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000)
    const ports = Array.from({ length: count }, (_, i) => base + i)
    if ((await Promise.all(ports.map(isPortFree))).every(Boolean)) return base
  }
  throw new Error(`no ${count} consecutive free ports found`)
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

// --- devnet ----------------------------------------------------------------------------------

// What these tests use of the devnet's handle (`startDevnet` from @decai/devnet).
type DevnetHandle = {
  rpcUrl: string
  accounts: readonly { name: string; address: string; privateKey?: string; mnemonic?: string }[]
  stop(): Promise<void>
}
type StartDevnet = (options: {
  config?: { params?: SuiteParams }
  port?: number
  blockTimeMs?: number
  dataDir?: string
  resultsLagMs?: number
  onError?: (error: unknown) => void
}) => Promise<DevnetHandle>

/** An embedded devnet with the suite's params (in a temporary store, so it can restart). */
export async function startEmbeddedDevnet(): Promise<Backend> {
  const { startDevnet } = (await import('@decai/devnet')) as { startDevnet?: StartDevnet }
  if (!startDevnet) throw new Error('@decai/devnet does not export startDevnet')
  const dataDir = mkdtempSync(join(tmpdir(), 'decai-chain-it-'))
  // Blocks on a short timer: transactions are included while the tests wait, as on a chain.
  const blockTimeMs = Number(process.env['DEVNET_BLOCK_TIME_MS'] ?? 200)
  const options = {
    config: { params: SUITE_PARAMS },
    blockTimeMs,
    dataDir,
    // pocketd reports a block before its results exist; so does this devnet, for a moment.
    resultsLagMs: Math.floor(blockTimeMs / 2),
  }
  let handle = await startDevnet({ ...options, port: 0 })
  const faucet = handle.accounts.find((a) => a.name === 'faucet') ?? handle.accounts[0]
  if (!faucet) throw new Error('the devnet has no funded account')
  const backend: Backend = {
    kind: 'devnet',
    rpcUrl: handle.rpcUrl,
    client: createChainClient({ rpcUrl: handle.rpcUrl }),
    gasPrice: '0upokt',
    faucetKey: toPrivateKey(faucet),
    accounts: new Map(handle.accounts.map((a) => [a.name, a.address])),
    genesisParams: SUITE_PARAMS,
    restart: async () => {
      await handle.stop()
      handle = await startDevnet({ ...options, port: Number(new URL(backend.rpcUrl).port) })
    },
    stop: async () => {
      await handle.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return backend
}

function toPrivateKey(account: DevnetHandle['accounts'][number]): Uint8Array {
  if (account.privateKey) return hexToBytes(account.privateKey)
  if (account.mnemonic) return privateKeyFromMnemonic(account.mnemonic)
  throw new Error('the devnet account has no key')
}

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.replace(/^0x/, '').match(/../g)!, (b) => Number.parseInt(b, 16))
}

// --- test accounts ---------------------------------------------------------------------------

/** A test account: its key, address and signing client. */
export type Actor = {
  name: string
  key: Uint8Array
  address: string
  client: SigningChainClient
}

/**
 * Fresh accounts funded from the faucet (one transaction per account, sent at once), with new
 * random keys, or with `keys` when a test needs the same accounts on both backends.
 */
export async function createActors<Name extends string>(
  backend: Backend,
  funding: Record<Name, bigint>,
  keys?: Record<Name, Uint8Array>,
): Promise<Record<Name, Actor>> {
  const faucet = await createSigningChainClient({
    rpcUrl: backend.rpcUrl,
    signer: createPrivateKeySigner(backend.faucetKey),
    gasPrice: backend.gasPrice,
  })
  const entries = Object.entries(funding) as [Name, bigint][]
  const actorKeys = entries.map(([name]) => keys?.[name] ?? generatePrivateKey())
  await Promise.all(
    entries.map(([, amount], i) =>
      faucet.sendTokens({ toAddress: pubkeyToAddress(getPublicKey(actorKeys[i]!)), amount }),
    ),
  )
  const actors = await Promise.all(
    entries.map(async ([name], i) => {
      const key = actorKeys[i]!
      const client = await createSigningChainClient({
        rpcUrl: backend.rpcUrl,
        signer: createPrivateKeySigner(key),
        gasPrice: backend.gasPrice,
        pollingInterval: 100,
      })
      return [name, { name, key, address: client.address, client }] as const
    }),
  )
  return Object.fromEntries(actors) as unknown as Record<Name, Actor>
}
