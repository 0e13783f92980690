// Errors as the Cosmos SDK reports them over ABCI: a codespace, a code and a log line. poktroll's
// message servers wrap their registered errors in gRPC statuses, which the SDK cannot map to a
// code, so those transactions fail with codespace "undefined" and code 1 while the registered
// error survives in the log. Both shapes are reproduced here because clients parse them.

/** gRPC status codes the chain's handlers use. */
export type GrpcCode =
  | 'InvalidArgument'
  | 'NotFound'
  | 'AlreadyExists'
  | 'PermissionDenied'
  | 'FailedPrecondition'
  | 'Internal'
  | 'Unauthenticated'
  | 'Unimplemented'
  | 'Unknown'

/** An error as the SDK encodes it into an ABCI response. */
export class AbciError extends Error {
  override readonly name = 'AbciError'
  readonly codespace: string
  readonly code: number
  /** The `log` of the ABCI response: Go's `err.Error()`. */
  readonly log: string
  /** Set when the error is a gRPC status (the desc part of the log). */
  readonly grpc: { code: GrpcCode; desc: string } | undefined
  /**
   * Where Go's `errorsmod` first wrapped the error (`cosmos/cosmos-sdk@v0.53.7/x/…/file.go:line`):
   * the simulation service prints it after the error (`%v`), so clients see it in the log.
   */
  readonly frame: string | undefined
  /**
   * The message of the gRPC status Go derives from a registered error (`GRPCStatus()`):
   * `codespace sdk code 26: invalid height: <wrap messages, innermost first>`. Unset when the
   * error was not built from a registered one.
   */
  readonly statusMessage: string | undefined

  constructor(
    codespace: string,
    code: number,
    log: string,
    grpc?: { code: GrpcCode; desc: string } | undefined,
    frame?: string | undefined,
    statusMessage?: string | undefined,
  ) {
    super(log)
    this.codespace = codespace
    this.code = code
    this.log = log
    this.grpc = grpc
    this.frame = frame
    this.statusMessage = statusMessage
  }

  /** `errorsmod.Wrap(err, msg)`: same code, `msg: err` as text; the first frame stays. */
  wrap(message: string): AbciError {
    return new AbciError(
      this.codespace,
      this.code,
      `${message}: ${this.log}`,
      this.grpc,
      this.frame,
      this.statusMessage === undefined ? undefined : `${this.statusMessage}: ${message}`,
    )
  }

  /** The error as first wrapped at `frame` (a no-op when it already has one). */
  at(frame: string): AbciError {
    if (this.frame) return this
    return new AbciError(this.codespace, this.code, this.log, this.grpc, frame, this.statusMessage)
  }
}

/** A source location in cosmos-sdk v0.53.7, as `errorsmod` prints it. */
export const sdkFrame = (path: string) => `cosmos/cosmos-sdk@v0.53.7/${path}`

/**
 * The frame of a registered error's own `Wrapf` method (`sdkerrors.ErrX.Wrapf(...)`):
 * `errorsmod` trims its package functions from the stack but not its methods.
 */
export const ERRORS_METHOD_FRAME = 'cosmossdk.io/errors@v1.0.2/errors.go:155'

/** A registered error (`errorsmod.Register`): wrapping it yields `msg: description`. */
export class RegisteredError {
  constructor(
    readonly codespace: string,
    readonly code: number,
    readonly description: string,
  ) {}

  /** An entry of @decai/protocol's generated error registry (`knownChainErrors`). */
  static from(known: { codespace: string; abciCode: number; description: string }) {
    return new RegisteredError(known.codespace, known.abciCode, known.description)
  }

  /** The bare error, whose text is its description. */
  error(): AbciError {
    return new AbciError(
      this.codespace,
      this.code,
      this.description,
      undefined,
      undefined,
      this.statusPrefix(),
    )
  }

  wrap(message: string): AbciError {
    return new AbciError(
      this.codespace,
      this.code,
      `${message}: ${this.description}`,
      undefined,
      undefined,
      `${this.statusPrefix()}: ${message}`,
    )
  }

  /** `errorsmod.Error.GRPCStatus()`'s message. */
  private statusPrefix(): string {
    return `codespace ${this.codespace} code ${this.code}: ${this.description}`
  }

  is(error: unknown): boolean {
    return (
      error instanceof AbciError && error.codespace === this.codespace && error.code === this.code
    )
  }
}

/** `status.Error(code, inner.Error())` as returned by a poktroll handler. */
export function grpcError(code: GrpcCode, inner: AbciError | string): AbciError {
  const desc = typeof inner === 'string' ? inner : inner.log
  return new AbciError('undefined', 1, `rpc error: code = ${code} desc = ${desc}`, { code, desc })
}

/** Any thrown value as an ABCI error; unexpected exceptions become the SDK's internal error. */
export function toAbciError(error: unknown): AbciError {
  if (error instanceof AbciError) return error
  const text = error instanceof Error ? error.message : String(error)
  return new AbciError('undefined', 1, text)
}

/** Message text of a thrown value (Go's `err.Error()`). */
export function errorText(error: unknown): string {
  if (error instanceof AbciError) return error.log
  return error instanceof Error ? error.message : String(error)
}
