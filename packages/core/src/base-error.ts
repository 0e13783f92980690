/** Where each package's error codes are documented; `docsPath` is resolved against it. */
export const docsBaseUrl = 'https://github.com/decai-network/decai/blob/main/'

export type BaseErrorParameters = {
  /** Context for this occurrence: values, sizes, positions. Defaults to the cause's. */
  details?: string | undefined
  /** The underlying error, ES2022 style. */
  cause?: unknown
  /** Page (and anchor) under {@link docsBaseUrl} that documents the code, e.g. `packages/crypto/README.md#errors`. */
  docsPath?: string | undefined
  /** Extra lines shown between the short message and the docs link. */
  metaMessages?: readonly string[] | undefined
}

/**
 * The one error template of the project: every package's error class extends it, names itself,
 * and types `code` with its own code table. Callers branch on `code`, never on text.
 */
export class BaseError<Code extends string = string> extends Error {
  override name = 'BaseError'
  /** Stable, SCREAMING_SNAKE code from the raising package's code table. */
  readonly code: Code
  /** One line, no context. */
  readonly shortMessage: string
  readonly details: string | undefined
  readonly docsPath: string | undefined
  readonly metaMessages: readonly string[] | undefined

  constructor(code: Code, shortMessage: string, parameters: BaseErrorParameters = {}) {
    const { cause, docsPath, metaMessages } = parameters
    const details = parameters.details ?? detailsOf(cause)
    super(formatMessage(shortMessage, details, docsPath, metaMessages), { cause })
    this.code = code
    this.shortMessage = shortMessage
    this.details = details
    this.docsPath = docsPath
    this.metaMessages = metaMessages
  }

  /** The docs page for this error's code, if its class names one. */
  get docsUrl(): string | undefined {
    return this.docsPath === undefined ? undefined : `${docsBaseUrl}${this.docsPath}`
  }

  /**
   * Follows the `cause` chain: with no argument, returns the deepest error; with a predicate,
   * the first error in the chain (this one included) that satisfies it, or `null`.
   */
  walk(): Error
  walk(predicate: (error: unknown) => boolean): Error | null
  walk(predicate?: (error: unknown) => boolean): Error | null {
    return walkCause(this, predicate)
  }
}

/** Shape check rather than `instanceof`, so it holds across duplicate copies of a package. */
export function isBaseError(error: unknown): error is BaseError {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { shortMessage?: unknown }).shortMessage === 'string'
  )
}

/**
 * Builds a package's `isXError` guard: a {@link BaseError} shape with the class's name, so it
 * also recognises errors thrown by a second loaded copy of that package.
 */
export function createErrorGuard<E extends BaseError>(
  name: E['name'],
): (error: unknown) => error is E {
  return (error: unknown): error is E => isBaseError(error) && error.name === name
}

function walkCause(error: unknown, predicate?: (error: unknown) => boolean): Error | null {
  // A cause chain can loop (an error set as its own cause's cause); stop at the first repeat.
  const seen = new Set<unknown>()
  let current: unknown = error
  let last: Error | null = null
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current)
    if (predicate?.(current)) return current
    last = current
    current = current.cause
  }
  return predicate ? null : last
}

function detailsOf(cause: unknown): string | undefined {
  if (isBaseError(cause)) return cause.details ?? cause.shortMessage
  if (cause instanceof Error) return cause.message
  // Anything else that was thrown (a string, a number) still says something.
  return cause === undefined || cause === null ? undefined : String(cause)
}

function formatMessage(
  shortMessage: string,
  details: string | undefined,
  docsPath: string | undefined,
  metaMessages: readonly string[] | undefined,
): string {
  const sections = [shortMessage]
  if (metaMessages?.length) sections.push(metaMessages.join('\n'))
  const tail = [
    details ? `Details: ${details}` : undefined,
    docsPath ? `Docs: ${docsBaseUrl}${docsPath}` : undefined,
  ].filter((line) => line !== undefined)
  if (tail.length > 0) sections.push(tail.join('\n'))
  return sections.join('\n\n')
}

/**
 * One line for any thrown value, without the docs link: a {@link BaseError}'s short message and
 * details, another error's message. For text that leaves the process (a relay miner's error
 * message, an attempt's failure) where the link would be noise.
 */
export function describeError(error: unknown): string {
  if (isBaseError(error)) {
    return error.details ? `${error.shortMessage} ${error.details}` : error.shortMessage
  }
  return error instanceof Error ? error.message : String(error)
}
