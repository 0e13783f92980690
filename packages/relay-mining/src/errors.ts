import { BaseError, createErrorGuard } from '@decai/core'

/** Stable codes of every error `@decai/relay-mining` raises. */
export const smstErrorCodes = {
  /** A key, value, weight or path has the wrong type, size or range. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A difficulty target of zero: it has no multiplier and makes a claim's value undefined. */
  INVALID_TARGET: 'INVALID_TARGET',
  /** A claim's value is negative (poktroll ErrProofInvalidClaimedAmount). */
  NEGATIVE_CLAIMED_AMOUNT: 'NEGATIVE_CLAIMED_AMOUNT',
  /** A claim's value exceeds the chain's 256-bit integers (the chain panics). */
  CLAIMED_AMOUNT_OVERFLOW: 'CLAIMED_AMOUNT_OVERFLOW',
  /** A root is not a well-formed sum root (its digest part is not a power of two). */
  INVALID_ROOT: 'INVALID_ROOT',
  /** A proof fails the structural checks smt runs before compacting or decompacting it. */
  INVALID_PROOF: 'INVALID_PROOF',
  /** The bytes are not a well-formed gob stream of a `SparseCompactMerkleClosestProof`. */
  GOB_DECODE_FAILED: 'GOB_DECODE_FAILED',
  /** A stored node is missing or malformed, or the node store failed. */
  STORE_FAILED: 'STORE_FAILED',
  /** `./sqlite` could not load its optional peer `better-sqlite3` (not installed, or not built). */
  SQLITE_UNAVAILABLE: 'SQLITE_UNAVAILABLE',
  /** The trie was closed, or left unusable by an earlier store failure. */
  CLOSED: 'CLOSED',
} as const

export type SmstErrorCode = (typeof smstErrorCodes)[keyof typeof smstErrorCodes]

export type SmstErrorParameters = {
  details?: string | undefined
  cause?: unknown
}

/** The one error class of `@decai/relay-mining`; branch on `code`. */
export class SmstError extends BaseError<SmstErrorCode> {
  override readonly name = 'SmstError'

  constructor(code: SmstErrorCode, shortMessage: string, parameters: SmstErrorParameters = {}) {
    const { details, cause } = parameters
    super(code, shortMessage, {
      details,
      cause,
      docsPath: 'packages/relay-mining/README.md#errors',
    })
  }
}

/** Shape check rather than `instanceof`, so it holds across duplicate copies of the package. */
export const isSmstError = createErrorGuard<SmstError>('SmstError')
