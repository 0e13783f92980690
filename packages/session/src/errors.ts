/** Stable codes of {@link SessionError}; callers branch on these, never on message text. */
export const SessionErrorCode = {
  /** A parameter makes the chain's arithmetic undefined (zero divisor, out-of-range count). */
  INVALID_PARAMS: 'INVALID_PARAMS',
  /** An argument is outside the domain of the function (for example `int63n(0)`). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** No supplier is staked for the service at the height (ErrSessionSuppliersNotFound). */
  SUPPLIERS_NOT_FOUND: 'SUPPLIERS_NOT_FOUND',
  /** A relay difficulty target hash of zero has no multiplier. */
  INVALID_TARGET_HASH: 'INVALID_TARGET_HASH',
  /** A relays EMA of zero makes the difficulty scaling ratio a division by zero. */
  ZERO_RELAYS_EMA: 'ZERO_RELAYS_EMA',
  /** A claim root is not `digest ‖ be64(sum) ‖ be64(count)` with a power-of-two digest. */
  INVALID_CLAIM_ROOT: 'INVALID_CLAIM_ROOT',
  /** The claimed amount is negative (ErrProofInvalidClaimedAmount). */
  NEGATIVE_CLAIMED_AMOUNT: 'NEGATIVE_CLAIMED_AMOUNT',
  /** The claimed amount exceeds the chain's 256-bit integers (the chain panics). */
  CLAIMED_AMOUNT_OVERFLOW: 'CLAIMED_AMOUNT_OVERFLOW',
} as const

export type SessionErrorCode = (typeof SessionErrorCode)[keyof typeof SessionErrorCode]

export interface SessionErrorOptions {
  details?: string
  cause?: unknown
}

/** The one error class of `@decai/session`. */
export class SessionError extends Error {
  override readonly name = 'SessionError' as const
  readonly code: SessionErrorCode
  readonly shortMessage: string
  readonly details: string | undefined

  constructor(code: SessionErrorCode, shortMessage: string, options: SessionErrorOptions = {}) {
    const message =
      options.details === undefined
        ? shortMessage
        : `${shortMessage}\n\nDetails: ${options.details}`
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.shortMessage = shortMessage
    this.details = options.details
  }
}

const codes = new Set<string>(Object.values(SessionErrorCode))

/** Shape check (not `instanceof`), so it holds across duplicate copies of the package. */
export function isSessionError(e: unknown): e is SessionError {
  if (typeof e !== 'object' || e === null) return false
  const { name, code } = e as { name?: unknown; code?: unknown }
  return name === 'SessionError' && typeof code === 'string' && codes.has(code)
}
