/** Stable codes of every error `@decai/relay-mining` raises. */
export const smstErrorCodes = {
  /** A key, value, weight or path has the wrong type, size or range. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A root is not a well-formed sum root (its digest part is not a power of two). */
  INVALID_ROOT: 'INVALID_ROOT',
  /** A proof fails the structural checks smt runs before compacting or decompacting it. */
  INVALID_PROOF: 'INVALID_PROOF',
  /** The bytes are not a well-formed gob stream of a `SparseCompactMerkleClosestProof`. */
  GOB_DECODE_FAILED: 'GOB_DECODE_FAILED',
  /** A stored node is missing or malformed, or the node store failed. */
  STORE_FAILED: 'STORE_FAILED',
  /** The trie was closed, or left unusable by an earlier store failure. */
  CLOSED: 'CLOSED',
} as const

export type SmstErrorCode = (typeof smstErrorCodes)[keyof typeof smstErrorCodes]

export type SmstErrorParameters = {
  details?: string
  cause?: unknown
}

/** The one error class of `@decai/relay-mining`; branch on `code`. */
export class SmstError extends Error {
  override readonly name = 'SmstError'
  readonly code: SmstErrorCode
  readonly shortMessage: string
  readonly details: string | undefined

  constructor(code: SmstErrorCode, shortMessage: string, parameters: SmstErrorParameters = {}) {
    const { details, cause } = parameters
    super(details ? `${shortMessage}\n\nDetails: ${details}` : shortMessage, { cause })
    this.code = code
    this.shortMessage = shortMessage
    this.details = details
  }
}

/** Shape check rather than `instanceof`, so it holds across duplicate copies of the package. */
export function isSmstError(error: unknown): error is SmstError {
  return (
    error instanceof Error &&
    error.name === 'SmstError' &&
    typeof (error as { code?: unknown }).code === 'string'
  )
}
