import { availableParallelism } from 'node:os'
import { createLogger, type Logger } from '@decai/app-kit/logger'
import { type DirectRoute, serveAhead } from '@decai/app-kit/node-http'
import { type RunningServer, splitHostPort, startServer } from '@decai/app-kit/server'
import { createChainClient, createPrivateKeySigner, createSigningChainClient } from '@decai/chain'
import type { Service } from '@decai/protocol'
import { isSameMetering, readServiceCardMetering, type TokenMetering } from '@decai/session'
import { Hono } from 'hono'
import { createBackendAgent } from './backend.js'
import { createChainView } from './chain-view.js'
import {
  getOperatorKey,
  loadSupplierConfig,
  parseSupplierConfig,
  type SupplierConfig,
  type SupplierConfigInput,
} from './config.js'
import { SupplierError } from './errors.js'
import { createLifecycle } from './lifecycle.js'
import { createSupplierMetrics } from './metrics.js'
import { QuantaLedger } from './quanta-ledger.js'
import { RelayMeter } from './rate-limit.js'
import { createRelayListener } from './relay-http.js'
import { createRelayApp, type RelayServerContext, type ServedService } from './relay-server.js'
import {
  openSessionStore,
  type SessionRecord,
  type SessionState,
  terminalStates,
} from './session-store.js'
import { createVerifyPool } from './verify-pool.js'

/** What an application consumed from this supplier (`/usage`). */
export type ApplicationUsage = {
  applicationAddress: string
  serviceId: string
  sessions: number
  relaysServed: number
  relaysMined: number
  promptTokens: number
  completionTokens: number
}

/** Sums the sessions' metering per application and service. */
export function summarizeUsage(sessions: readonly SessionRecord[]): ApplicationUsage[] {
  const byApp = new Map<string, ApplicationUsage>()
  for (const s of sessions) {
    const key = `${s.applicationAddress}|${s.serviceId}`
    const u = byApp.get(key) ?? {
      applicationAddress: s.applicationAddress,
      serviceId: s.serviceId,
      sessions: 0,
      relaysServed: 0,
      relaysMined: 0,
      promptTokens: 0,
      completionTokens: 0,
    }
    u.sessions++
    u.relaysServed += s.relaysServed
    u.relaysMined += s.relaysMined
    u.promptTokens += s.promptTokens
    u.completionTokens += s.completionTokens
    byApp.set(key, u)
  }
  return [...byApp.values()]
}

export type StartSupplierOptions = {
  /** Where structured logs go (default: JSON lines on stdout at the config's level). */
  logger?: Logger
}

/** A running supplier. */
export type Supplier = {
  /** The relay endpoint (stake this URL on chain): POST a serialized `RelayRequest` to it. */
  readonly url: string
  /** Origin of `/metrics`, `/healthz`, `/usage` and `/sessions`; undefined when turned off. */
  readonly metricsUrl: string | undefined
  /** The operator address relays are signed as (and claims sent from). */
  readonly operatorAddress: string
  /** The operator's compressed public key (what clients verify responses with). */
  readonly publicKey: Uint8Array
  /** The validated config, defaults applied. */
  readonly config: SupplierConfig
  /** The latest block height seen. */
  readonly height: bigint
  /** Whether claim/proof steps are in progress (possibly waiting for a block to include them). */
  readonly busy: boolean
  /** Every session on record (lifecycle state, root, metering). */
  listSessions(): SessionRecord[]
  /** One session's record. */
  getSession(sessionId: string): SessionRecord | undefined
  /**
   * The relay stored under `relayHash` in a session's trie (its serialized `Relay`), while the
   * trie exists (until the session settles or fails).
   */
  getMinedRelay(sessionId: string, relayHash: Uint8Array): Uint8Array | undefined
  /** Token metering per application: relays served and tokens, over the sessions on record. */
  getUsage(): ApplicationUsage[]
  /** The Prometheus text of `/metrics`. */
  renderMetrics(): Promise<string>
  /** Resolves once the claim/proof steps started so far have finished. */
  idle(): Promise<void>
  /** Stops serving, finishes lifecycle steps in flight (bounded), closes the store. Idempotent. */
  stop(): Promise<void>
}

/** Serves `app` on a `host:port` listen address; `LISTEN_FAILED` if it cannot bind. */
async function listen(app: Hono, address: string, direct?: DirectRoute): Promise<RunningServer> {
  try {
    const server = await startServer({ fetch: app.fetch, ...splitHostPort(address) })
    if (direct) serveAhead(server.server, direct)
    return server
  } catch (cause) {
    throw new SupplierError('LISTEN_FAILED', `Cannot listen on ${address}.`, {
      cause,
    })
  }
}

/** Warns (does not refuse) when the chain will not route this supplier the configured services. */
async function checkStake(
  client: ReturnType<typeof createChainClient>,
  operatorAddress: string,
  config: SupplierConfig,
  logger: Logger,
): Promise<void> {
  try {
    const supplier = await client.getSupplier({ operatorAddress })
    const staked = new Set(supplier.services.map((s) => s.serviceId))
    const missing = config.services.map((s) => s.id).filter((id) => !staked.has(id))
    if (missing.length > 0)
      logger.warn('services configured here are not in the on-chain stake', { missing })
  } catch (error) {
    logger.warn('the operator is not a staked supplier: no session will include it', {
      operatorAddress,
      error,
    })
  }
}

/**
 * Checks each service's configured token metering against the one its card on chain declares
 * (`readServiceCardMetering`, the reader gateways use), so that supplier, gateways and chain
 * count the same quanta. A card that declares weights other than the config's (or declares them
 * while the config meters per request, or declares them malformed) is `TOKEN_METERING_MISMATCH`;
 * a metering supplier on a service whose card declares nothing, or a service that cannot be
 * read, is a warning: gateways then price by their own config.
 */
export async function checkTokenMetering(
  client: Pick<ReturnType<typeof createChainClient>, 'getService'>,
  config: Pick<SupplierConfig, 'services'>,
  logger: Logger,
): Promise<void> {
  for (const configured of config.services) {
    const mined = configured.tokenMetering && {
      quantum: configured.tokenMetering.quantum,
      inputWeight: configured.tokenMetering.inputWeight,
      outputWeight: configured.tokenMetering.outputWeight,
    }
    let service: Service
    try {
      service = await client.getService({ id: configured.id })
    } catch (error) {
      logger.warn('the service is not on chain: its token metering is unchecked', {
        service: configured.id,
        error,
      })
      continue
    }
    let declared: TokenMetering | undefined
    try {
      declared = readServiceCardMetering(service)
    } catch (cause) {
      throw new SupplierError(
        'TOKEN_METERING_MISMATCH',
        `The card of service ${configured.id} declares a malformed token_metering.`,
        { cause },
      )
    }
    if (declared === undefined) {
      if (mined)
        logger.warn(
          "the service's card declares no token metering: gateways may price per request",
          {
            service: configured.id,
            tokenMetering: mined,
          },
        )
      continue
    }
    if (!isSameMetering(declared, mined))
      throw new SupplierError(
        'TOKEN_METERING_MISMATCH',
        `Service ${configured.id}: the configured tokenMetering is not what its card declares.`,
        {
          details: `card ${JSON.stringify(declared)}, config ${mined ? JSON.stringify(mined) : 'none (one relay per request)'}`,
        },
      )
  }
}

/**
 * Starts a supplier: reads its config, connects to the chain, opens its storage, serves relays
 * and metrics, and follows blocks to claim and prove its sessions.
 *
 * @example
 * const supplier = await startSupplier({ configPath: 'supplier.yaml' })
 * // supplier.url: stake it as the service endpoint; gateways POST relays to it
 * await supplier.stop()
 */
export async function startSupplier(
  input: SupplierConfigInput | { configPath: string },
  options: StartSupplierOptions = {},
): Promise<Supplier> {
  const config =
    'configPath' in input ? loadSupplierConfig(input.configPath) : parseSupplierConfig(input)
  const logger = options.logger ?? createLogger({ level: config.log.level })
  const key = getOperatorKey(config)
  const operatorAddress = key.address

  const client = createChainClient({ rpcUrl: config.chain.rpcUrl })
  let height: bigint
  let signer: Awaited<ReturnType<typeof createSigningChainClient>>
  try {
    height = await client.getLatestHeight()
    signer = await createSigningChainClient({
      rpcUrl: config.chain.rpcUrl,
      signer: createPrivateKeySigner(key.privateKey),
      gasPrice: config.chain.gasPrice,
      pollingInterval: Math.min(250, config.chain.pollingInterval),
    })
  } catch (cause) {
    throw new SupplierError(
      'CHAIN_UNAVAILABLE',
      `Cannot reach the chain at ${config.chain.rpcUrl}.`,
      {
        cause,
      },
    )
  }
  // A key that is not the operator's (allowAddressMismatch) can neither sign valid responses
  // nor claim: serve anyway (to test clients against it), but leave the chain alone.
  const claims = key.keyAddress === operatorAddress
  if (!claims)
    logger.warn('the signing key is not the operator key: responses fail verification, no claims', {
      operator: operatorAddress,
      key: key.keyAddress,
    })

  await checkStake(client, operatorAddress, config, logger)
  await checkTokenMetering(client, config, logger)

  const metrics = createSupplierMetrics()
  const store = openSessionStore(config.storage.dir, {
    synchronous: config.storage.synchronous,
    onMeteringError: (error) => {
      metrics.errors.inc({ component: 'store' })
      logger.error('cannot record relay usage', { error })
    },
  })
  const chain = createChainView(client, height)
  const meter = new RelayMeter()
  const lifecycle = createLifecycle({
    store,
    chain,
    signer,
    operatorAddress,
    meter,
    metrics,
    logger,
    keepBlocks: config.sessions.keepBlocks,
  })
  const services = new Map<string, ServedService>(
    config.services.map((s) => [
      s.id,
      { config: s, agent: createBackendAgent(s.backendUrl, s.maxConcurrency) },
    ]),
  )
  const inFlight = { count: 0 }
  metrics.gauge('supplier_block_height', 'Latest block seen.', () => Number(chain.height))
  metrics.gauge('supplier_relays_in_flight', 'Relays being served.', () => inFlight.count)
  metrics.gauge(
    'supplier_sessions',
    'Sessions on record, by lifecycle state.',
    () => {
      const counts = new Map<SessionState, number>()
      for (const s of store.listSessions()) counts.set(s.state, (counts.get(s.state) ?? 0) + 1)
      return [...counts].map(([state, value]) => ({ labels: { state }, value }))
    },
    ['state'],
  )

  const workers = config.verifyWorkers ?? Math.max(0, Math.min(4, availableParallelism() - 2))
  const verifyPool =
    workers > 0
      ? createVerifyPool({
          size: workers,
          rpcUrl: config.chain.rpcUrl,
          height,
          operatorAddress,
          onError: (error) => {
            metrics.errors.inc({ component: 'verify_worker' })
            logger.error('a verification worker died', { error })
          },
        })
      : undefined

  metrics.gauge(
    'supplier_verify_workers',
    'Live verification worker threads.',
    () => verifyPool?.size ?? 0,
  )

  const relayContext: RelayServerContext = {
    operatorAddress,
    privateKey: key.privateKey,
    services,
    chain,
    store,
    meter,
    rateLimit: config.rateLimit.enabled,
    metrics,
    logger,
    isSealed: lifecycle.isSealed,
    verifyPool,
    inFlight,
    quanta: new QuantaLedger(),
    cors: config.cors,
  }
  const relayApp = createRelayApp(relayContext)

  let lastBlockAt = Date.now()
  const metricsApp = new Hono()
  metricsApp.get('/metrics', () => metrics.respond())
  metricsApp.get('/healthz', (c) =>
    c.json({
      status: 'ok',
      operatorAddress,
      height: chain.height.toString(),
      lastBlockAgeMs: Date.now() - lastBlockAt,
      relaysInFlight: inFlight.count,
      services: config.services.map((s) => s.id),
    }),
  )
  metricsApp.get('/usage', (c) => c.json(summarizeUsage(store.listSessions())))
  metricsApp.get('/sessions', (c) =>
    c.json(
      store.listSessions().map((s) => ({
        ...s,
        sessionStartHeight: s.sessionStartHeight.toString(),
        sessionEndHeight: s.sessionEndHeight.toString(),
        rootHash: s.rootHash ? Buffer.from(s.rootHash).toString('hex') : undefined,
        settledUpokt: s.settledUpokt?.toString(),
        updatedHeight: s.updatedHeight.toString(),
      })),
    ),
  )

  let relayServer: RunningServer | undefined
  let metricsServer: RunningServer | undefined
  try {
    // Whole answers on Node's server directly, streams and the GET routes through hono.
    relayServer = await listen(relayApp, config.listenAddress, createRelayListener(relayContext))
    if (config.metricsAddress !== false)
      metricsServer = await listen(metricsApp, config.metricsAddress)
  } catch (error) {
    if (relayServer) await relayServer.stop()
    for (const s of services.values()) s.agent.destroy()
    await verifyPool?.close()
    store.close()
    throw error
  }
  const relay = relayServer

  const unwatch = client.watchBlocks({
    fromHeight: height + 1n,
    transport: config.chain.blocks,
    pollingInterval: config.chain.pollingInterval,
    onBlock: (block) => {
      logger.debug('new block', { height: block.height })
      lastBlockAt = Date.now()
      chain.setHeight(block.height)
      verifyPool?.setHeight(block.height)
      if (claims) lifecycle.onBlock(block.height)
    },
    onError: (error) => {
      metrics.errors.inc({ component: 'blocks' })
      logger.debug('block watch error', { error })
    },
  })
  // Resume whatever a previous run left mid-way.
  if (claims) lifecycle.onBlock(height)
  logger.info('supplier started', {
    url: relay.url,
    metricsUrl: metricsServer?.url,
    operatorAddress,
    height,
    services: config.services.map((s) => ({ id: s.id, backendUrl: s.backendUrl })),
  })

  let stopping: Promise<void> | undefined
  return {
    url: relay.url,
    metricsUrl: metricsServer?.url,
    operatorAddress,
    publicKey: key.publicKey,
    config,
    get height() {
      return chain.height
    },
    get busy() {
      return lifecycle.busy
    },
    listSessions: () => store.listSessions(),
    getSession: (sessionId) => store.getSession(sessionId, operatorAddress),
    getMinedRelay: (sessionId, relayHash) => {
      const state = store.getSession(sessionId, operatorAddress)?.state
      if (state === undefined || terminalStates.includes(state)) return undefined
      return store.getRelay(operatorAddress, sessionId, relayHash)?.value
    },
    getUsage: () => summarizeUsage(store.listSessions()),
    renderMetrics: () => metrics.render(),
    idle: () => lifecycle.idle(),
    stop() {
      stopping ??= (async () => {
        unwatch()
        await Promise.all([relay.stop(), metricsServer?.stop()])
        // A claim or proof in flight may wait for a block; give it a moment, no more.
        await Promise.race([lifecycle.stop(), new Promise((r) => setTimeout(r, 5000).unref())])
        for (const s of services.values()) s.agent.destroy()
        await verifyPool?.close()
        store.close()
        logger.info('supplier stopped', { operatorAddress })
      })()
      return stopping
    },
  }
}
