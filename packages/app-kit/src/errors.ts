import { BaseError, type BaseErrorParameters, createErrorGuard } from '@decai/core'

/** Stable codes of {@link AppKitError}; callers branch on these, never on message text. */
export const appKitErrorCodes = {
  /** A server could not bind its address (in use, permission, bad host). */
  LISTEN_FAILED: 'LISTEN_FAILED',
  /** An account has no public key on chain yet (it has never signed a transaction). */
  NO_PUBLIC_KEY: 'NO_PUBLIC_KEY',
} as const

export type AppKitErrorCode = (typeof appKitErrorCodes)[keyof typeof appKitErrorCodes]

/** The one error class of the apps' kit. */
export class AppKitError extends BaseError<AppKitErrorCode> {
  override name = 'AppKitError' as const

  constructor(code: AppKitErrorCode, shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(code, shortMessage, { docsPath: 'packages/app-kit/README.md#errors', ...parameters })
  }
}

/** Shape check (not `instanceof`), so it holds across duplicate copies of the module. */
export const isAppKitError = createErrorGuard<AppKitError>('AppKitError')
