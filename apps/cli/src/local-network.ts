// The whole network on one machine (`pnpm start`): the devnet, a service owned by a champion
// account, suppliers each in front of their own LLM server, a gateway, all staked at genesis so
// the first session already has them. State lives in the data directory; a restart resumes it.
//
// The apps (supplier, gateway, LLM server) are passed in by scripts/start.mjs rather than
// imported, so this package needs no dependency on them.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLogger, type Logger } from '@decai/app-kit/logger'
import type { ClaimSettlement } from '@decai/chain'
import { describeError } from '@decai/core'
import { privateKeyToHex } from '@decai/crypto'
import {
  type Devnet,
  type DevnetConfig,
  defaultAccounts,
  deriveKey,
  isDevnetError,
  startDevnet,
  TEST_MNEMONIC,
  testKeyPath,
} from '@decai/devnet'
import type { NetworkInfo } from './context.js'
import { CliError } from './errors.js'
import { openKeyring } from './keyring.js'
import { formatPokt } from './output.js'

export const LOCAL_SERVICE_ID = 'llm'
export const LOCAL_MODEL = 'smollm2-135m-instruct'
/** The context window each local LLM server gives the model (the gateway shows it in /v1/models). */
export const LOCAL_CONTEXT_SIZE = 2048
/**
 * Browser pages of any origin may call the local network (the RPC, the suppliers, the gateway):
 * it runs on this machine with public TEST keys. Production configs list their origins.
 */
const LOCAL_CORS_ORIGINS = ['*']

/** What `startLocalNetwork` needs of `@decai/llm-server` (ensureModel, getModelInfo, startLlmServer). */
export type LlmServerModule = {
  ensureModel(options?: { log?: (line: string) => void }): Promise<string>
  /** The pinned model's SHA-256 (the watcher checks its reference file against it). */
  getModelInfo(): Promise<{ sha256: string }>
  startLlmServer(options: {
    port?: number
    modelPath?: string
    threads?: number
    contextSize?: number
    parallel?: number
    embeddings?: boolean
  }): Promise<{ url: string; stop(): Promise<void> }>
}

/** What it needs of `@decai/watcher`. */
export type WatcherModule = {
  startWatcher(
    config: Record<string, unknown>,
    options?: { logger?: Logger },
  ): Promise<{ url: string; address: string; stop(): Promise<void> }>
}

/** What it needs of `@decai/supplier`. */
export type SupplierModule = {
  startSupplier(
    config: Record<string, unknown>,
    options?: { logger?: Logger },
  ): Promise<{
    url: string
    metricsUrl?: string | undefined
    operatorAddress: string
    listSessions(): SessionLike[]
    stop(): Promise<void>
  }>
}

/** What it needs of `@decai/gateway`. */
export type GatewayModule = {
  startGateway(
    config: Record<string, unknown>,
    options?: { logger?: Logger },
  ): Promise<{
    url: string
    baseUrl: string
    address: string
    createApiKey(parameters?: { name?: string }): Promise<{ key: string }>
    keys: { authenticate(key: string): Promise<unknown> }
    stop(): Promise<void>
  }>
}

export type LocalNetworkOptions = {
  /** Where everything is kept (absolute): network.json, keys/, state/, logs/. */
  dataDir: string
  /** Devnet RPC port (default 26657). */
  rpcPort?: number
  /** Devnet gRPC port (default 9090 beside the default RPC port, else a free one). */
  grpcPort?: number
  /** Gateway port (default 3069). */
  gatewayPort?: number
  /** First supplier port; supplier i listens on `supplierPort + i` (default 3071). */
  supplierPort?: number
  /** Number of suppliers, 1 to 4 (default 2). */
  suppliers?: number
  /** Milliseconds between blocks (default 1000). */
  blockTimeMs?: number
  /** Delete the state first and start again from genesis. */
  reset?: boolean
  llm: LlmServerModule
  supplier: SupplierModule
  gateway: GatewayModule
  /** A watcher probing the suppliers, followed by the gateway (optional). */
  watcher?: WatcherModule
  /** Watcher port (default 3070). */
  watcherPort?: number
  /** Progress and status lines (default: stdout). */
  print?: (line: string) => void
}

export type LocalNetwork = {
  info: NetworkInfo
  devnet: Devnet
  /** Milliseconds from the call to the first verified completion through the gateway. */
  readyMs: number
  stop(): Promise<void>
}

const SUPPLIER_NAMES = ['supplier1', 'supplier2', 'supplier3', 'supplier4']

/** The genesis: the devnet's TEST accounts plus a champion and spare suppliers, and every stake. */
export function localGenesis(parameters: {
  rpcPort: number
  grpcPort?: number | undefined
  blockTimeMs: number
  supplierUrls: string[]
}): DevnetConfig {
  const pokt = 1_000_000n
  return {
    chainId: 'pocket',
    blockTimeMs: parameters.blockTimeMs,
    rpc: { host: '127.0.0.1', port: parameters.rpcPort, corsAllowedOrigins: LOCAL_CORS_ORIGINS },
    ...(parameters.grpcPort === undefined ? {} : { grpc: { port: parameters.grpcPort } }),
    accounts: [
      ...defaultAccounts,
      { name: 'champion', index: 10, balance: 1_000n * pokt },
      { name: 'supplier3', index: 11, balance: 1_000_000n * pokt },
      { name: 'supplier4', index: 12, balance: 1_000_000n * pokt },
      { name: 'watcher', index: 13, balance: 1_000_000n * pokt },
    ],
    params: {
      // poktroll's default session and windows: a claim settles about 20 blocks after its
      // session starts, so within half a minute at 1 s blocks.
      shared: {
        numBlocksPerSession: '10',
        gracePeriodEndOffsetBlocks: '1',
        claimWindowOpenOffsetBlocks: '1',
        claimWindowCloseOffsetBlocks: '4',
        proofWindowOpenOffsetBlocks: '0',
        proofWindowCloseOffsetBlocks: '4',
      },
    },
    services: [
      {
        id: LOCAL_SERVICE_ID,
        name: 'SmolLM2 135M Instruct',
        computeUnitsPerRelay: 1,
        owner: 'champion',
      },
    ],
    // The watcher is a second gateway the application delegates to: its probes are signed by a
    // member of the same ring as the gateway's relays.
    gateways: [
      { address: 'gateway', stake: '1000000000' },
      { address: 'watcher', stake: '1000000000' },
    ],
    applications: [
      {
        address: 'application',
        stake: '1000000000',
        serviceId: LOCAL_SERVICE_ID,
        gateways: ['gateway', 'watcher'],
      },
    ],
    suppliers: parameters.supplierUrls.map((url, i) => ({
      owner: SUPPLIER_NAMES[i]!,
      stake: '2000000',
      services: [{ serviceId: LOCAL_SERVICE_ID, url, rpcType: 'REST' }],
    })),
  }
}

type Stoppable = { name: string; stop(): Promise<void> }

/**
 * Starts the local network and resolves once a real completion has gone through the gateway.
 * The returned `stop` shuts everything down in reverse order; state stays in `dataDir`.
 */
export async function startLocalNetwork(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const started = Date.now()
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`))
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`
  const dataDir = options.dataDir
  const stateDir = join(dataDir, 'state')
  const logDir = join(dataDir, 'logs')
  const count = options.suppliers ?? 2
  if (!Number.isInteger(count) || count < 1 || count > SUPPLIER_NAMES.length)
    throw new CliError('USAGE', `Between 1 and ${SUPPLIER_NAMES.length} suppliers.`)
  const rpcPort = options.rpcPort ?? 26657
  const gatewayPort = options.gatewayPort ?? 3069
  const supplierPort = options.supplierPort ?? 3071
  const blockTimeMs = options.blockTimeMs ?? 1000
  if (options.reset) rmSync(stateDir, { recursive: true, force: true })
  mkdirSync(stateDir, { recursive: true })
  mkdirSync(logDir, { recursive: true })

  const running: Stoppable[] = []
  const stopAll = async () => {
    for (const part of running.reverse()) {
      try {
        await part.stop()
      } catch (error) {
        print(`warning: stopping ${part.name} failed: ${describeError(error)}`)
      }
    }
    running.length = 0
  }

  try {
    // 1. The model, fetched once into .decai/models (the first start downloads ~100 MB).
    const modelPromise = options.llm.ensureModel({ log: (line) => print(`  model: ${line}`) })

    // 2. The chain, from its store or from genesis.
    const supplierUrls = SUPPLIER_NAMES.slice(0, count).map(
      (_, i) => `http://127.0.0.1:${supplierPort + i}`,
    )
    let devnet: Devnet
    try {
      devnet = await startDevnet({
        config: localGenesis({ rpcPort, grpcPort: options.grpcPort, blockTimeMs, supplierUrls }),
        dataDir: join(stateDir, 'devnet'),
        onError: (error) => print(`devnet: ${describeError(error)}`),
      })
    } catch (error) {
      if (isDevnetError(error) && error.code === 'INVALID_STORE')
        throw new CliError('USAGE', 'The saved chain was made with other settings.', {
          details: `${join(stateDir, 'devnet')}: start again with --reset (this deletes the local chain)`,
          cause: error,
        })
      throw error
    }
    running.push({ name: 'devnet', stop: () => devnet.stop() })
    print(
      `devnet      ${devnet.rpcUrl}  gRPC ${devnet.grpcAddress}  (height ${devnet.height}, a block every ${blockTimeMs} ms)  [${elapsed()}]`,
    )

    const account = (name: string) => {
      const found = devnet.accounts.find((a) => a.name === name)
      if (!found?.privateKey) throw new Error(`no devnet account ${name}`)
      return { address: found.address, privateKey: found.privateKey }
    }
    saveTestKeys(dataDir, ['champion', 'application', 'gateway', ...SUPPLIER_NAMES.slice(0, count)])

    // 3. One LLM server per supplier (one thread each), then the suppliers.
    const modelPath = await modelPromise
    const backends = await Promise.all(
      supplierUrls.map(() =>
        options.llm.startLlmServer({
          port: 0,
          modelPath,
          threads: 1,
          contextSize: LOCAL_CONTEXT_SIZE,
          parallel: 2,
          embeddings: false,
        }),
      ),
    )
    for (const [i, backend] of backends.entries())
      running.push({ name: `llm-server ${i + 1}`, stop: () => backend.stop() })
    print(
      `models      ${backends.length} × ${LOCAL_MODEL} (llama.cpp, 1 thread each)  [${elapsed()}]`,
    )

    const suppliers = []
    for (const [i, url] of supplierUrls.entries()) {
      const name = SUPPLIER_NAMES[i]!
      const key = account(name)
      const logger = createLogger({
        level: 'info',
        write: appendLog(join(logDir, `${name}.log`)),
      })
      const supplier = await options.supplier.startSupplier(
        {
          operator: { privateKey: key.privateKey, address: key.address },
          chain: { rpcUrl: devnet.rpcUrl, gasPrice: '0upokt', pollingInterval: '500ms' },
          listenAddress: new URL(url).host,
          // docs/supplier.md's /metrics, /healthz, /usage and /sessions, on a free port
          // (network.json and the banner name it).
          metricsAddress: '127.0.0.1:0',
          cors: { allowedOrigins: LOCAL_CORS_ORIGINS },
          storage: { dir: join(stateDir, name) },
          services: [{ id: LOCAL_SERVICE_ID, backendUrl: backends[i]!.url, timeout: '120s' }],
          log: { level: 'info' },
        },
        { logger },
      )
      running.push({ name, stop: () => supplier.stop() })
      suppliers.push({ name, supplier, backendUrl: backends[i]!.url })
      print(
        `${name.padEnd(11)} ${supplier.url}  ${supplier.operatorAddress}  → ${backends[i]!.url}  (metrics ${supplier.metricsUrl})`,
      )
    }

    // 4. The watcher, with its own run of the model as the reference for its challenges.
    let watcher: { url: string; address: string } | undefined
    if (options.watcher) {
      const reference = await options.llm.startLlmServer({
        port: 0,
        modelPath,
        threads: 1,
        contextSize: LOCAL_CONTEXT_SIZE,
        parallel: 1,
        embeddings: false,
      })
      running.push({ name: 'watcher reference', stop: () => reference.stop() })
      const app = await options.watcher.startWatcher(
        {
          listen: { host: '127.0.0.1', port: options.watcherPort ?? 3070 },
          chain: { rpcUrl: devnet.rpcUrl, blockTransport: 'polling', pollingIntervalMs: 500 },
          watcher: { privateKey: account('watcher').privateKey },
          services: [
            {
              serviceId: LOCAL_SERVICE_ID,
              model: LOCAL_MODEL,
              reference: {
                url: reference.url,
                sha256: (await options.llm.getModelInfo()).sha256,
                modelFile: modelPath,
              },
            },
          ],
          // A probe a minute on average: a light load beside the user's own requests.
          schedule: { meanIntervalMs: 60_000 },
          store: { path: join(stateDir, 'watcher.sqlite') },
          log: { level: 'info' },
        },
        { logger: createLogger({ level: 'info', write: appendLog(join(logDir, 'watcher.log')) }) },
      )
      running.push({ name: 'watcher', stop: () => app.stop() })
      watcher = { url: app.url, address: app.address }
      print(`watcher     ${app.url}  ${app.address}  [${elapsed()}]`)
    }

    // 5. The gateway, with its API key (kept across restarts).
    const gatewayKey = account('gateway')
    const gateway = await options.gateway.startGateway(
      {
        listen: { host: '127.0.0.1', port: gatewayPort },
        chain: { rpcUrl: devnet.rpcUrl, blockTransport: 'polling', pollingIntervalMs: 500 },
        gateway: { privateKey: gatewayKey.privateKey },
        models: [
          // llm-server gives one choice per request (`maxChoices`): `n: 2` is refused here, unpaid.
          {
            name: LOCAL_MODEL,
            serviceId: LOCAL_SERVICE_ID,
            endpoints: ['chat', 'completions'],
            contextLength: LOCAL_CONTEXT_SIZE,
            maxChoices: 1,
          },
        ],
        cors: { allowedOrigins: LOCAL_CORS_ORIGINS },
        discovery: { serviceCards: false },
        ...(watcher ? { watchers: { urls: [watcher.url] } } : {}),
        store: { path: join(stateDir, 'gateway.sqlite') },
        log: { level: 'info' },
      },
      {
        logger: createLogger({
          level: 'info',
          write: appendLog(join(logDir, 'gateway.log')),
        }),
      },
    )
    running.push({ name: 'gateway', stop: () => gateway.stop() })
    const previous = readPreviousInfo(dataDir)
    const apiKey =
      previous?.gateway.apiKey !== undefined &&
      (await gateway.keys.authenticate(previous.gateway.apiKey))
        ? previous.gateway.apiKey
        : (await gateway.createApiKey({ name: 'local network' })).key
    print(`gateway     ${gateway.baseUrl}  ${gateway.address}  [${elapsed()}]`)

    const info: NetworkInfo = {
      version: 1,
      chainId: devnet.chainId,
      rpcUrl: devnet.rpcUrl,
      grpcAddress: devnet.grpcAddress,
      serviceId: LOCAL_SERVICE_ID,
      model: LOCAL_MODEL,
      dataDir,
      gateway: { url: gateway.url, baseUrl: gateway.baseUrl, address: gateway.address, apiKey },
      ...(watcher ? { watcher } : {}),
      application: { name: 'application', address: account('application').address },
      champion: { name: 'champion', address: account('champion').address },
      suppliers: suppliers.map((s) => ({
        name: s.name,
        operatorAddress: s.supplier.operatorAddress,
        url: s.supplier.url,
        ...(s.supplier.metricsUrl ? { metricsUrl: s.supplier.metricsUrl } : {}),
        backendUrl: s.backendUrl,
      })),
      startedAt: new Date(started).toISOString(),
    }
    writeFileSync(join(dataDir, 'network.json'), `${JSON.stringify(info, null, 2)}\n`)

    // 6. Ready means a real completion has come back through the gateway.
    await waitForCompletion(info, print)
    const readyMs = Date.now() - started
    const activity = watchNetwork(devnet, info, suppliers, print)
    return {
      info,
      devnet,
      readyMs,
      async stop() {
        activity.stop()
        await stopAll()
      },
    }
  } catch (error) {
    await stopAll()
    throw error
  }
}

/** The TEST keys of the network's actors, in the keyring the CLI finds next to network.json. */
function saveTestKeys(dataDir: string, names: string[]): void {
  const keyring = openKeyring(dataDir)
  const indexOf = new Map<string, number>([
    ...defaultAccounts.map((a) => [a.name, a.index!] as [string, number]),
    ['champion', 10],
    ['supplier3', 11],
    ['supplier4', 12],
  ])
  for (const name of names) {
    if (keyring.has(name)) continue
    const index = indexOf.get(name)!
    keyring.add({
      name,
      privateKey: privateKeyToHex(deriveKey(TEST_MNEMONIC, index).privateKey),
      mnemonic: TEST_MNEMONIC,
      hdPath: testKeyPath(index),
      test: true,
    })
  }
}

function readPreviousInfo(dataDir: string): NetworkInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, 'network.json'), 'utf8')) as NetworkInfo
  } catch {
    return undefined
  }
}

function appendLog(path: string): (line: string) => void {
  writeFileSync(path, '', { flag: 'a' })
  return (line) => writeFileSync(path, `${line}\n`, { flag: 'a' })
}

/** Sends a one-token completion through the gateway until one succeeds (at most 90 s). */
async function waitForCompletion(info: NetworkInfo, print: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 90_000
  let last = ''
  for (;;) {
    try {
      const response = await fetch(`${info.gateway.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${info.gateway.apiKey}`,
        },
        body: JSON.stringify({
          model: info.model,
          messages: [{ role: 'user', content: 'Say hi.' }],
          max_tokens: 1,
        }),
        signal: AbortSignal.timeout(30_000),
      })
      if (response.ok) return
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`
    } catch (error) {
      last = describeError(error)
    }
    if (Date.now() > deadline)
      throw new CliError('TIMEOUT', 'The gateway did not answer a first completion.', {
        details: last,
      })
    print(`  waiting for the first completion through the gateway (${last})…`)
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
}

/**
 * Prints what happens on the network as it happens: relays served and mined per session,
 * claims and proofs, settlements and the champion's share.
 */
function watchNetwork(
  devnet: Devnet,
  info: NetworkInfo,
  suppliers: { name: string; supplier: { listSessions(): SessionLike[] } }[],
  print: (line: string) => void,
): { stop(): void } {
  const seen = new Map<string, string>()
  let scanned = devnet.height
  const chain = import('@decai/chain').then(({ createChainClient }) =>
    createChainClient({ rpcUrl: info.rpcUrl }),
  )
  let busy = false
  const onBlock = async () => {
    if (busy) return
    busy = true
    try {
      for (const { name, supplier } of suppliers) {
        for (const s of supplier.listSessions()) {
          const key = `${name}/${s.sessionId}`
          const summary = `${s.state}/${s.relaysMined}`
          if (seen.get(key) === summary) continue
          const before = seen.get(key)
          seen.set(key, summary)
          if (before === undefined && s.relaysServed === 0) continue
          // Settlements are reported from the chain's events below.
          const note =
            {
              claimed: `claimed ${s.relaysMined} mined relays (${s.relaysServed} served)`,
              proof_not_required: 'no proof required',
              proved: 'proof submitted',
            }[s.state] ?? (quietStates.has(s.state) ? undefined : s.state)
          if (note !== undefined)
            print(`[height ${devnet.height}] ${name}: session ${s.sessionId.slice(0, 10)}… ${note}`)
        }
      }
      const height = devnet.height
      if (height > scanned) {
        const settled: ClaimSettlement[] = await (await chain).getClaimSettlements({
          fromHeight: scanned + 1n,
          toHeight: height,
          serviceId: info.serviceId,
        })
        scanned = height
        for (const s of settled) {
          const owner = s.rewards
            .filter((r) => r.role === 'sourceOwner' && r.recipient === info.champion.address)
            .reduce((sum, r) => sum + r.amount, 0n)
          const supplierName =
            info.suppliers.find((x) => x.operatorAddress === s.supplierOperatorAddress)?.name ??
            s.supplierOperatorAddress
          print(
            s.status === 'settled'
              ? `[height ${s.height}] claim settled: ${supplierName}, ${s.numRelays} relays, ${formatPokt(s.settledUpokt)}; champion +${formatPokt(owner)}`
              : `[height ${s.height}] claim expired: ${supplierName} (${s.expirationReason})`,
          )
        }
      }
    } catch {
      // A read that fails now is retried on the next block.
    } finally {
      busy = false
    }
  }
  const listener = () => void onBlock()
  devnet.node.on('block', listener)
  return { stop: () => devnet.node.off('block', listener) }
}

const quietStates = new Set(['open', 'claiming', 'proving', 'settled', 'empty'])

/** What the watcher reads of a supplier's session records. */
type SessionLike = {
  sessionId: string
  state: string
  relaysServed: number
  relaysMined: number
}
