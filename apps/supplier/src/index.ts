// @decai/supplier: a relay-miner sidecar in front of an OpenAI-compatible LLM server.

export {
  type ConfigIssue,
  getConfigIssues,
  getOperatorKey,
  loadSupplierConfig,
  parseSupplierConfig,
  type ServiceConfig,
  type SupplierConfig,
  type SupplierConfigInput,
} from './config.js'
export {
  isSupplierError,
  SupplierError,
  type SupplierErrorCode,
  type SupplierErrorParameters,
  supplierErrorCodes,
} from './errors.js'
export {
  createRelayMinerError,
  getRelayMinerErrorKind,
  type RelayMinerErrorKind,
  relayMinerErrors,
} from './relay-errors.js'
export { QUANTA_CONTENT_TYPE } from './relay-server.js'
export type { SessionRecord, SessionState } from './session-store.js'
export {
  type ApplicationUsage,
  type StartSupplierOptions,
  type Supplier,
  startSupplier,
  summarizeUsage,
} from './supplier.js'
