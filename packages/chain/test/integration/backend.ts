// Which chain the integration suite drives: the embedded devnet (default) or a real pocketd
// (`CHAIN_BACKEND=pocketd POCKETD_RPC_URL=http://… POCKETD_MNEMONIC="…"`). The tests only ever
// talk to it through @decai/chain; the backend only starts, stops and restarts it.
import { mkdtempSync, rmSync } from 'node:fs'
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

export type Backend = {
  kind: 'devnet' | 'pocketd'
  rpcUrl: string
  client: ChainClient
  /** Gas price every test client pays. */
  gasPrice: string
  /** A funded key that pays for the test accounts. */
  faucetKey: Uint8Array
  /** Restarts the node from its store (devnet only). */
  restart?: () => Promise<void>
  stop: () => Promise<void>
}

export async function startBackend(): Promise<Backend> {
  const kind = process.env['CHAIN_BACKEND'] ?? 'devnet'
  if (kind === 'pocketd') return connectPocketd()
  if (kind === 'devnet') return startEmbeddedDevnet()
  throw new Error(`CHAIN_BACKEND must be devnet or pocketd, not ${kind}`)
}

async function connectPocketd(): Promise<Backend> {
  const rpcUrl = process.env['POCKETD_RPC_URL']
  const mnemonic = process.env['POCKETD_MNEMONIC']
  if (!rpcUrl || !mnemonic) {
    throw new Error(
      'CHAIN_BACKEND=pocketd needs POCKETD_RPC_URL and POCKETD_MNEMONIC (a funded key)',
    )
  }
  return {
    kind: 'pocketd',
    rpcUrl,
    client: createChainClient({ rpcUrl }),
    gasPrice: process.env['POCKETD_GAS_PRICE'] ?? '1upokt',
    faucetKey: privateKeyFromMnemonic(mnemonic),
    stop: async () => {},
  }
}

// What these tests use of the devnet's handle (`startDevnet` from @decai/devnet).
type DevnetHandle = {
  rpcUrl: string
  accounts: readonly { name: string; address: string; privateKey?: string; mnemonic?: string }[]
  stop(): Promise<void>
}
type StartDevnet = (options: {
  config?: { params?: Record<string, Record<string, unknown>> }
  port?: number
  blockTimeMs?: number
  dataDir?: string
  onError?: (error: unknown) => void
}) => Promise<DevnetHandle>

// poktroll's default session and window lengths (the devnet's own defaults are shorter): at
// 200 ms blocks a window lasts most of a second, room enough for a test step.
const devnetConfig = {
  params: {
    shared: {
      numBlocksPerSession: '10',
      gracePeriodEndOffsetBlocks: '1',
      claimWindowOpenOffsetBlocks: '1',
      claimWindowCloseOffsetBlocks: '4',
      proofWindowOpenOffsetBlocks: '0',
      proofWindowCloseOffsetBlocks: '4',
    },
  },
}

async function startEmbeddedDevnet(): Promise<Backend> {
  const { startDevnet } = (await import('@decai/devnet')) as { startDevnet?: StartDevnet }
  if (!startDevnet) throw new Error('@decai/devnet does not export startDevnet')
  const dataDir = mkdtempSync(join(tmpdir(), 'decai-chain-it-'))
  // Blocks on a short timer: transactions are included while the tests wait, as on a chain.
  const blockTimeMs = Number(process.env['DEVNET_BLOCK_TIME_MS'] ?? 200)
  let handle = await startDevnet({ config: devnetConfig, port: 0, blockTimeMs, dataDir })
  const faucet = handle.accounts.find((a) => a.name === 'faucet') ?? handle.accounts[0]
  if (!faucet) throw new Error('the devnet has no funded account')
  const backend: Backend = {
    kind: 'devnet',
    rpcUrl: handle.rpcUrl,
    client: createChainClient({ rpcUrl: handle.rpcUrl }),
    gasPrice: '0upokt',
    faucetKey: toPrivateKey(faucet),
    restart: async () => {
      await handle.stop()
      const port = Number(new URL(backend.rpcUrl).port)
      handle = await startDevnet({ config: devnetConfig, port, blockTimeMs, dataDir })
    },
    stop: async () => {
      await handle.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return backend
}

function toPrivateKey(account: DevnetHandle['accounts'][number]): Uint8Array {
  if (account.privateKey) {
    return Uint8Array.from(account.privateKey.replace(/^0x/, '').match(/../g)!, (b) =>
      Number.parseInt(b, 16),
    )
  }
  if (account.mnemonic) return privateKeyFromMnemonic(account.mnemonic)
  throw new Error('the devnet account has no key')
}

/** A test account: its key, address and signing client. */
export type Actor = {
  name: string
  key: Uint8Array
  address: string
  client: SigningChainClient
}

/** Fresh accounts funded from the faucet (one transaction per account, sent at once). */
export async function createActors<Name extends string>(
  backend: Backend,
  funding: Record<Name, bigint>,
): Promise<Record<Name, Actor>> {
  const faucet = await createSigningChainClient({
    rpcUrl: backend.rpcUrl,
    signer: createPrivateKeySigner(backend.faucetKey),
    gasPrice: backend.gasPrice,
  })
  const entries = Object.entries(funding) as [Name, bigint][]
  const keys = entries.map(() => generatePrivateKey())
  await Promise.all(
    entries.map(([, amount], i) =>
      faucet.sendTokens({ toAddress: pubkeyToAddress(getPublicKey(keys[i]!)), amount }),
    ),
  )
  const actors = await Promise.all(
    entries.map(async ([name], i) => {
      const key = keys[i]!
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
