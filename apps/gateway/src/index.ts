export { ANONYMOUS_KEY_ID, createGatewayApp, type GatewayAppDependencies } from './app.js'
export {
  type CachedSession,
  ChainView,
  type GatewayApplication,
  type SessionSupplier,
} from './chain-view.js'
export {
  type EndpointName,
  expandEnv,
  type GatewayConfig,
  type GatewayConfigInput,
  gatewayConfigSchema,
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
  type OpenAiErrorBody,
  toOpenAiError,
} from './errors.js'
export { type Gateway, type StartGatewayOptions, startGateway } from './gateway.js'
export {
  type ApiKeyRecord,
  type CreateApiKeyParameters,
  hashApiKey,
  KeyStore,
  type UpdateApiKeyParameters,
  type UsageRecord,
  type UsageSummary,
} from './key-store.js'
export { createLogger, type Logger, type LogLevel } from './logger.js'
export { GatewayMetrics } from './metrics.js'
export { type CatalogModel, ModelCatalog, readCardModels } from './models.js'
export { type RateLimitDecision, RateLimiter } from './rate-limiter.js'
export {
  AttemptFailure,
  RELAY_STREAM_CONTENT_TYPE,
  RELAY_STREAM_HEADER,
  runRelayAttempt,
} from './relay-attempt.js'
export { type ExecutionOutcome, RelayExecutor } from './relay-executor.js'
export { formatSseError, inspectChunk, SseParser, type Usage } from './sse.js'
export {
  type FailureReason,
  type RouterOptions,
  SupplierRouter,
  type SupplierSnapshot,
  type SupplierState,
} from './supplier-router.js'
