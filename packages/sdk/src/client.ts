import { describeError, equalBytes } from '@decai/core'
import {
  createRingSigner,
  getAddress,
  isAddress,
  privateKeyFromHex,
  type RingSigner,
} from '@decai/crypto'
import type { Session } from '@decai/protocol'
import {
  buildRelayRequest,
  createPoktHttpRequest,
  type HttpHeadersInit,
  type SessionSupplier,
  serializePoktHttpRequest,
  signRelayRequest,
} from '@decai/session'
import { type RelayAttemptFailure, SdkError, type SdkErrorCode } from './errors.js'
import { createOpenAiApi, type OpenAiApi } from './openai.js'
import { DEFAULT_MAX_RESPONSE_BYTES, sendRelay, type VerifiedAnswer } from './relay.js'
import { createRpcReader } from './rpc-reader.js'
import { type ActiveSession, type ChainReader, createSessionState } from './session-state.js'

export type CreateClientParameters = {
  /**
   * The chain: a CometBFT RPC URL (`http://127.0.0.1:26657`, read with `fetch` alone) or a
   * `ChainClient` from `@decai/chain` (or anything with its four reads the client uses).
   */
  chain: string | ChainReader
  /**
   * The key that signs relays: the application's private key (32 bytes or hex). With
   * `application`, the key of a gateway that application delegates to.
   */
  key: Uint8Array | string
  /** The service to relay to, e.g. `llm`; the application must be staked for it. */
  service: string
  /** Relay for this application as its delegated gateway (default: the key's own address). */
  application?: string | undefined
  /** Suppliers tried per request before giving up (default 3). */
  maxAttempts?: number | undefined
  /**
   * Milliseconds one supplier gets to answer: until the head of a streamed answer, or the whole
   * of an unstreamed one (default 120 s). A timed-out supplier counts as failed.
   */
  timeout?: number | undefined
  /**
   * The most bytes read of one supplier's answer, streamed or not (default 64 MiB). A supplier
   * that sends more fails with `RESPONSE_TOO_LARGE` and its connection is closed.
   */
  maxResponseBytes?: number | undefined
  /** A supplier that failed is tried last for this long, in milliseconds (default 30 s). */
  failureCooldownMs?: number | undefined
  /**
   * The order in which a request tries the session's suppliers (at most `maxAttempts` of them).
   * Default: random, spreading load, with suppliers that failed in the cooldown last.
   */
  orderSuppliers?: ((suppliers: readonly SessionSupplier[]) => SessionSupplier[]) | undefined
  /** How long a read of the chain height is reused, in milliseconds (default 1 s). */
  heightCacheMs?: number | undefined
  /** A `fetch` to use instead of the global one (for relays and, with a URL, for the RPC). */
  fetch?: typeof fetch | undefined
  /** Progress events: sessions loaded, suppliers tried and failed over. */
  onEvent?: ((event: ClientEvent) => void) | undefined
}

/** What the client reports while it works (for logs and progress lines). */
export type ClientEvent =
  | {
      type: 'session'
      sessionId: string
      startHeight: bigint
      endHeight: bigint
      suppliers: number
    }
  | { type: 'attempt'; supplierOperatorAddress: string; url: string; attempt: number }
  | { type: 'failover'; failure: RelayAttemptFailure }

/** An HTTP request to relay to the service. */
export type RelayInit = {
  /** Default `GET` without a body, `POST` with one. */
  method?: string | undefined
  headers?: HttpHeadersInit | undefined
  body?: Uint8Array | string | undefined
  signal?: AbortSignal | undefined
}

/** Which supplier answered a relay, in which session, after which failed attempts. */
export type RelayInfo = {
  supplierOperatorAddress: string
  url: string
  sessionId: string
  sessionEndHeight: bigint
  /** Whether the answer came as signed stream frames. */
  streamed: boolean
  /** The suppliers that failed before this one. */
  failures: readonly RelayAttemptFailure[]
}

/** A web `Response` whose head and body were verified against the supplier's signatures. */
export type RelayedResponse = Response & { readonly relay: RelayInfo }

export type DecaiClient = OpenAiApi & {
  /** The application the relays are for. */
  readonly applicationAddress: string
  /** The address of the key that signs (the application, or its gateway). */
  readonly signerAddress: string
  readonly serviceId: string
  /** The current session (cached until the chain moves past its end). */
  getSession(): Promise<Session>
  /**
   * Relays one HTTP request to the service through a session supplier, failing over to another
   * supplier when one is unreachable, refuses, answers with a server error or fails
   * verification. Resolves with the verified answer; a streamed body is verified frame by
   * frame as it is read.
   */
  fetch(path: string, init?: RelayInit): Promise<RelayedResponse>
}

const DEFAULT_TIMEOUT = 120_000

/**
 * An application client for a DecAI service: no gateway, no server. It reads the session from
 * the chain, signs each relay with the application key (ring signature), sends it to a session
 * supplier, verifies the signed answer (streamed answers frame by frame) and fails over to
 * another supplier of the session. `chat.completions.create` has the OpenAI shape.
 *
 * @example
 * import { createClient } from '@decai/sdk'
 * const client = createClient({ chain: 'http://127.0.0.1:26657', key: appKeyHex, service: 'llm' })
 * const completion = await client.chat.completions.create({
 *   messages: [{ role: 'user', content: 'What is the capital of France?' }],
 *   max_tokens: 32,
 * })
 * console.log(completion.choices[0]?.message.content)
 */
export function createClient(parameters: CreateClientParameters): DecaiClient {
  const privateKey = toPrivateKey(parameters.key)
  const signerAddress = getAddress(privateKey)
  const applicationAddress = parameters.application ?? signerAddress
  if (!isAddress(applicationAddress))
    throw new SdkError('INVALID_ARGUMENT', 'Invalid application address.', {
      details: applicationAddress,
    })
  const serviceId = parameters.service
  if (typeof serviceId !== 'string' || serviceId === '')
    throw new SdkError('INVALID_ARGUMENT', 'A service ID is required.')
  const doFetch = parameters.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const chain =
    typeof parameters.chain === 'string'
      ? createRpcReader(parameters.chain, doFetch)
      : parameters.chain
  const maxAttempts = Math.max(1, parameters.maxAttempts ?? 3)
  const timeout = parameters.timeout ?? DEFAULT_TIMEOUT
  const maxResponseBytes = parameters.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 1)
    throw new SdkError('INVALID_ARGUMENT', 'maxResponseBytes must be a positive integer.', {
      details: String(maxResponseBytes),
    })
  const cooldown = parameters.failureCooldownMs ?? 30_000
  const emit = parameters.onEvent ?? (() => {})
  const state = createSessionState({
    chain,
    applicationAddress,
    serviceId,
    heightCacheMs: parameters.heightCacheMs ?? 1000,
  })
  const signer: RingSigner = createRingSigner(privateKey)
  const failedAt = new Map<string, number>()
  let announced: string | undefined
  const order = (suppliers: readonly SessionSupplier[]) =>
    (parameters.orderSuppliers ?? randomOrder)(suppliers)

  const currentSession = async (): Promise<ActiveSession> => {
    const active = await state.current()
    if (announced !== active.sessionId) {
      announced = active.sessionId
      emit({
        type: 'session',
        sessionId: active.sessionId,
        startHeight: active.startHeight,
        endHeight: active.endHeight,
        suppliers: active.suppliers.length,
      })
    }
    return active
  }

  // Suppliers in random order (spreading load), those that failed recently last.
  const randomOrder = (suppliers: readonly SessionSupplier[]): SessionSupplier[] => {
    const now = Date.now()
    const recent = (s: SessionSupplier) =>
      now - (failedAt.get(s.operatorAddress) ?? -Infinity) < cooldown
    const shuffled = shuffle(suppliers)
    return [...shuffled.filter((s) => !recent(s)), ...shuffled.filter(recent)]
  }

  const relay = async (path: string, init: RelayInit = {}): Promise<RelayedResponse> => {
    if (typeof path !== 'string' || !path.startsWith('/'))
      throw new SdkError('INVALID_ARGUMENT', 'The path must start with "/".', { details: path })
    const userSignal = init.signal
    if (userSignal?.aborted) throw aborted(userSignal)
    const active = await currentSession()
    if (active.suppliers.length === 0)
      throw new SdkError('NO_SUPPLIERS', 'The session has no supplier for the service.', {
        details: `service ${serviceId}, session ${active.sessionId}`,
      })
    const payload = serializePoktHttpRequest(
      createPoktHttpRequest({
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        url: path,
        ...(init.headers === undefined ? {} : { headers: init.headers }),
        ...(init.body === undefined ? {} : { body: init.body }),
      }),
    )
    if (!active.ring.some((key) => equalBytes(key, signer.publicKey)))
      throw new SdkError('INVALID_ARGUMENT', "The key is not in the application's ring.", {
        details: `${signerAddress} is neither ${applicationAddress} nor a gateway it delegates to`,
      })
    const header = active.session.header!
    const failures: RelayAttemptFailure[] = []
    const candidates = order(active.suppliers).slice(0, maxAttempts)

    for (const [index, supplier] of candidates.entries()) {
      emit({ type: 'attempt', ...toAttempt(supplier), attempt: index + 1 })
      const controller = new AbortController()
      const onAbort = () => controller.abort(userSignal?.reason)
      userSignal?.addEventListener('abort', onAbort, { once: true })
      const timer = setTimeout(
        () => controller.abort(new SdkError('TIMEOUT', `No answer within ${timeout} ms.`)),
        timeout,
      )
      let answer: VerifiedAnswer
      try {
        const request = signRelayRequest(
          buildRelayRequest({
            sessionHeader: header,
            supplierOperatorAddress: supplier.operatorAddress,
            payload,
          }),
          { signer, ring: active.ring },
        )
        answer = await sendRelay({
          fetch: doFetch,
          request,
          supplier,
          supplierPublicKey: await state.supplierPublicKey(supplier.operatorAddress),
          signal: controller.signal,
          maxResponseBytes,
        })
        if (answer.status >= 500 || answer.status === 429) {
          const body = await readText(answer.body)
          throw new SdkError('SERVICE_UNAVAILABLE', `The service answered HTTP ${answer.status}.`, {
            status: answer.status,
            details: body.slice(0, 300),
          })
        }
      } catch (error) {
        userSignal?.removeEventListener('abort', onAbort)
        if (userSignal?.aborted) throw aborted(userSignal)
        const failure = toFailure(supplier, error, controller.signal)
        failures.push(failure)
        failedAt.set(supplier.operatorAddress, Date.now())
        emit({ type: 'failover', failure })
        continue
      } finally {
        // From here a streamed body is no longer timed; the caller's signal still aborts it.
        clearTimeout(timer)
      }
      failedAt.delete(supplier.operatorAddress)
      const response = new Response(answer.body, {
        status: answer.status,
        headers: answer.headers,
      }) as RelayedResponse
      Object.defineProperty(response, 'relay', {
        value: {
          supplierOperatorAddress: supplier.operatorAddress,
          url: supplier.url,
          sessionId: active.sessionId,
          sessionEndHeight: active.endHeight,
          streamed: answer.streamed,
          failures,
        } satisfies RelayInfo,
        enumerable: true,
      })
      return response
    }
    // Relay miners may be refusing a session the chain has moved past: read it again next time.
    state.invalidate()
    throw new SdkError('ALL_SUPPLIERS_FAILED', `No supplier answered (${failures.length} tried).`, {
      details: failures
        .map((f) => `${f.supplierOperatorAddress}: ${f.code} ${f.message}`)
        .join('\n'),
      attempts: failures,
      status: failures.at(-1)?.status,
    })
  }

  return {
    applicationAddress,
    signerAddress,
    serviceId,
    getSession: async () => (await currentSession()).session,
    fetch: relay,
    ...createOpenAiApi(relay),
  }
}

function toPrivateKey(key: Uint8Array | string): Uint8Array {
  if (key instanceof Uint8Array) return key
  if (typeof key === 'string') return privateKeyFromHex(key.replace(/^0x/i, ''))
  throw new SdkError('INVALID_ARGUMENT', 'The key must be 32 bytes or hex.')
}

function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

const toAttempt = (s: SessionSupplier) => ({
  supplierOperatorAddress: s.operatorAddress,
  url: s.url,
})

function toFailure(
  supplier: SessionSupplier,
  error: unknown,
  signal: AbortSignal,
): RelayAttemptFailure {
  let code: SdkErrorCode = 'SUPPLIER_UNREACHABLE'
  let message = describeError(error)
  let status: number | undefined
  if (signal.aborted && signal.reason instanceof SdkError) {
    code = signal.reason.code
    message = describeError(signal.reason)
  } else if (error instanceof SdkError) {
    code = error.code
    message = describeError(error)
    status = error.status
  } else if (error instanceof Error && error.cause instanceof Error) {
    message = `${error.message}: ${error.cause.message}`
  }
  return { ...toAttempt(supplier), code, message, ...(status === undefined ? {} : { status }) }
}

function aborted(signal: AbortSignal): SdkError {
  return new SdkError('ABORTED', 'The request was aborted.', { cause: signal.reason })
}

async function readText(body: ReadableStream<Uint8Array> | null): Promise<string> {
  if (body === null) return ''
  try {
    return await new Response(body).text()
  } catch {
    return ''
  }
}
