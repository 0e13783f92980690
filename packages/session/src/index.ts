export {
  type AuditClaimParameters,
  auditClaim,
  type ClaimAuditEntry,
  type ClaimAuditKey,
  type ClaimAuditLedger,
  type ClaimAuditResult,
  type ClaimAuditSettlement,
  type ClaimAuditVerdict,
  createClaimAuditLedger,
  DEFAULT_FALSE_FLAG_RATE,
  getClaimTolerance,
} from './claim-audit.js'
export {
  isSessionError,
  type RelayMinerErrorFields,
  SessionError,
  SessionErrorCode,
  type SessionErrorOptions,
} from './errors.js'
export { createGoRand, type GoRand } from './go-rand.js'
export {
  canonicalHeaderKey,
  createPoktHttpRequest,
  createPoktHttpResponse,
  type HttpHeadersInit,
  type HttpRequestParts,
  type HttpResponseParts,
  serializePoktHttpRequest,
  serializePoktHttpResponse,
} from './http.js'
export {
  type HydratedSession,
  type HydrateSessionParameters,
  hydrateSession,
  type SessionHeaderFields,
} from './hydrate-session.js'
export {
  getParamsAtHeight,
  type ParamsUpdate,
  type SessionGridParams,
  type SessionWindowParams,
  type SharedParams,
  toSharedParams,
} from './params.js'
export {
  type GetProofRequirementParameters,
  getProofRequirement,
  getProofRequirementSampleValue,
  hashClaim,
  hashClaimBytes,
} from './proof-requirement.js'
export {
  computeNewDifficultyTargetHash,
  computeRelaysEma,
  createRelayMiningDifficultyTracker,
  getDefaultRelayMiningDifficulty,
  getRelayMiningDifficultyAtHeight,
  type RelayMiningDifficultyTracker,
  type RelayMiningDifficultyUpdate,
  scaleRelayDifficultyHash,
  type UpdateRelayMiningDifficultyParameters,
  updateRelayMiningDifficulty,
} from './relay-difficulty.js'
export {
  countQuanta,
  decodeQuantumRecord,
  decodeRelayQuanta,
  encodeQuantumRecord,
  encodeRelayQuanta,
  type FetchedRelayQuanta,
  type FetchRelayQuantaParameters,
  fetchRelayQuanta,
  getRelayQuantaUrl,
  getRelayRequestHash,
  getWorstCaseQuanta,
  type QuantumRecord,
  type RelayQuantaVerification,
  type SignedQuantum,
  type SignQuantumResponsesParameters,
  type SignRelayQuantaParameters,
  signQuantumResponses,
  signRelayQuanta,
  type TokenCounts,
  type TokenMetering,
  type VerifyRelayQuantaParameters,
  verifyRelayQuanta,
} from './relay-quanta.js'
export {
  type BuildRelayRequestParameters,
  buildRelayRequest,
  getRelayRequestSignableBytesHash,
  parseRelayRequest,
  type SignRelayRequestParameters,
  serializeRelayRequest,
  signRelayRequest,
  toSessionHeader,
} from './relay-request.js'
export {
  type BuildRelayResponseParameters,
  buildRelay,
  buildRelayResponse,
  getRelayResponseSignableBytesHash,
  isSameSessionHeader,
  parseRelayResponse,
  type RelayResponseVerification,
  serializeRelay,
  serializeRelayResponse,
  signRelayResponse,
  type VerifyRelayResponseParameters,
  verifyRelayResponse,
} from './relay-response.js'
export {
  type CreateRelayStreamSignerParameters,
  type CreateRelayStreamVerifierParameters,
  createRelayStreamSigner,
  createRelayStreamVerifier,
  DEFAULT_MAX_STREAM_FRAME_SIZE,
  encodeRelayStreamFrame,
  getRelayStreamRoot,
  isRelayStreamContentType,
  nextRelayStreamLink,
  RELAY_STREAM_CONTENT_TYPE,
  RELAY_STREAM_HEADER,
  RELAY_STREAM_VERSION,
  type RelayStreamPart,
  type RelayStreamSigner,
  type RelayStreamVerifier,
} from './relay-stream.js'
export {
  checkRelayRequestWellFormed,
  checkRelayRewardEligibility,
  type RelayRequestVerification,
  type SessionForVerification,
  type VerifyRelayRequestContext,
  verifyRelayRequest,
} from './relay-verify.js'
export { readGoVarint, seededFloat64, seededInt63 } from './seeded-rand.js'
export { isSameMetering, readServiceCard, readServiceCardMetering } from './service-card.js'
export { assertServiceId, isValidServiceId, MAX_SERVICE_ID_LENGTH } from './service-id.js'
export {
  getClaimWindowCloseHeight,
  getClaimWindowOpenHeight,
  getEarliestSupplierClaimCommitHeight,
  getEarliestSupplierProofCommitHeight,
  getNextSessionStartHeight,
  getNumPendingSessions,
  getProofRequirementSeedHeight,
  getProofWindowCloseHeight,
  getProofWindowOpenHeight,
  getSessionEndHeight,
  getSessionEndToProofWindowCloseBlocks,
  getSessionGracePeriodEndHeight,
  getSessionGridAnchor,
  getSessionNumber,
  getSessionStartHeight,
  getSessionWindows,
  getSettlementHeight,
  isGracePeriodElapsed,
  isSessionEndHeight,
  isSessionStartHeight,
  type SessionWindows,
} from './session-grid.js'
export { getSessionId, getSessionIdPreimage, type SessionIdParameters } from './session-id.js'
export {
  getSessionSupplierEndpoints,
  getSupplierEndpointUrl,
  type SessionSupplier,
} from './supplier-endpoint.js'
export {
  getSupplierWeight,
  isServiceConfigUpdateActive,
  type SelectSessionSuppliersParameters,
  type ServiceConfigUpdateLike,
  selectSessionSuppliers,
  sortServiceConfigUpdates,
} from './supplier-selection.js'
