import { BaseError, createErrorGuard } from '@decai/core'
import { knownChainErrors } from '@decai/protocol'

/** Stable codes of every error `@decai/chain` raises. Callers branch on these, never on text. */
export const chainErrorCodes = {
  /** An argument is missing or malformed (caught before anything is sent). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The node could not be reached (connection refused, reset, DNS, CORS). Transient. */
  NETWORK_ERROR: 'NETWORK_ERROR',
  /** An RPC request got no answer in time. Transient. */
  TIMEOUT: 'TIMEOUT',
  /** The node answered with a JSON-RPC error (`rpcCode`, `details` hold its code and data). */
  RPC_ERROR: 'RPC_ERROR',
  /** A response could not be decoded into the expected message. */
  DECODE_FAILED: 'DECODE_FAILED',
  /** The queried object does not exist (sdk/22 "key not found", sdk/38, gRPC NotFound). */
  NOT_FOUND: 'NOT_FOUND',
  /** A query failed on the chain for another reason; see `codespace`, `abciCode`, `log`. */
  QUERY_FAILED: 'QUERY_FAILED',
  /** The chain rejected a transaction; see `phase`, `codespace`, `abciCode`, `log`, `knownError`. */
  TX_FAILED: 'TX_FAILED',
  /** The signer's sequence did not match the chain's (sdk/32), even after resynchronising. */
  SEQUENCE_MISMATCH: 'SEQUENCE_MISMATCH',
  /** Signature verification failed (sdk/4): wrong key, account number or chain ID. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** The account cannot pay (sdk/5). */
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  /** The fee is below the node's minimum gas price (sdk/13). */
  INSUFFICIENT_FEE: 'INSUFFICIENT_FEE',
  /** The transaction ran out of gas (sdk/11). */
  OUT_OF_GAS: 'OUT_OF_GAS',
  /** The node's mempool is full (sdk/20 or CometBFT). Transient. */
  MEMPOOL_FULL: 'MEMPOOL_FULL',
  /** A transaction was accepted but not included in a block before the timeout. */
  TX_TIMEOUT: 'TX_TIMEOUT',
  /** The signer holds no account with the requested address. */
  SIGNER_NOT_FOUND: 'SIGNER_NOT_FOUND',
  /** The operation was cancelled through its `AbortSignal`. */
  ABORTED: 'ABORTED',
  /**
   * The `NewBlock` websocket could not connect, failed or stalled (`details` says which);
   * `watchBlocks` reports it and polls instead. Transient.
   */
  WEBSOCKET_FAILED: 'WEBSOCKET_FAILED',
} as const

export type ChainErrorCode = (typeof chainErrorCodes)[keyof typeof chainErrorCodes]

/** Where a transaction failed: in simulation (gas estimation), `CheckTx`, or block execution. */
export type TxPhase = 'simulate' | 'check' | 'deliver'

/** An error the chain registers (`knownChainErrors`). */
export type KnownChainError = {
  readonly codespace: string
  readonly abciCode: number
  readonly name: string
  readonly description: string
}

export type ChainErrorParameters = {
  details?: string | undefined
  cause?: unknown
  /** The chain's codespace (`sdk`, `proof`, ..., `undefined` for unregistered errors). */
  codespace?: string | undefined
  /** The chain's numeric ABCI code. */
  abciCode?: number | undefined
  /** The chain's raw log. */
  log?: string | undefined
  phase?: TxPhase | undefined
  /** Uppercase hex hash of the transaction, once it has one. */
  txHash?: string | undefined
  height?: bigint | undefined
  /** The JSON-RPC error code, for `RPC_ERROR`. */
  rpcCode?: number | undefined
  knownError?: KnownChainError | undefined
}

/**
 * The one error class of `@decai/chain`. `code` is stable and coarse; `codespace`, `abciCode` and
 * `log` are exactly what the chain said; `knownError` names the registered error behind them,
 * even when the chain reported it only in its log (see `resolveKnownChainError`).
 */
export class ChainError extends BaseError<ChainErrorCode> {
  override readonly name = 'ChainError'
  readonly codespace: string | undefined
  readonly abciCode: number | undefined
  readonly log: string | undefined
  readonly phase: TxPhase | undefined
  readonly txHash: string | undefined
  readonly height: bigint | undefined
  readonly rpcCode: number | undefined
  readonly knownError: KnownChainError | undefined

  constructor(code: ChainErrorCode, shortMessage: string, parameters: ChainErrorParameters = {}) {
    const { details, cause } = parameters
    super(code, shortMessage, { details, cause, docsPath: 'packages/chain/README.md#errors' })
    this.codespace = parameters.codespace
    this.abciCode = parameters.abciCode
    this.log = parameters.log
    this.phase = parameters.phase
    this.txHash = parameters.txHash
    this.height = parameters.height
    this.rpcCode = parameters.rpcCode
    this.knownError = parameters.knownError
  }
}

/** Shape check rather than `instanceof`, so it holds across duplicate copies of the package. */
export const isChainError = createErrorGuard<ChainError>('ChainError')

/**
 * Whether `error` is the chain rejecting something with the registered error `known`, however the
 * chain reported it (its own codespace and code, or wrapped in a gRPC status as poktroll's message
 * servers do).
 *
 * @example
 * try { await client.createClaim(claim) } catch (e) {
 *   if (isChainErrorOf(e, knownChainErrors.proof.ErrProofClaimOutsideOfWindow)) retryLater()
 * }
 */
export function isChainErrorOf(
  error: unknown,
  known: Pick<KnownChainError, 'codespace' | 'abciCode'>,
): boolean {
  if (!isChainError(error)) return false
  const resolved = error.knownError
  if (resolved)
    return resolved.codespace === known.codespace && resolved.abciCode === known.abciCode
  return error.codespace === known.codespace && error.abciCode === known.abciCode
}

/** Whether retrying the same request later may succeed (the failure says nothing about it). */
export function isTransientChainError(error: unknown): boolean {
  if (!isChainError(error)) return false
  return (
    error.code === 'NETWORK_ERROR' ||
    error.code === 'TIMEOUT' ||
    error.code === 'MEMPOOL_FULL' ||
    error.code === 'WEBSOCKET_FAILED' ||
    (error.code === 'RPC_ERROR' && isTransientRpcText(`${error.details ?? ''}`))
  )
}

function isTransientRpcText(text: string): boolean {
  return /timed out|timeout|too many|temporarily|unavailable|mempool is full/i.test(text)
}

// --- Resolving the registered error behind an ABCI (codespace, code, log) -----------------------

type KnownTable = Record<string, Record<string, KnownChainError>>

const table = knownChainErrors as unknown as KnownTable
const byCode = new Map<string, KnownChainError>()
const byDescription = new Map<string, KnownChainError[]>()
for (const errors of Object.values(table)) {
  for (const e of Object.values(errors)) {
    byCode.set(`${e.codespace}/${e.abciCode}`, e)
    byDescription.set(e.description, [...(byDescription.get(e.description) ?? []), e])
  }
}
// Longest first, so "claim not found" wins over "not found".
const descriptions = [...byDescription.keys()].sort((a, b) => b.length - a.length)

/** The registered error with this codespace and code, if any. */
export function getKnownChainError(
  codespace: string,
  abciCode: number,
): KnownChainError | undefined {
  return byCode.get(`${codespace}/${abciCode}`)
}

/**
 * Finds the registered error behind what the chain returned. Three shapes occur:
 * - ante handler errors (`CheckTx`) carry their own codespace and code (`sdk/32`);
 * - poktroll's message servers return `status.Error(grpcCode, err.Error())`, which has no ABCI
 *   code, so the chain reports `undefined/1` and the registered error survives only as the end
 *   of the log (`...: claim attempted outside of the session's claim window`);
 * - simulation reports every failure as `sdk/6` ("unknown request") around the original log.
 * In the last two cases the log is matched against the registered descriptions; `hint` lists
 * codespaces to prefer when several modules register the same text (the failing message's).
 *
 * @example
 * resolveKnownChainError({ codespace: 'undefined', abciCode: 1, log: "...: claim attempted outside of the session's claim window" })
 * // { codespace: 'proof', abciCode: 1121, name: 'ErrProofClaimOutsideOfWindow', ... }
 */
export function resolveKnownChainError(parameters: {
  codespace?: string | undefined
  abciCode?: number | undefined
  log?: string | undefined
  hint?: readonly string[] | undefined
}): KnownChainError | undefined {
  const { codespace, abciCode, log = '', hint = [] } = parameters
  const exact =
    codespace !== undefined && abciCode !== undefined
      ? getKnownChainError(codespace, abciCode)
      : undefined
  const wrapped =
    codespace === 'undefined' ||
    codespace === undefined ||
    (codespace === 'sdk' && abciCode === 6 && log.includes('rpc error: code ='))
  if (exact && !wrapped) return exact
  return matchDescription(log, hint) ?? exact
}

function matchDescription(log: string, hint: readonly string[]): KnownChainError | undefined {
  const text = log
    // `%v` of a wrapped error appends where it was wrapped.
    .replace(/ \[[^[\]]*\.go:\d+\]/g, '')
    .replace(/: unknown request$/, '')
    // What x/auth/tx's Simulate appends (v0.50+, and the older wording).
    .replace(/ with gas used: '\d+'$/i, '')
    .replace(/ With gas wanted: '\d+' and gas used: '\d+' $/i, '')
  const trimmed = text.trimEnd()
  for (const description of descriptions) {
    // Some descriptions end in a space, which logs keep but transports may trim.
    if (!endsAtBoundary(text, description) && !endsAtBoundary(trimmed, description.trimEnd()))
      continue
    const candidates = byDescription.get(description) ?? []
    return candidates.find((c) => hint.includes(c.codespace)) ?? candidates[0]
  }
  return undefined
}

function endsAtBoundary(text: string, description: string): boolean {
  if (description === '' || !text.endsWith(description)) return false
  const before = text.slice(0, text.length - description.length)
  return before === '' || before.endsWith(': ') || before.endsWith('desc = ')
}

const sdkCodes: Record<number, ChainErrorCode> = {
  4: 'UNAUTHORIZED',
  5: 'INSUFFICIENT_FUNDS',
  11: 'OUT_OF_GAS',
  13: 'INSUFFICIENT_FEE',
  20: 'MEMPOOL_FULL',
  22: 'NOT_FOUND',
  32: 'SEQUENCE_MISMATCH',
  38: 'NOT_FOUND',
}

/**
 * Builds the `ChainError` for a failed transaction (any phase) from the chain's codespace, code
 * and log.
 */
export function createTxError(parameters: {
  phase: TxPhase
  codespace?: string | undefined
  abciCode: number
  log?: string | undefined
  txHash?: string | undefined
  height?: bigint | undefined
  hint?: readonly string[] | undefined
}): ChainError {
  const knownError = resolveKnownChainError(parameters)
  const code = (knownError?.codespace === 'sdk' && sdkCodes[knownError.abciCode]) || 'TX_FAILED'
  const what = knownError
    ? `${knownError.name} (${knownError.codespace}/${knownError.abciCode})`
    : ''
  const phaseText = { simulate: 'in simulation', check: 'by CheckTx', deliver: 'in its block' }
  return new ChainError(
    code,
    `Transaction rejected ${phaseText[parameters.phase]}${what ? `: ${what}` : ''}.`,
    {
      details: `codespace ${parameters.codespace || '(none)'}, code ${parameters.abciCode}: ${parameters.log ?? ''}`,
      codespace: parameters.codespace,
      abciCode: parameters.abciCode,
      log: parameters.log,
      phase: parameters.phase,
      txHash: parameters.txHash,
      height: parameters.height,
      knownError,
    },
  )
}

/** Builds the `ChainError` for a failed `abci_query`. */
export function createQueryError(parameters: {
  path: string
  codespace?: string | undefined
  abciCode: number
  log?: string | undefined
  height?: bigint | undefined
}): ChainError {
  const knownError = resolveKnownChainError(parameters)
  // gRPC NotFound becomes sdk/22 ("key not found") over abci_query; sdk/38 is "not found".
  const notFound =
    (parameters.codespace === 'sdk' &&
      (parameters.abciCode === 22 || parameters.abciCode === 38)) ||
    /rpc error: code = NotFound/.test(parameters.log ?? '')
  return new ChainError(
    notFound ? 'NOT_FOUND' : 'QUERY_FAILED',
    notFound ? `Not found: ${parameters.path}.` : `Query ${parameters.path} failed.`,
    {
      details: `codespace ${parameters.codespace || '(none)'}, code ${parameters.abciCode}: ${parameters.log ?? ''}`,
      codespace: parameters.codespace,
      abciCode: parameters.abciCode,
      log: parameters.log,
      height: parameters.height,
      knownError,
    },
  )
}
