import { ClaimAuditor, registerClaimAuditMetrics } from '@decai/app-kit/claim-auditor'
import { loadConfigKey } from '@decai/app-kit/config'
import { createLogger, type Logger } from '@decai/app-kit/logger'
import type { RunningServer } from '@decai/app-kit/server'
import { createChainClient } from '@decai/chain'
import { configureRingCache, createRingSigner } from '@decai/crypto'
import { ChainView } from './chain-view.js'
import {
  type GatewayConfig,
  type GatewayConfigInput,
  loadGatewayConfig,
  parseGatewayConfig,
} from './config.js'
import { startGatewayServer } from './gateway-server.js'
import type { ApiKeyRecord, CreateApiKeyParameters, KeyStore } from './key-store.js'
import { createGatewayMetrics, type GatewayMetrics } from './metrics.js'
import { ModelCatalog } from './models.js'
import { openKeyStore } from './open-key-store.js'
import { PostgresKeyStore } from './postgres-key-store.js'
import { PromptTokenCounter } from './prompt-tokens.js'
import { type KeyLimits, MemoryKeyLimits } from './rate-limiter.js'
import { RedisKeyLimits } from './redis-key-limits.js'
import { RedisSessionCache } from './redis-session-cache.js'
import { connectRedisState, type RedisState } from './redis-state.js'
import { RedisSupplierHealth } from './redis-supplier-health.js'
import { RelayExecutor } from './relay-executor.js'
import { SupplierRouter } from './supplier-router.js'
import { WatcherView } from './watcher-view.js'

/** Ring-signature nonces the gateway keeps prepared (its signer's `prepareAhead`). */
export const RING_NONCE_POOL = 16

export type StartGatewayOptions = {
  /** Replaces the JSON-lines logger built from `log.level`. */
  logger?: Logger
}

/** A running gateway. */
export type Gateway = {
  /** Origin, e.g. `http://127.0.0.1:3069`. */
  readonly url: string
  /** `${url}/v1`: the `baseURL` for OpenAI clients. */
  readonly baseUrl: string
  readonly port: number
  /** The gateway's on-chain address (its key signs relays for delegating applications). */
  readonly address: string
  readonly config: GatewayConfig
  /** Creates an API key; the secret (`key`) is returned only here. */
  createApiKey(parameters?: CreateApiKeyParameters): Promise<{ key: string; record: ApiKeyRecord }>
  revokeApiKey(id: string): Promise<ApiKeyRecord>
  readonly keys: KeyStore
  readonly metrics: GatewayMetrics
  readonly router: SupplierRouter
  readonly chain: ChainView
  /** The claim audit, when `claimAudit.applications` is set. */
  readonly claims: ClaimAuditor | undefined
  /** Stops accepting requests, ends streams in flight, closes the store. Idempotent. */
  stop(): Promise<void>
}

/**
 * Starts the gateway from a config object, or from a YAML/JSON file (`{ configPath }`), and
 * resolves once it listens and has read the chain (or logged why it could not).
 *
 * @example
 * const gateway = await startGateway({ gateway: { privateKey }, models: [{ name: 'smollm2-135m-instruct', serviceId: 'llm' }] })
 * const { key } = await gateway.createApiKey({ name: 'alice', rpm: 60 })
 * // new OpenAI({ baseURL: gateway.baseUrl, apiKey: key })
 */
export async function startGateway(
  input: GatewayConfigInput | { configPath: string },
  options: StartGatewayOptions = {},
): Promise<Gateway> {
  const config =
    'configPath' in input && typeof input.configPath === 'string'
      ? loadGatewayConfig(input.configPath)
      : parseGatewayConfig(input)
  const logger = options.logger ?? createLogger({ level: config.log.level })
  const { privateKey, publicKey, address } = loadConfigKey(config.gateway)
  // One ring per (application, session) in use, each needing a few tables for fast signing.
  configureRingCache({ maxTables: 256 })
  // A ring signature's message-independent half (its nonce and two constant-time point
  // multiplications) is made ahead, between requests, so that signing a relay once its supplier
  // is chosen runs only the part that needs the message (docs/gateway.md, "Signing and the
  // choice of supplier"). Under a burst the pool drains and signing costs what it did.
  const signer = createRingSigner(privateKey, { prepareAhead: RING_NONCE_POOL })

  const metrics = createGatewayMetrics()
  const client = createChainClient({ rpcUrl: config.chain.rpcUrl })
  const view = new ChainView({
    client,
    gatewayAddress: address,
    gatewayPublicKey: publicKey,
    applications: config.applications,
    blockTransport: config.chain.blockTransport,
    pollingIntervalMs: config.chain.pollingIntervalMs,
    refreshMs: config.discovery.refreshMs,
    logger,
    metrics,
  })
  const catalog = new ModelCatalog(config.models)
  const router = new SupplierRouter(config.routing)
  const watchers =
    config.watchers.urls.length > 0 ? new WatcherView({ ...config.watchers, logger }) : undefined
  router.watchers = watchers
  const claims =
    config.claimAudit.applications.length > 0
      ? new ClaimAuditor({ ...config.claimAudit, logger })
      : undefined
  router.claims = claims
  router.onCooldown = (serviceId, supplier, reason, ms) => {
    metrics.cooldowns.inc({ service: serviceId, supplier, reason })
    logger.warn('supplier in cooldown', { service: serviceId, supplier, reason, ms })
  }
  const supplierLabels = ['service', 'supplier'] as const
  if (claims !== undefined)
    registerClaimAuditMetrics(metrics, claims, { prefix: 'decai_gateway', sender: 'this gateway' })
  metrics.gauge(
    'decai_gateway_supplier_score',
    'Routing score per supplier.',
    () =>
      router.snapshot().map((s) => ({
        labels: { service: s.serviceId, supplier: s.supplier },
        value: Number(s.score.toFixed(6)),
      })),
    supplierLabels,
  )
  metrics.gauge(
    'decai_gateway_supplier_state',
    'Supplier state: 0 healthy, 1 probation, 2 cooldown.',
    () =>
      router.snapshot().map((s) => ({
        labels: { service: s.serviceId, supplier: s.supplier },
        value: s.state === 'healthy' ? 0 : s.state === 'probation' ? 1 : 2,
      })),
    supplierLabels,
  )
  metrics.gauge(
    'decai_gateway_supplier_ttft_seconds',
    'Moving average of time to first token per supplier.',
    () =>
      router
        .snapshot()
        .filter((s) => s.ttftMs !== null)
        .map((s) => ({
          labels: { service: s.serviceId, supplier: s.supplier },
          value: s.ttftMs! / 1000,
        })),
    supplierLabels,
  )
  metrics.gauge(
    'decai_gateway_ring_nonces_ready',
    'Ring-signature nonces prepared ahead, ready for the next relays.',
    () => signer.pooledNonces,
  )
  metrics.gauge('decai_gateway_chain_height', 'Latest block height seen.', () =>
    Number(view.height),
  )

  // Before anything that needs stopping: a tokenizer that cannot be read is a config error.
  const promptTokens = await PromptTokenCounter.load(config.models)
  let store: KeyStore
  try {
    store = await openKeyStore(config.store, { logger })
  } catch (error) {
    await promptTokens.dispose()
    throw error
  }
  const durable = store instanceof PostgresKeyStore ? store : undefined
  if (durable !== undefined)
    metrics.gauge(
      'decai_gateway_spend_outbox_rows',
      "Usage rows (and their spend) waiting in this replica's outbox for PostgreSQL.",
      () => durable.pendingSpend,
    )
  // Shared state (docs/gateway.md, "Scaling out"): limits, reservations and suppliers' health.
  let redis: RedisState | undefined
  let health: RedisSupplierHealth | undefined
  let limiter: KeyLimits = new MemoryKeyLimits()
  const shared = config.sharedState
  if (shared.kind === 'redis' && shared.redis !== undefined) {
    redis = await connectRedisState(shared.redis, logger)
    limiter = new RedisKeyLimits(redis, shared.onRedisDown, logger)
    health = new RedisSupplierHealth(redis, router, logger)
    await health.start()
    view.sessionCache = new RedisSessionCache(redis, logger)
    const state = redis
    metrics.gauge(
      'decai_gateway_redis_up',
      'Whether the shared-state Redis is reachable (1).',
      () => (state.isUp() ? 1 : 0),
    )
  }
  const executor = new RelayExecutor({
    view,
    router,
    signer,
    config,
    metrics,
    logger,
    promptTokens,
    ...(claims === undefined ? {} : { claims }),
  })
  let stopping = false
  const deps = {
    config,
    store,
    limiter,
    catalog,
    view,
    router,
    claims,
    executor,
    metrics,
    logger,
    isStopping: () => stopping,
  }

  await view.start()
  await watchers?.start()
  claims?.begin(view.height)
  const auditTimer =
    claims === undefined
      ? undefined
      : setInterval(() => void claims.poll(client), config.claimAudit.refreshMs)
  auditTimer?.unref()
  const reportedConflicts = new Set<string>()
  const readCards = () => {
    if (!config.discovery.serviceCards) return
    for (const conflict of catalog.updateFromServices(view.services.values())) {
      const key = `${conflict.model}|${conflict.details}`
      if (reportedConflicts.has(key)) continue
      reportedConflicts.add(key)
      logger.warn("model prices contradict the service card's token metering", conflict)
    }
  }
  readCards()
  const catalogTimer = setInterval(readCards, config.discovery.refreshMs)
  catalogTimer.unref()

  let server: RunningServer
  try {
    server = await startGatewayServer(deps, {
      port: config.listen.port,
      host: config.listen.host,
    })
  } catch (error) {
    clearInterval(catalogTimer)
    clearInterval(auditTimer)
    view.stop()
    watchers?.stop()
    health?.stop()
    await redis?.close()
    await store.close()
    await promptTokens.dispose()
    throw error
  }
  const { url, port } = server
  logger.info('gateway listening', {
    url,
    gateway: address,
    applications: view.applications.map((a) => a.address),
    models: catalog.all().map((m) => m.name),
  })

  let stopped: Promise<void> | undefined
  return {
    url,
    baseUrl: `${url}/v1`,
    port,
    address,
    config,
    keys: store,
    metrics,
    router,
    chain: view,
    claims,
    createApiKey: (parameters) => store.create(parameters),
    revokeApiKey: (id) => store.revoke(id),
    stop() {
      stopped ??= (async () => {
        stopping = true
        clearInterval(catalogTimer)
        clearInterval(auditTimer)
        view.stop()
        watchers?.stop()
        await server.stop()
        client.disconnect()
        health?.stop()
        await limiter.close()
        await redis?.close()
        await store.close()
        await promptTokens.dispose()
      })()
      return stopped
    },
  }
}
