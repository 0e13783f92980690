import {
  createOpenAiErrorMapper,
  type OpenAiErrorMapping,
  toOpenAiErrorResponse,
} from '@decai/app-kit/openai'
import { BaseError, createErrorGuard } from '@decai/core'

/** Stable codes of every error the gateway raises. Callers branch on these, never on text. */
export const gatewayErrorCodes = {
  // --- the client's request ---
  /** No API key in `Authorization: Bearer …`. */
  MISSING_API_KEY: 'MISSING_API_KEY',
  /** The API key is unknown, revoked or expired. */
  INVALID_API_KEY: 'INVALID_API_KEY',
  /** The admin token is missing or wrong. */
  INVALID_ADMIN_TOKEN: 'INVALID_ADMIN_TOKEN',
  /** The key may not use this model. */
  MODEL_NOT_ALLOWED: 'MODEL_NOT_ALLOWED',
  /** The body is not JSON (`Content-Type` must be `application/json`). */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** The body is not a JSON object. */
  INVALID_JSON: 'INVALID_JSON',
  /** The JSON body nests objects and arrays deeper than the gateway accepts (100 levels). */
  JSON_TOO_DEEP: 'JSON_TOO_DEEP',
  /** A required request field is missing. */
  MISSING_PARAMETER: 'MISSING_PARAMETER',
  /** A request field has the wrong type. */
  INVALID_TYPE: 'INVALID_TYPE',
  /** A request field has a value out of range or not allowed (or breaks a rule between fields). */
  INVALID_PARAMETER: 'INVALID_PARAMETER',
  /** The body is larger than `limits.maxBodyBytes`. */
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  /** No configured or discovered model has this name (or the model lacks this endpoint). */
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  /** Unknown route. */
  NOT_FOUND: 'NOT_FOUND',
  /** Known route, other method. */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** The key's requests-per-minute limit is reached. */
  RATE_LIMIT_REQUESTS: 'RATE_LIMIT_REQUESTS',
  /** The key's tokens-per-minute limit is reached. */
  RATE_LIMIT_TOKENS: 'RATE_LIMIT_TOKENS',
  /** The key has spent its budget. */
  BUDGET_EXCEEDED: 'BUDGET_EXCEEDED',
  /** The shared state (Redis) is unreachable and this limit fails closed (`sharedState.onRedisDown`). */
  LIMITS_UNAVAILABLE: 'LIMITS_UNAVAILABLE',

  // --- the network behind the gateway ---
  /** No application configured for the service, or none staked for it on chain. */
  NO_APPLICATION: 'NO_APPLICATION',
  /** The session (or the chain) could not be read. */
  SESSION_UNAVAILABLE: 'SESSION_UNAVAILABLE',
  /** The session has no supplier the gateway may use right now. */
  NO_SUPPLIERS: 'NO_SUPPLIERS',
  /**
   * A price tier (`model@tier`) was asked for and no supplier of the session is measured
   * within its TTFT/TPOT limits right now (the tier does not fall back).
   */
  TIER_UNAVAILABLE: 'TIER_UNAVAILABLE',
  /** Every attempt failed (the last failure is the cause). */
  UPSTREAM_FAILED: 'UPSTREAM_FAILED',
  /** The supplier stopped after part of a streamed answer had reached the client. */
  UPSTREAM_INTERRUPTED: 'UPSTREAM_INTERRUPTED',
  /** No first token, or no next chunk, within the configured time. */
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',

  // --- setup and internals ---
  /** The config file or object is invalid. */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /** A key-store operation failed (unknown key ID, bad limits). */
  KEY_STORE: 'KEY_STORE',
  /** The shared key store (PostgreSQL) cannot be reached: keys cannot be checked now. */
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** The gateway is shutting down. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  /** Anything else. */
  INTERNAL: 'INTERNAL',
} as const

export type GatewayErrorCode = (typeof gatewayErrorCodes)[keyof typeof gatewayErrorCodes]

export type GatewayErrorParameters = {
  details?: string | undefined
  cause?: unknown
  /** The request field at fault, reported as OpenAI's `param`. */
  param?: string | undefined
  /** Seconds a client should wait before retrying (`Retry-After`). */
  retryAfter?: number | undefined
}

/** The one error class of the gateway; `toOpenAiError` turns it into the HTTP answer. */
export class GatewayError extends BaseError<GatewayErrorCode> {
  override readonly name = 'GatewayError'
  readonly param: string | undefined
  readonly retryAfter: number | undefined

  constructor(
    code: GatewayErrorCode,
    shortMessage: string,
    parameters: GatewayErrorParameters = {},
  ) {
    const { details, cause } = parameters
    super(code, shortMessage, { details, cause, docsPath: 'apps/gateway/README.md#errors' })
    this.param = parameters.param
    this.retryAfter = parameters.retryAfter
  }
}

/** Shape check rather than `instanceof`, so it holds across duplicate copies of the module. */
export const isGatewayError = createErrorGuard<GatewayError>('GatewayError')

// OpenAI's own `type` and `code` strings where OpenAI has one, so clients that branch on them
// (the official SDKs map status codes to exception classes) keep working.
const httpMappings: Record<GatewayErrorCode, OpenAiErrorMapping> = {
  MISSING_API_KEY: { status: 401, type: 'invalid_request_error', code: 'missing_api_key' },
  INVALID_API_KEY: { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' },
  INVALID_ADMIN_TOKEN: {
    status: 401,
    type: 'invalid_request_error',
    code: 'invalid_admin_token',
  },
  MODEL_NOT_ALLOWED: { status: 403, type: 'permission_error', code: 'model_not_allowed' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    type: 'invalid_request_error',
    code: 'unsupported_media_type',
  },
  INVALID_JSON: { status: 400, type: 'invalid_request_error', code: 'invalid_json' },
  JSON_TOO_DEEP: { status: 400, type: 'invalid_request_error', code: 'json_too_deep' },
  MISSING_PARAMETER: {
    status: 400,
    type: 'invalid_request_error',
    code: 'missing_required_parameter',
  },
  INVALID_TYPE: { status: 400, type: 'invalid_request_error', code: 'invalid_type' },
  INVALID_PARAMETER: { status: 400, type: 'invalid_request_error', code: 'invalid_value' },
  BODY_TOO_LARGE: { status: 413, type: 'invalid_request_error', code: 'request_too_large' },
  MODEL_NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'model_not_found' },
  NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'not_found' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    type: 'invalid_request_error',
    code: 'method_not_allowed',
  },
  RATE_LIMIT_REQUESTS: { status: 429, type: 'requests', code: 'rate_limit_exceeded' },
  RATE_LIMIT_TOKENS: { status: 429, type: 'tokens', code: 'rate_limit_exceeded' },
  BUDGET_EXCEEDED: { status: 429, type: 'insufficient_quota', code: 'insufficient_quota' },
  LIMITS_UNAVAILABLE: { status: 503, type: 'server_error', code: 'limits_unavailable' },
  NO_APPLICATION: { status: 503, type: 'server_error', code: 'no_application' },
  SESSION_UNAVAILABLE: { status: 503, type: 'server_error', code: 'session_unavailable' },
  NO_SUPPLIERS: { status: 503, type: 'server_error', code: 'no_suppliers' },
  TIER_UNAVAILABLE: { status: 503, type: 'server_error', code: 'tier_unavailable' },
  UPSTREAM_FAILED: { status: 502, type: 'server_error', code: 'upstream_failed' },
  UPSTREAM_INTERRUPTED: { status: 502, type: 'server_error', code: 'upstream_interrupted' },
  UPSTREAM_TIMEOUT: { status: 504, type: 'server_error', code: 'timeout' },
  INVALID_CONFIG: { status: 500, type: 'server_error', code: 'invalid_config' },
  KEY_STORE: { status: 400, type: 'invalid_request_error', code: 'key_store_error' },
  STORE_UNAVAILABLE: { status: 503, type: 'server_error', code: 'store_unavailable' },
  SHUTTING_DOWN: { status: 503, type: 'server_error', code: 'shutting_down' },
  INTERNAL: { status: 500, type: 'server_error', code: 'internal_error' },
}

/**
 * Whether an error is the gateway's fault rather than an answer to the request: anything that is
 * not a `GatewayError`, or an `INTERNAL` one. These are answered 500 and logged with their cause.
 */
export function isUnexpectedError(error: unknown): boolean {
  return !isGatewayError(error) || error.code === 'INTERNAL'
}

/** HTTP status, OpenAI error body and `Retry-After` for any thrown value. */
export const toOpenAiError = createOpenAiErrorMapper({
  mappings: httpMappings,
  isKnown: isGatewayError,
  toInternal: (cause) => new GatewayError('INTERNAL', 'Internal server error.', { cause }),
})

/** The JSON error answer for any thrown value. */
export function toErrorResponse(error: unknown): Response {
  return toOpenAiErrorResponse(toOpenAiError(error))
}
