import { createOpenAiErrorMapper, type OpenAiErrorMapping } from '@decai/app-kit/openai'
import { BaseError, createErrorGuard } from '@decai/core'

/** Stable codes of every error the LLM server raises. Callers branch on these, never on text. */
export const llmServerErrorCodes = {
  /** The body is not valid JSON. */
  INVALID_JSON: 'INVALID_JSON',
  /** A parameter has the wrong type or is out of range. */
  INVALID_PARAMETER: 'INVALID_PARAMETER',
  /** A parameter or value is valid OpenAI but this server does not implement it. */
  UNSUPPORTED_PARAMETER: 'UNSUPPORTED_PARAMETER',
  /** The request names a model this server does not serve. */
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  /** Prompt plus requested completion do not fit the context window. */
  CONTEXT_LENGTH_EXCEEDED: 'CONTEXT_LENGTH_EXCEEDED',
  /** The body is larger than the configured limit. */
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  /** Every sequence is busy and the wait queue is full, or the wait was too long. Transient. */
  OVERLOADED: 'OVERLOADED',
  /** The request ran past its deadline (queueing included). */
  TIMEOUT: 'TIMEOUT',
  /** The client went away (or the server is stopping); generation was stopped. */
  ABORTED: 'ABORTED',
  /** The endpoint is turned off (embeddings) or does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The model, the context or the binding failed. */
  INTERNAL: 'INTERNAL',
} as const

export type LlmServerErrorCode = (typeof llmServerErrorCodes)[keyof typeof llmServerErrorCodes]

export type LlmServerErrorParameters = {
  details?: string | undefined
  cause?: unknown
  /** The request field at fault, reported as OpenAI's `param`. */
  param?: string | undefined
}

/** The one error class of the LLM server; `toOpenAiError` turns it into the HTTP answer. */
export class LlmServerError extends BaseError<LlmServerErrorCode> {
  override readonly name = 'LlmServerError'
  readonly param: string | undefined

  constructor(
    code: LlmServerErrorCode,
    shortMessage: string,
    parameters: LlmServerErrorParameters = {},
  ) {
    const { details, cause } = parameters
    super(code, shortMessage, { details, cause, docsPath: 'apps/llm-server/README.md#errors' })
    this.param = parameters.param
  }
}

/** Shape check rather than `instanceof`, so it holds across duplicate copies of the module. */
export const isLlmServerError = createErrorGuard<LlmServerError>('LlmServerError')

// OpenAI's own `type` and `code` strings, so clients that branch on them keep working.
const httpMappings: Record<LlmServerErrorCode, OpenAiErrorMapping> = {
  INVALID_JSON: { status: 400, type: 'invalid_request_error', code: 'invalid_json' },
  INVALID_PARAMETER: { status: 400, type: 'invalid_request_error', code: 'invalid_value' },
  UNSUPPORTED_PARAMETER: {
    status: 400,
    type: 'invalid_request_error',
    code: 'unsupported_parameter',
  },
  MODEL_NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'model_not_found' },
  CONTEXT_LENGTH_EXCEEDED: {
    status: 400,
    type: 'invalid_request_error',
    code: 'context_length_exceeded',
  },
  BODY_TOO_LARGE: { status: 413, type: 'invalid_request_error', code: 'request_too_large' },
  OVERLOADED: { status: 503, type: 'server_error', code: 'server_overloaded' },
  TIMEOUT: { status: 504, type: 'server_error', code: 'timeout' },
  // 499 is nginx's "client closed request"; nobody reads it, but logs and metrics do.
  ABORTED: { status: 499, type: 'server_error', code: 'request_aborted' },
  NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'not_found' },
  INTERNAL: { status: 500, type: 'server_error', code: 'internal_error' },
}

/** HTTP status and OpenAI error body for any thrown value. */
export const toOpenAiError = createOpenAiErrorMapper({
  mappings: httpMappings,
  isKnown: isLlmServerError,
  toInternal: (cause) => new LlmServerError('INTERNAL', 'Internal server error.', { cause }),
})
