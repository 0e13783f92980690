import { BaseError, createErrorGuard } from '@decai/core'

/** Stable codes of {@link SupplierError}; callers branch on these, never on message text. */
export const supplierErrorCodes = {
  /** The config file is missing, unreadable, not YAML, or a field is invalid (`details` names it). */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /** The chain could not be reached or answered something unusable at startup. */
  CHAIN_UNAVAILABLE: 'CHAIN_UNAVAILABLE',
  /**
   * A service's `tokenMetering` here is not what its card on chain declares (`token_metering`),
   * or the card's declaration is malformed: gateways would price and audit by other weights than
   * the ones mined here. Refused at start.
   */
  TOKEN_METERING_MISMATCH: 'TOKEN_METERING_MISMATCH',
  /** A listener could not be opened (address in use, permission). */
  LISTEN_FAILED: 'LISTEN_FAILED',
  /** The durable store (SQLite, trie logs) failed; nothing was acknowledged. */
  STORE_FAILED: 'STORE_FAILED',
  /** The supplier was stopped. */
  STOPPED: 'STOPPED',
  /** The backend did not answer within the service's timeout. */
  BACKEND_TIMEOUT: 'BACKEND_TIMEOUT',
  /** The backend refused the connection (or its host does not resolve). */
  BACKEND_UNREACHABLE: 'BACKEND_UNREACHABLE',
  /** The backend connection failed, or the backend died before the end of its answer. */
  BACKEND_FAILED: 'BACKEND_FAILED',
  /** The backend's answer exceeds the service's `maxResponseBytes`. */
  BACKEND_RESPONSE_TOO_LARGE: 'BACKEND_RESPONSE_TOO_LARGE',
  /** The client went away before the answer was complete. */
  CLIENT_GONE: 'CLIENT_GONE',
  /**
   * A token-metered request's `max_tokens`, `max_completion_tokens`, `n` or `best_of` is not a
   * positive integer: its worst case cannot be reserved, and it is refused before any of the
   * backend's answer is read.
   */
  INVALID_MAX_TOKENS: 'INVALID_MAX_TOKENS',
  /**
   * A token-metered request's worst case (prompt plus `max_tokens`, in quanta) is more than the
   * application can still pay this supplier in the session.
   */
  WORST_CASE_OVER_BUDGET: 'WORST_CASE_OVER_BUDGET',
  /**
   * The relay was refused (not verified, or not admitted) while its backend request, sent during
   * verification, was under way: the backend call is aborted and nothing of it is read.
   */
  RELAY_REFUSED: 'RELAY_REFUSED',
} as const

export type SupplierErrorCode = (typeof supplierErrorCodes)[keyof typeof supplierErrorCodes]

export type SupplierErrorParameters = {
  details?: string | undefined
  cause?: unknown
}

/** The one error class of the supplier app. */
export class SupplierError extends BaseError<SupplierErrorCode> {
  override readonly name = 'SupplierError' as const

  constructor(
    code: SupplierErrorCode,
    shortMessage: string,
    options: SupplierErrorParameters = {},
  ) {
    const { details, cause } = options
    super(code, shortMessage, { details, cause, docsPath: 'apps/supplier/README.md#errors' })
  }
}

const codes = new Set<string>(Object.values(supplierErrorCodes))
const hasSupplierErrorShape = createErrorGuard<SupplierError>('SupplierError')

/** Shape check (not `instanceof`), so it holds across duplicate copies of the module. */
export function isSupplierError(e: unknown): e is SupplierError {
  return hasSupplierErrorShape(e) && codes.has(e.code)
}
