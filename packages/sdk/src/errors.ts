import { BaseError, createErrorGuard } from '@decai/core'

/** Stable codes of every error the application client raises. Branch on these, never on text. */
export const sdkErrorCodes = {
  /** An argument has the wrong type or shape (no key, bad URL, unknown service, ...). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** An OpenAI request does not match its schema; `param` names the field (no relay was sent). */
  INVALID_REQUEST: 'INVALID_REQUEST',
  /** The chain could not be asked for the session, the ring or a supplier's key (see `cause`). */
  CHAIN_QUERY_FAILED: 'CHAIN_QUERY_FAILED',
  /** The session has no supplier with an endpoint for the service. */
  NO_SUPPLIERS: 'NO_SUPPLIERS',
  /** A supplier could not be reached, or its HTTP answer was not a relay response. */
  SUPPLIER_UNREACHABLE: 'SUPPLIER_UNREACHABLE',
  /** A supplier's relay response (or a stream frame) failed verification (see `cause`). */
  RESPONSE_INVALID: 'RESPONSE_INVALID',
  /** The relay miner answered with an error instead of the service's response. */
  RELAY_MINER_ERROR: 'RELAY_MINER_ERROR',
  /** A supplier's answer went over `maxResponseBytes`; the connection was closed. */
  RESPONSE_TOO_LARGE: 'RESPONSE_TOO_LARGE',
  /** The service behind a supplier answered with a server error (5xx or 429). */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** Every attempted supplier failed; `attempts` says how each one did. */
  ALL_SUPPLIERS_FAILED: 'ALL_SUPPLIERS_FAILED',
  /** The service answered with an error status (verified): `status` and `body` hold it. */
  API_ERROR: 'API_ERROR',
  /** A streamed answer reported an error part-way, or ended before it was complete. */
  STREAM_ERROR: 'STREAM_ERROR',
  /** The service's answer is not the JSON the call expects. */
  INVALID_RESPONSE_BODY: 'INVALID_RESPONSE_BODY',
  /** No answer within the attempt's timeout. */
  TIMEOUT: 'TIMEOUT',
  /** The caller aborted the request. */
  ABORTED: 'ABORTED',
} as const

export type SdkErrorCode = (typeof sdkErrorCodes)[keyof typeof sdkErrorCodes]

/** How one supplier attempt of a relay failed. */
export type RelayAttemptFailure = {
  supplierOperatorAddress: string
  url: string
  code: SdkErrorCode
  message: string
  /** The service's HTTP status, when it answered with a server error. */
  status?: number
}

export type SdkErrorParameters = {
  details?: string | undefined
  cause?: unknown
  /** The HTTP status of the service's answer, for `API_ERROR` and `SERVICE_UNAVAILABLE`. */
  status?: number | undefined
  /** The service's parsed error body (OpenAI shape: `{ error: { message, type, code } }`). */
  body?: unknown
  /** Each failed supplier attempt, for `ALL_SUPPLIERS_FAILED`. */
  attempts?: readonly RelayAttemptFailure[] | undefined
  /** The request field at fault, in OpenAI's notation (`messages[0].role`), for `INVALID_REQUEST`. */
  param?: string | undefined
}

/** The one error class of `@decai/sdk`'s application client; branch on `code`. */
export class SdkError extends BaseError<SdkErrorCode> {
  override readonly name = 'SdkError'
  readonly status: number | undefined
  readonly body: unknown
  readonly attempts: readonly RelayAttemptFailure[]
  readonly param: string | undefined

  constructor(code: SdkErrorCode, shortMessage: string, parameters: SdkErrorParameters = {}) {
    const { details, cause, status, body, attempts = [], param } = parameters
    super(code, shortMessage, { details, cause, docsPath: 'packages/sdk/README.md#errors' })
    this.status = status
    this.body = body
    this.attempts = attempts
    this.param = param
  }
}

/** Shape check rather than `instanceof`, so it holds across duplicate copies of the package. */
export const isSdkError = createErrorGuard<SdkError>('SdkError')
