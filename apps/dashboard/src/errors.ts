import { BaseError, createErrorGuard } from '@decai/core'

/** Stable codes of every error the dashboard raises. Callers branch on these, never on text. */
export const dashboardErrorCodes = {
  /** Not a `pokt1…` address (bad characters, checksum or prefix). */
  INVALID_ADDRESS: 'INVALID_ADDRESS',
  /** A well-formed address the index knows nothing about (no service, settlement or claim). */
  UNKNOWN_ADDRESS: 'UNKNOWN_ADDRESS',
  /** Not a service ID the chain could hold (poktroll's service ID rule). */
  INVALID_SERVICE_ID: 'INVALID_SERVICE_ID',
  /** A valid service ID the index has never seen. */
  UNKNOWN_SERVICE: 'UNKNOWN_SERVICE',
  /** A height that is not a positive integer. */
  INVALID_HEIGHT: 'INVALID_HEIGHT',
  /** A height above the last indexed one. */
  HEIGHT_NOT_INDEXED: 'HEIGHT_NOT_INDEXED',
  /** A query parameter that is missing or has an unknown value. */
  INVALID_PARAMETER: 'INVALID_PARAMETER',
  /** Unknown route. */
  NOT_FOUND: 'NOT_FOUND',
  /** The configuration (flags or environment) is invalid. */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /** The index database belongs to another chain than the node serves. */
  CHAIN_MISMATCH: 'CHAIN_MISMATCH',
  /** The configured watcher did not answer `GET /reports/latest` with 200 in time. */
  WATCHER_UNAVAILABLE: 'WATCHER_UNAVAILABLE',
  /** The configured watcher answered, but not with a watcher report. */
  WATCHER_INVALID_REPORT: 'WATCHER_INVALID_REPORT',
  /** The index's PostgreSQL server cannot be reached now (the API answers 503 until it can). */
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** Anything else. */
  INTERNAL: 'INTERNAL',
} as const

export type DashboardErrorCode = (typeof dashboardErrorCodes)[keyof typeof dashboardErrorCodes]

const statusByCode: Record<DashboardErrorCode, number> = {
  INVALID_ADDRESS: 400,
  UNKNOWN_ADDRESS: 404,
  INVALID_SERVICE_ID: 400,
  UNKNOWN_SERVICE: 404,
  INVALID_HEIGHT: 400,
  HEIGHT_NOT_INDEXED: 404,
  INVALID_PARAMETER: 400,
  NOT_FOUND: 404,
  INVALID_CONFIG: 500,
  CHAIN_MISMATCH: 500,
  WATCHER_UNAVAILABLE: 502,
  WATCHER_INVALID_REPORT: 502,
  STORE_UNAVAILABLE: 503,
  INTERNAL: 500,
}

/** The one error class of the dashboard; the API answers it as `{ error: { code, message } }`. */
export class DashboardError extends BaseError<DashboardErrorCode> {
  override readonly name = 'DashboardError'

  constructor(
    code: DashboardErrorCode,
    shortMessage: string,
    parameters: { details?: string | undefined; cause?: unknown } = {},
  ) {
    super(code, shortMessage, { ...parameters, docsPath: 'apps/dashboard/README.md#errors' })
  }

  /** The HTTP status the API answers this error with. */
  get status(): number {
    return statusByCode[this.code]
  }
}

export const isDashboardError = createErrorGuard<DashboardError>('DashboardError')
