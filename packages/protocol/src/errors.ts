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
  details?: string
  cause?: unknown
}

/** The one error class of `@decai/protocol`; branch on `code`. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'
  readonly code: ProtocolErrorCode
  readonly shortMessage: string
  readonly details: string | undefined

  constructor(
    code: ProtocolErrorCode,
    shortMessage: string,
    parameters: ProtocolErrorParameters = {},
  ) {
    const { details, cause } = parameters
    super(details ? `${shortMessage}\n\nDetails: ${details}` : shortMessage, { cause })
    this.code = code
    this.shortMessage = shortMessage
    this.details = details
  }
}

/** Shape check rather than `instanceof`, so it holds across duplicate copies of the package. */
export function isProtocolError(error: unknown): error is ProtocolError {
  return (
    error instanceof Error &&
    error.name === 'ProtocolError' &&
    typeof (error as { code?: unknown }).code === 'string'
  )
}
