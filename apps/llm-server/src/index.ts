export { createLlmApp, type LlmApp, type LlmAppOptions } from './app.js'
export {
  type EngineOptions,
  type FinishReason,
  type GenerateInput,
  type GenerateResult,
  LlmEngine,
} from './engine.js'
export {
  isLlmServerError,
  LlmServerError,
  type LlmServerErrorCode,
  llmServerErrorCodes,
  toOpenAiError,
} from './errors.js'
export { createLlmMetrics, type LlmMetrics } from './metrics.js'
export { type EnsureModelOptions, ensureModel, getModelInfo, type ModelInfo } from './model-file.js'
export {
  defaultModelName,
  getDefaultThreads,
  type LlmServer,
  type StartLlmServerOptions,
  startLlmServer,
} from './server.js'
