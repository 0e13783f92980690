import { BaseError, createErrorGuard } from '@decai/core'

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
  details?: string | undefined
  cause?: unknown
}

/** The one error class of `@decai/devnet`; branch on `code`. */
export class DevnetError extends BaseError<DevnetErrorCode> {
  override readonly name = 'DevnetError'

  constructor(code: DevnetErrorCode, shortMessage: string, parameters: DevnetErrorParameters = {}) {
    const { details, cause } = parameters
    super(code, shortMessage, { details, cause, docsPath: 'packages/devnet/README.md#errors' })
  }
}

/** Shape check rather than `instanceof`, so it holds across duplicate copies of the package. */
export const isDevnetError = createErrorGuard<DevnetError>('DevnetError')
