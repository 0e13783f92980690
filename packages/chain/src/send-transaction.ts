import { fromBase64 } from '@cosmjs/encoding'
import type { OfflineDirectSigner } from '@cosmjs/proto-signing'
import type { QueryContext } from './abci-query.js'
import { getTx, type IncludedTx, sleep } from './blocks.js'
import { ChainError, createTxError, isChainError, isTransientChainError } from './errors.js'
import type { SequenceManager, SequenceSlot } from './sequence.js'
import {
  decodeSimulateResponse,
  type EncodedMessage,
  encodeAuthInfo,
  encodeSimulateRequest,
  encodeTxBody,
  encodeTxRaw,
  getTxHash,
  type TxFee,
} from './tx-encoding.js'

/** A gas price: `amount` (a decimal string) of `denom` per unit of gas. */
export type GasPrice = { amount: string; denom: string }

/**
 * Parses a gas price as nodes write it (`minimum-gas-prices`).
 *
 * @example parseGasPrice('0.001upokt') // { amount: '0.001', denom: 'upokt' }
 */
export function parseGasPrice(price: string): GasPrice {
  const match = /^(\d+(?:\.\d+)?)([a-zA-Z][a-zA-Z0-9/:._-]{1,127})$/.exec(price.trim())
  if (!match) {
    throw new ChainError('INVALID_ARGUMENT', `Invalid gas price ${JSON.stringify(price)}.`, {
      details: 'expected an amount and a denomination, e.g. 0.001upokt',
    })
  }
  return { amount: match[1]!, denom: match[2]! }
}

/** `ceil(gasLimit × price)`, in exact decimal arithmetic. */
export function calculateFee(gasLimit: bigint, price: GasPrice): TxFee {
  const [whole = '0', fraction = ''] = price.amount.split('.')
  const scale = 10n ** BigInt(fraction.length)
  const numerator = gasLimit * BigInt(whole + fraction)
  const amount = (numerator + scale - 1n) / scale
  return { amount: amount > 0n ? [{ denom: price.denom, amount }] : [], gasLimit }
}

export type RetryOptions = {
  /** Attempts for a transient failure (network, timeout, full mempool); 4 by default. */
  attempts?: number | undefined
  /** First backoff delay in ms, doubled each attempt (capped at 8×); 250 by default. */
  delay?: number | undefined
}

/** What sending needs beyond queries. */
export type SigningContext = QueryContext & {
  readonly signer: OfflineDirectSigner
  readonly address: string
  readonly publicKey: Uint8Array
  readonly chainId: string
  readonly gasPrice: GasPrice
  readonly gasMultiplier: number
  readonly retry: { attempts: number; delay: number }
  readonly inclusionTimeout: number
  readonly pollingInterval: number
  readonly sequences: SequenceManager
}

/** Options shared by every transaction a signing client sends. */
export type TransactionOptions = {
  memo?: string | undefined
  /** A gas limit, or `auto` (the default): simulate and multiply by the client's multiplier. */
  gas?: bigint | 'auto' | undefined
  /** Exact fee coins; by default `ceil(gas × gasPrice)`. */
  fee?: readonly { denom: string; amount: bigint }[] | undefined
  /** Milliseconds to wait for inclusion; the client's default otherwise. */
  timeout?: number | undefined
  signal?: AbortSignal | undefined
}

export type SendTransactionParameters = TransactionOptions & {
  messages: readonly EncodedMessage[]
}

// Codespaces of the modules the messages belong to, to disambiguate error texts several modules
// register (see resolveKnownChainError).
function codespaceHints(messages: readonly EncodedMessage[]): string[] {
  return messages.map((m) => /^\/(?:pocket|cosmos)\.([a-z]+)\./.exec(m.typeUrl)?.[1] ?? '')
}

/**
 * Estimates the gas of a transaction by simulating it (signature left empty) with the signer's
 * next sequence. Failures are the chain's verdict on the messages, phase `simulate`.
 */
export async function simulateTransaction(
  ctx: SigningContext,
  parameters: { messages: readonly EncodedMessage[]; memo?: string | undefined; sequence: bigint },
): Promise<{ gasUsed: bigint; gasWanted: bigint }> {
  const bodyBytes = encodeTxBody(parameters)
  const authInfoBytes = encodeAuthInfo({
    publicKey: ctx.publicKey,
    sequence: parameters.sequence,
    fee: { amount: [], gasLimit: 0n },
  })
  const txBytes = encodeTxRaw({ bodyBytes, authInfoBytes, signatures: [new Uint8Array()] })
  const response = await withRetries(ctx, () =>
    ctx.comet.abciQuery({
      path: '/cosmos.tx.v1beta1.Service/Simulate',
      data: encodeSimulateRequest(txBytes),
    }),
  )
  if (response.code) {
    throw createTxError({
      phase: 'simulate',
      codespace: response.codespace,
      abciCode: response.code,
      log: response.log,
      hint: codespaceHints(parameters.messages),
    })
  }
  return decodeSimulateResponse(response.value)
}

async function signTransaction(
  ctx: SigningContext,
  parameters: SendTransactionParameters,
  slot: SequenceSlot,
): Promise<Uint8Array> {
  const bodyBytes = encodeTxBody(parameters)
  let gasLimit: bigint
  if (typeof parameters.gas === 'bigint') gasLimit = parameters.gas
  else {
    const { gasUsed } = await simulateTransaction(ctx, { ...parameters, sequence: slot.sequence })
    gasLimit = multiplyGas(gasUsed, ctx.gasMultiplier)
  }
  const fee: TxFee = parameters.fee
    ? { amount: parameters.fee, gasLimit }
    : calculateFee(gasLimit, ctx.gasPrice)
  const authInfoBytes = encodeAuthInfo({ publicKey: ctx.publicKey, sequence: slot.sequence, fee })
  const { signed, signature } = await ctx.signer.signDirect(ctx.address, {
    bodyBytes,
    authInfoBytes,
    chainId: ctx.chainId,
    accountNumber: slot.accountNumber,
  })
  return encodeTxRaw({
    bodyBytes: signed.bodyBytes,
    authInfoBytes: signed.authInfoBytes,
    signatures: [fromBase64(signature.signature)],
  })
}

function multiplyGas(gasUsed: bigint, multiplier: number): bigint {
  const permille = BigInt(Math.ceil(multiplier * 1000))
  return (gasUsed * permille + 999n) / 1000n
}

/**
 * Sends signed bytes with `broadcast_tx_sync`, re-sending the same bytes on transient failures
 * (so a broadcast that did reach the node is not duplicated). Resolves when `CheckTx` accepts.
 */
async function broadcastSigned(
  ctx: SigningContext,
  txBytes: Uint8Array,
  hint: readonly string[],
): Promise<string> {
  const hash = await getTxHash(txBytes)
  let response: Awaited<ReturnType<typeof ctx.comet.broadcastTxSync>>
  try {
    response = await withRetries(ctx, () => ctx.comet.broadcastTxSync({ tx: txBytes }))
  } catch (error) {
    // The node already has these exact bytes: an earlier attempt got through.
    if (isChainError(error) && /already exists in cache/i.test(error.message + error.details))
      return hash
    throw error
  }
  // sdk/19: already in the mempool cache, i.e. accepted before.
  if (response.code && !(response.codespace === 'sdk' && response.code === 19)) {
    throw createTxError({
      phase: 'check',
      codespace: response.codespace,
      abciCode: response.code,
      log: response.log,
      txHash: hash,
      hint,
    })
  }
  return hash
}

function parseExpectedSequence(log: string | undefined): bigint | undefined {
  const match = /expected (\d+), got (\d+)/.exec(log ?? '')
  return match ? BigInt(match[1]!) : undefined
}

const MAX_SEQUENCE_RESYNCS = 5

/**
 * Signs and broadcasts a transaction, resolving with its hash once `CheckTx` accepts it. Many
 * calls may run at once: signing is serialised per signer and the next sequence is tracked
 * locally; a sequence mismatch (sdk/32) resynchronises and signs again.
 */
export async function broadcastTransaction(
  ctx: SigningContext,
  parameters: SendTransactionParameters,
): Promise<{ hash: string }> {
  if (parameters.messages.length === 0) {
    throw new ChainError('INVALID_ARGUMENT', 'A transaction needs at least one message.')
  }
  const hint = codespaceHints(parameters.messages)
  const hash = await ctx.sequences.run(async (slot, resync) => {
    let current = slot
    for (let attempt = 0; ; attempt++) {
      if (parameters.signal?.aborted) throw new ChainError('ABORTED', 'Sending was aborted.')
      try {
        const txBytes = await signTransaction(ctx, parameters, current)
        const value = await broadcastSigned(ctx, txBytes, hint)
        return { value, usedSequence: current.sequence }
      } catch (error) {
        if (
          isChainError(error) &&
          error.code === 'SEQUENCE_MISMATCH' &&
          attempt < MAX_SEQUENCE_RESYNCS
        ) {
          current = await resync(parseExpectedSequence(error.log))
          continue
        }
        throw error
      }
    }
  })
  return { hash }
}

/**
 * Waits until a transaction is included, polling `tx` by hash. Resolves with its result, or
 * throws its failure (phase `deliver`) or `TX_TIMEOUT`.
 */
export async function waitForTransaction(
  ctx: QueryContext,
  parameters: {
    hash: string
    timeout?: number | undefined
    pollingInterval?: number | undefined
    signal?: AbortSignal | undefined
    hint?: readonly string[] | undefined
  },
): Promise<IncludedTx> {
  const { hash, timeout = 60_000, pollingInterval = 250, signal } = parameters
  const deadline = Date.now() + timeout
  for (;;) {
    if (signal?.aborted) throw new ChainError('ABORTED', 'Waiting for a transaction was aborted.')
    let tx: IncludedTx | undefined
    try {
      tx = await getTx(ctx, { hash })
    } catch (error) {
      if (!(isChainError(error) && (error.code === 'NOT_FOUND' || isTransientChainError(error))))
        throw error
    }
    if (tx) {
      if (tx.code !== 0) {
        throw createTxError({
          phase: 'deliver',
          codespace: tx.codespace,
          abciCode: tx.code,
          log: tx.log,
          txHash: tx.hash,
          height: tx.height,
          hint: parameters.hint,
        })
      }
      return tx
    }
    if (Date.now() >= deadline) {
      throw new ChainError('TX_TIMEOUT', `Transaction ${hash} was not included in ${timeout} ms.`, {
        txHash: hash,
      })
    }
    await sleep(pollingInterval, signal)
  }
}

/**
 * Signs, broadcasts and waits for inclusion: the result of an included, successful transaction,
 * or a `ChainError` saying where it failed (`phase`) and why (`codespace`, `abciCode`, `log`,
 * `knownError`).
 */
export async function sendTransaction(
  ctx: SigningContext,
  parameters: SendTransactionParameters,
): Promise<IncludedTx> {
  const { hash } = await broadcastTransaction(ctx, parameters)
  try {
    return await waitForTransaction(ctx, {
      hash,
      timeout: parameters.timeout ?? ctx.inclusionTimeout,
      pollingInterval: ctx.pollingInterval,
      signal: parameters.signal,
      hint: codespaceHints(parameters.messages),
    })
  } catch (error) {
    // A transaction that never lands may leave a gap in the sequence; start again from the chain.
    if (isChainError(error) && error.code === 'TX_TIMEOUT') ctx.sequences.invalidate()
    throw error
  }
}

/** Runs `request`, retrying transient failures with exponential backoff. */
export async function withRetries<T>(
  ctx: { retry: { attempts: number; delay: number } },
  request: () => Promise<T>,
): Promise<T> {
  const { attempts, delay } = ctx.retry
  for (let attempt = 1; ; attempt++) {
    try {
      return await request()
    } catch (error) {
      if (attempt >= attempts || !isTransientChainError(error)) throw error
      await sleep(delay * 2 ** Math.min(attempt - 1, 3))
    }
  }
}

/**
 * Whether an error leaves the signer's sequence unused: the chain refused the transaction in
 * simulation or `CheckTx` (for any reason but a sequence mismatch), or it was never signed.
 */
export function keepsSequence(error: unknown): boolean {
  if (!isChainError(error)) return false
  if (error.code === 'ABORTED' || error.code === 'INVALID_ARGUMENT') return true
  return (
    (error.phase === 'simulate' || error.phase === 'check') && error.code !== 'SEQUENCE_MISMATCH'
  )
}
