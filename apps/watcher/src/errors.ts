import { BaseError, createErrorGuard } from '@decai/core'

/** Stable codes of every error the watcher raises. Callers branch on these, never on text. */
export const watcherErrorCodes = {
  /** The config file is unreadable or invalid. */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /** The reference model file is missing or its SHA-256 is not the configured one. */
  REFERENCE_MODEL_MISMATCH: 'REFERENCE_MODEL_MISMATCH',
  /** The watcher's own reference backend did not answer a challenge. */
  REFERENCE_UNAVAILABLE: 'REFERENCE_UNAVAILABLE',
  /** The chain, a session or a key could not be read. */
  SESSION_UNAVAILABLE: 'SESSION_UNAVAILABLE',
  /** A report is not JSON or not in the report format. */
  REPORT_MALFORMED: 'REPORT_MALFORMED',
  /** A report carries no signature. */
  REPORT_UNSIGNED: 'REPORT_UNSIGNED',
  /** A report's signature does not verify against its watcher key (or the expected watcher). */
  REPORT_SIGNATURE_INVALID: 'REPORT_SIGNATURE_INVALID',
  /** A probe's evidence does not verify: supplier signature, session header or stream chain. */
  REPORT_EVIDENCE_INVALID: 'REPORT_EVIDENCE_INVALID',
  /** A verdict, figure or answer in a report differs from the one recomputed from its evidence. */
  REPORT_STATISTIC_MISMATCH: 'REPORT_STATISTIC_MISMATCH',
} as const

export type WatcherErrorCode = keyof typeof watcherErrorCodes

export class WatcherError extends BaseError<WatcherErrorCode> {
  override readonly name = 'WatcherError'

  constructor(
    code: WatcherErrorCode,
    shortMessage: string,
    options: { details?: string | undefined; cause?: unknown } = {},
  ) {
    super(code, shortMessage, { ...options, docsPath: 'apps/watcher/README.md#errors' })
  }
}

export const isWatcherError = createErrorGuard<WatcherError>('WatcherError')
