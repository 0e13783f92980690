import { BaseError, createErrorGuard } from '@decai/core'

/** Stable codes of the CLI's own errors. Branch on these, never on text. */
export const cliErrorCodes = {
  /** Unknown command or flag, missing argument, bad value. */
  USAGE: 'USAGE',
  /** A key name that does not exist. */
  KEY_NOT_FOUND: 'KEY_NOT_FOUND',
  /** A key name that exists already. */
  KEY_EXISTS: 'KEY_EXISTS',
  /** A stake config file that pocketd would refuse. */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /** A gateway (or another HTTP service) could not be reached or answered with an error. */
  REQUEST_FAILED: 'REQUEST_FAILED',
  /** A wait (for a session, a claim) ran out of time. */
  TIMEOUT: 'TIMEOUT',
} as const

export type CliErrorCode = (typeof cliErrorCodes)[keyof typeof cliErrorCodes]

/** The one error class of the CLI; `main` prints `message` and exits 1 (2 for usage). */
export class CliError extends BaseError<CliErrorCode> {
  override readonly name = 'CliError'

  constructor(
    code: CliErrorCode,
    shortMessage: string,
    parameters: { details?: string | undefined; cause?: unknown } = {},
  ) {
    const { details, cause } = parameters
    super(code, shortMessage, { details, cause, docsPath: 'apps/cli/README.md#errors' })
  }
}

export const isCliError = createErrorGuard<CliError>('CliError')

export const usageError = (message: string, details?: string) =>
  new CliError('USAGE', message, { details })
