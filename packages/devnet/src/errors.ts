/** Stable codes of every error `@decai/devnet` raises to its callers. */
export const devnetErrorCodes = {
  /** The genesis or devnet config is malformed or inconsistent. */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /** The store holds a different chain than the config describes, or is corrupt. */
  INVALID_STORE: 'INVALID_STORE',
  /** A block could not be produced (an end-blocker failed). */
  BLOCK_FAILED: 'BLOCK_FAILED',
  /** The RPC server could not start (for example the port is taken). */
  RPC_FAILED: 'RPC_FAILED',
  /** The devnet was stopped and cannot serve the call. */
  STOPPED: 'STOPPED',
} as const

export type DevnetErrorCode = (typeof devnetErrorCodes)[keyof typeof devnetErrorCodes]

export type DevnetErrorParameters = {
  details?: string
  cause?: unknown
}

/** The one error class of `@decai/devnet`; branch on `code`. */
export class DevnetError extends Error {
  override readonly name = 'DevnetError'
  readonly code: DevnetErrorCode
  readonly shortMessage: string
  readonly details: string | undefined

  constructor(code: DevnetErrorCode, shortMessage: string, parameters: DevnetErrorParameters = {}) {
    const { details, cause } = parameters
    super(details ? `${shortMessage}\n\nDetails: ${details}` : shortMessage, { cause })
    this.code = code
    this.shortMessage = shortMessage
    this.details = details
  }
}

/** Shape check rather than `instanceof`, so it holds across duplicate copies of the package. */
export function isDevnetError(error: unknown): error is DevnetError {
  return (
    error instanceof Error &&
    error.name === 'DevnetError' &&
    typeof (error as { code?: unknown }).code === 'string'
  )
}
