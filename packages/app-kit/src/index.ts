export {
  type AccountReader,
  createPublicKeyCache,
  PromiseCache,
  type PublicKeyCache,
  type RingApplication,
  resolveApplicationRing,
} from './chain-cache.js'
export {
  type AuditedSettlement,
  ClaimAuditor,
  type ClaimAuditorOptions,
  type QuantaTally,
  type RejectedQuanta,
  registerClaimAuditMetrics,
  type SettlementSource,
  type TrackedRelay,
  type TrackRequestParameters,
  UNLIMITED_COMPLETION_TOKENS,
} from './claim-auditor.js'
export { expandEnvVariables } from './config-env.js'
export {
  type CreateCorsMiddlewareParameters,
  createCorsMiddleware,
  DEFAULT_CORS_MAX_AGE_SECONDS,
  isCorsOrigin,
} from './cors.js'
export {
  AppKitError,
  type AppKitErrorCode,
  appKitErrorCodes,
  isAppKitError,
} from './errors.js'
export { exceedsJsonDepth, MAX_JSON_DEPTH } from './json.js'
export {
  type CreateLoggerParameters,
  createLogger,
  type LogFields,
  type Logger,
  type LogLevel,
} from './logger.js'
export {
  type Counter,
  createMetrics,
  type Gauge,
  type GaugeSample,
  getMetricValue,
  type Histogram,
  type Metrics,
} from './metrics.js'
export {
  type ChunkInfo,
  type CreateOpenAiErrorMapperParameters,
  createOpenAiErrorMapper,
  createUsageReader,
  formatSseError,
  inspectChunk,
  type OpenAiError,
  type OpenAiErrorBody,
  type OpenAiErrorMapping,
  type OpenAiMappableError,
  readChoices,
  readCompletionLimit,
  readMaxTokens,
  readUsage,
  requestStreamUsage,
  toOpenAiErrorResponse,
  type Usage,
  type UsageReader,
} from './openai.js'
export { classifyRelayMinerError, type RelayMinerErrorReason } from './relay-miner-errors.js'
export {
  type BuildRelayPayloadParameters,
  buildRelayPayload,
  prepareUpstreamRequest,
} from './relay-payload.js'
export { type PostRelayParameters, postRelay } from './relay-transport.js'
export {
  type RunningServer,
  type StartServerParameters,
  type StopServerParameters,
  splitHostPort,
  startServer,
} from './server.js'
export { formatSseEvent, SSE_HEADERS, type SseEvent, SseParser } from './sse.js'
