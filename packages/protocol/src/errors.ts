import { BaseError, createErrorGuard } from '@decai/core'

/** Stable codes of every error `@decai/protocol` raises. */
export const protocolErrorCodes = {
  /** The bytes are not a valid protobuf encoding of the expected message. */
  DECODE_FAILED: 'DECODE_FAILED',
  /** A value cannot be encoded (for example an int64 out of range). */
  ENCODE_FAILED: 'ENCODE_FAILED',
  /** A `google.protobuf.Any` carries a type URL this package does not know. */
  UNKNOWN_TYPE_URL: 'UNKNOWN_TYPE_URL',
} as const

export type ProtocolErrorCode = (typeof protocolErrorCodes)[keyof typeof protocolErrorCodes]

export type ProtocolErrorParameters = {
  details?: string | undefined
  cause?: unknown
}

/** The one error class of `@decai/protocol`; branch on `code`. */
export class ProtocolError extends BaseError<ProtocolErrorCode> {
  override readonly name = 'ProtocolError'

  constructor(
    code: ProtocolErrorCode,
    shortMessage: string,
    parameters: ProtocolErrorParameters = {},
  ) {
    const { details, cause } = parameters
    super(code, shortMessage, { details, cause, docsPath: 'packages/protocol/README.md#errors' })
  }
}

/** Shape check rather than `instanceof`, so it holds across duplicate copies of the package. */
export const isProtocolError = createErrorGuard<ProtocolError>('ProtocolError')
