export { createGatewayApp } from './app.js'
export { type CachedSession, ChainView, type GatewayApplication } from './chain-view.js'
export {
  type EndpointName,
  expandEnv,
  type GatewayConfig,
  type GatewayConfigInput,
  gatewayConfigSchema,
  type KeyStoreConfig,
  loadGatewayConfig,
  type ModelConfig,
  parseGatewayConfig,
} from './config.js'
export {
  GatewayError,
  type GatewayErrorCode,
  type GatewayErrorParameters,
  gatewayErrorCodes,
  isGatewayError,
  toErrorResponse,
  toOpenAiError,
} from './errors.js'
export { type Gateway, type StartGatewayOptions, startGateway } from './gateway.js'
export {
  type ApiKeyRecord,
  type CreateApiKeyParameters,
  hashApiKey,
  type KeyStore,
  type UpdateApiKeyParameters,
  type UsageRecord,
  type UsageSummary,
} from './key-store.js'
export { createGatewayMetrics, type GatewayMetrics } from './metrics.js'
export { type CatalogModel, ModelCatalog, readCardModels } from './models.js'
export { openKeyStore } from './open-key-store.js'
export { type RateLimitDecision, RateLimiter } from './rate-limiter.js'
export { AttemptFailure, runRelayAttempt } from './relay-attempt.js'
export { type ExecutionOutcome, RelayExecutor } from './relay-executor.js'
export type { GatewayAppDependencies } from './routes/context.js'
export { ANONYMOUS_KEY_ID } from './routes/inference.js'
export { SqliteKeyStore } from './sqlite-key-store.js'
export {
  type FailureReason,
  type RequestShape,
  type RouterOptions,
  SupplierRouter,
  type SupplierSnapshot,
  type SupplierState,
} from './supplier-router.js'
