import type { RingSigner } from '@decai/crypto'
import {
  buildRelayRequest,
  createPoktHttpRequest,
  serializePoktHttpRequest,
  signRelayRequest,
} from '@decai/session'
import type { CachedSession, ChainView } from './chain-view.js'
import type { EndpointName, GatewayConfig } from './config.js'
import { GatewayError, toOpenAiError } from './errors.js'
import type { Logger } from './logger.js'
import type { GatewayMetrics } from './metrics.js'
import type { CatalogModel } from './models.js'
import { type AttemptEvent, AttemptFailure, runRelayAttempt } from './relay-attempt.js'
import {
  formatSseError,
  inspectChunk,
  readUsage,
  type SseEvent,
  SseParser,
  type Usage,
} from './sse.js'
import type { SupplierRouter } from './supplier-router.js'

// One client request, end to end: choose an application and its session, send the relay to the
// best supplier, and race further attempts when needed —
//
// - a retry on another supplier when an attempt fails before the first byte reached the client;
// - a hedge (a second attempt in parallel) when the first token is late;
// - the neighbouring session when a supplier rejects ours near a session boundary.
//
// The first attempt with a verified first token (stream) or a verified whole answer wins; the
// others are aborted. From then on the winner's verified chunks are forwarded as they come, and
// a failure becomes an OpenAI-style error event in the stream. Keep-alive comments are not part
// of the answer: retries and hedges stay possible after them.

export type ExecuteParameters = {
  endpoint: EndpointName
  /** Path the suppliers' backend sees, e.g. `/v1/chat/completions`. */
  path: string
  model: CatalogModel
  /** The JSON body sent upstream. */
  body: Uint8Array
  stream: boolean
  /** Drop the usage-only chunk (the gateway asked for usage, the client did not). */
  stripUsage: boolean
  /** Application bound to the API key, if any. */
  application: string | null
  /** Aborts when the client disconnects. */
  signal: AbortSignal
  /** `performance.now()` when the request arrived. */
  receivedAt: number
}

export type ExecutionOutcome = {
  status: number
  serviceId: string
  application: string | null
  supplier: string | null
  relays: number
  usage: Usage | undefined
  /** Content chunks forwarded (a token estimate when usage is missing). */
  contentChunks: number
  ttftMs: number | null
  latencyMs: number
  overheadMs: number | null
  /** Gateway error code when the request failed. */
  errorCode: string | null
  clientDisconnected: boolean
}

export type Execution = { response: Response; outcome: Promise<ExecutionOutcome> }

export type RelayExecutorOptions = {
  view: ChainView
  router: SupplierRouter
  signer: RingSigner
  config: GatewayConfig
  metrics: GatewayMetrics
  logger: Logger
}

const encoder = new TextEncoder()

type Attempt = {
  id: number
  supplier: string
  session: CachedSession
  hedge: boolean
  startedAt: number
  fetchStartedAt: number
  responseAt: number
  abort: AbortController
  iterator: AsyncGenerator<AttemptEvent, void, undefined>
  next: Promise<Step>
  head: { status: number; headers: Record<string, string> } | undefined
  body: Uint8Array[]
  /** Stream attempts: SSE split, events held until the attempt wins. */
  parser: SseParser | undefined
  decoder: TextDecoder
  held: SseEvent[]
  heldBytes: Uint8Array[]
  ready: boolean
  cancelled: boolean
}

type Step =
  | { kind: 'event'; attempt: Attempt; event: AttemptEvent }
  | { kind: 'error'; attempt: Attempt; error: unknown }
  | { kind: 'finished'; attempt: Attempt }

type Wake =
  | Step
  | { kind: 'hedge' }
  | { kind: 'keepalive' }
  | { kind: 'deadline' }
  | { kind: 'timeout'; attempt: Attempt }
  | { kind: 'client' }

function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

function timer<T>(ms: number, value: T, timers: ReturnType<typeof setTimeout>[]): Promise<T> {
  return new Promise((resolve) => {
    timers.push(setTimeout(() => resolve(value), Math.max(0, ms)))
  })
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

/** Whether a backend status means "try another supplier" rather than "your request is wrong". */
function isRetryableStatus(status: number): boolean {
  // 404 here is the backend not serving the model the service promises; 408/409/425/429 and
  // 5xx are the backend's trouble.
  return (
    status === 404 ||
    status === 408 ||
    status === 409 ||
    status === 425 ||
    status === 429 ||
    status >= 500
  )
}

const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
}

/** A client-facing body the gateway writes to as verified bytes arrive. */
class ClientStream {
  readonly stream: ReadableStream<Uint8Array>
  #controller!: ReadableStreamDefaultController<Uint8Array>
  #closed = false
  lastWriteAt = performance.now()

  constructor(onCancel: () => void) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller
      },
      cancel: () => {
        this.#closed = true
        onCancel()
      },
    })
  }

  get closed(): boolean {
    return this.#closed
  }

  write(chunk: Uint8Array | string): void {
    if (this.#closed) return
    this.#controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)
    this.lastWriteAt = performance.now()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#controller.close()
  }
}

export class RelayExecutor {
  readonly #o: RelayExecutorOptions
  #roundRobin = 0
  #ids = 0

  constructor(options: RelayExecutorOptions) {
    this.#o = options
  }

  async execute(p: ExecuteParameters): Promise<Execution> {
    const serviceId = p.model.serviceId
    // A key bound to an application pays with that one only, if it delegates to us for the service.
    const eligible = this.#o.view.applicationsFor(serviceId)
    const apps = p.application ? eligible.filter((a) => a === p.application) : eligible
    if (apps.length === 0 && !this.#o.view.ready)
      return this.#failed(
        p,
        new GatewayError('SESSION_UNAVAILABLE', 'The chain has not been read yet.', {
          details: this.#o.view.lastError,
        }),
        null,
      )
    if (apps.length === 0)
      return this.#failed(
        p,
        new GatewayError('NO_APPLICATION', 'No application may pay for this service.', {
          details: p.application
            ? `service ${serviceId}, application ${p.application}`
            : `service ${serviceId}`,
        }),
        null,
      )
    const application = apps.length === 1 ? apps[0]! : apps[this.#roundRobin++ % apps.length]!
    let sessions: CachedSession[]
    try {
      sessions = await this.#o.view.getSessions(application, serviceId)
    } catch (error) {
      return this.#failed(p, error, application)
    }
    const run = new RequestRun(this.#o, p, application, sessions, () => ++this.#ids)
    return run.start()
  }

  #failed(p: ExecuteParameters, error: unknown, application: string | null): Execution {
    const { status, body, retryAfter } = toOpenAiError(error)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter)
    return {
      response: new Response(JSON.stringify(body), { status, headers }),
      outcome: Promise.resolve({
        status,
        serviceId: p.model.serviceId,
        application,
        supplier: null,
        relays: 0,
        usage: undefined,
        contentChunks: 0,
        ttftMs: null,
        latencyMs: performance.now() - p.receivedAt,
        overheadMs: null,
        errorCode: body.error.code,
        clientDisconnected: false,
      }),
    }
  }
}

class RequestRun {
  readonly #o: RelayExecutorOptions
  readonly #p: ExecuteParameters
  readonly #application: string
  #sessions: CachedSession[]
  #sessionIndex = 0
  #sessionSwitches = 0
  readonly #nextId: () => number
  readonly #serviceId: string
  readonly #payload: Uint8Array
  readonly #active: Attempt[] = []
  readonly #tried = new Set<string>()
  #started = 0
  #lastFailure: AttemptFailure | GatewayError | undefined
  #unansweredFailure = false
  #hedge: Attempt | undefined
  #client: ClientStream | undefined
  readonly #response = deferred<Response>()
  readonly #outcome = deferred<ExecutionOutcome>()
  readonly #clientGone: Promise<Wake>
  #disconnected = false
  // Results.
  #usage: Usage | undefined
  #contentChunks = 0
  #firstTokenAt: number | undefined
  #lastContentAt: number | undefined
  #sawDone = false

  constructor(
    options: RelayExecutorOptions,
    p: ExecuteParameters,
    application: string,
    sessions: CachedSession[],
    nextId: () => number,
  ) {
    this.#o = options
    this.#p = p
    this.#application = application
    this.#sessions = sessions
    this.#nextId = nextId
    this.#serviceId = p.model.serviceId
    this.#payload = serializePoktHttpRequest(
      createPoktHttpRequest({
        method: 'POST',
        url: p.path,
        headers: {
          'Content-Type': 'application/json',
          Accept: p.stream ? 'text/event-stream' : 'application/json',
        },
        body: p.body,
      }),
    )
    this.#clientGone = new Promise((resolve) => {
      if (p.signal.aborted) resolve({ kind: 'client' })
      else p.signal.addEventListener('abort', () => resolve({ kind: 'client' }), { once: true })
    })
  }

  /** Runs the request; resolves once the client response is known (a stream keeps flowing). */
  async start(): Promise<Execution> {
    void this.#run()
    return { response: await this.#response.promise, outcome: this.#outcome.promise }
  }

  // --- attempts -------------------------------------------------------------------------------

  #candidates(): string[] {
    return this.#sessions[this.#sessionIndex]!.suppliers.map((s) => s.operatorAddress)
  }

  #canStart(): boolean {
    const limit = this.#o.config.routing.maxAttempts + this.#sessionSwitches
    if (this.#started >= limit) return false
    return this.#candidates().some((c) => !this.#tried.has(c))
  }

  #startAttempt(hedge: boolean): Attempt | undefined {
    const session = this.#sessions[this.#sessionIndex]!
    const supplier = this.#o.router.select(this.#serviceId, this.#candidates(), this.#tried)
    if (supplier === undefined) return undefined
    const url = session.suppliers.find((s) => s.operatorAddress === supplier)!.url
    this.#tried.add(supplier)
    this.#started++
    if (this.#unansweredFailure) {
      // Another supplier after a failure (as the next attempt, or as a new hedge): a retry.
      this.#unansweredFailure = false
      this.#o.metrics.retries.inc({
        service: this.#serviceId,
        reason: this.#lastFailure instanceof AttemptFailure ? this.#lastFailure.reason : 'none',
      })
    }
    this.#o.router.started(this.#serviceId, supplier)
    const attempt: Attempt = {
      id: this.#nextId(),
      supplier,
      session,
      hedge,
      startedAt: performance.now(),
      fetchStartedAt: 0,
      responseAt: 0,
      abort: new AbortController(),
      iterator: undefined as unknown as Attempt['iterator'],
      next: undefined as unknown as Promise<Step>,
      head: undefined,
      body: [],
      parser: undefined,
      decoder: new TextDecoder(),
      held: [],
      heldBytes: [],
      ready: false,
      cancelled: false,
    }
    attempt.iterator = this.#flow(attempt, url)
    this.#pull(attempt)
    this.#active.push(attempt)
    this.#o.logger.debug('relay sent', {
      service: this.#serviceId,
      supplier,
      session: session.header.sessionId,
      hedge,
    })
    return attempt
  }

  async *#flow(a: Attempt, url: string): AsyncGenerator<AttemptEvent, void, undefined> {
    let supplierPublicKey: Uint8Array
    try {
      supplierPublicKey = await this.#o.view.getPublicKey(a.supplier)
    } catch {
      throw new AttemptFailure('malformed', 'The supplier has no public key on chain.')
    }
    const request = signRelayRequest(
      buildRelayRequest({
        sessionHeader: a.session.header,
        supplierOperatorAddress: a.supplier,
        payload: this.#payload,
      }),
      { signer: this.#o.signer, ring: a.session.ring },
    )
    a.fetchStartedAt = performance.now()
    yield* runRelayAttempt({
      url,
      request,
      supplierOperatorAddress: a.supplier,
      supplierPublicKey,
      stream: this.#p.stream,
      signal: a.abort.signal,
      onResponse: () => {
        a.responseAt = performance.now()
      },
    })
  }

  #pull(a: Attempt): void {
    a.next = a.iterator.next().then(
      (r): Step =>
        r.done ? { kind: 'finished', attempt: a } : { kind: 'event', attempt: a, event: r.value },
      (error: unknown): Step => ({ kind: 'error', attempt: a, error }),
    )
  }

  #remove(a: Attempt): void {
    const i = this.#active.indexOf(a)
    if (i >= 0) this.#active.splice(i, 1)
  }

  /** Abandons an attempt without a verdict on its supplier (hedge lost, client gone). */
  #cancel(a: Attempt, outcome: 'hedge_lost' | 'cancelled'): void {
    if (a.cancelled) return
    a.cancelled = true
    this.#remove(a)
    a.abort.abort()
    void a.iterator.return(undefined).catch(() => {})
    a.next.catch(() => {})
    const waited = a.ready ? undefined : performance.now() - a.startedAt
    this.#o.router.cancelled(
      this.#serviceId,
      a.supplier,
      outcome === 'hedge_lost' ? waited : undefined,
    )
    this.#o.metrics.relays.inc({ service: this.#serviceId, supplier: a.supplier, outcome })
  }

  async #fail(a: Attempt, error: unknown): Promise<void> {
    this.#remove(a)
    a.abort.abort()
    void a.iterator.return(undefined).catch(() => {})
    const failure =
      error instanceof AttemptFailure
        ? error
        : new AttemptFailure('connect', error instanceof Error ? error.message : String(error))
    this.#lastFailure = failure
    this.#unansweredFailure = true
    const labels = { service: this.#serviceId, supplier: a.supplier }
    this.#o.metrics.relays.inc({ ...labels, outcome: 'failed' })
    this.#o.metrics.supplierErrors.inc({ ...labels, reason: failure.reason })
    this.#o.logger.info('relay failed', {
      ...labels,
      reason: failure.reason,
      error: failure.message,
    })
    if (failure.reason === 'session') {
      // Not the supplier's fault: our session is a block early or late for it.
      this.#o.router.cancelled(this.#serviceId, a.supplier)
      if (this.#sessionSwitches < 2) {
        this.#sessionSwitches++
        this.#o.metrics.sessionRetries.inc({ service: this.#serviceId })
        await this.#o.view.syncHeight()
        try {
          this.#sessions = await this.#o.view.getSessions(this.#application, this.#serviceId)
        } catch {
          // Keep the sessions we have.
        }
        const other = this.#sessions.findIndex(
          (x) => x.header.sessionId !== a.session.header.sessionId,
        )
        this.#sessionIndex = Math.max(other, 0)
        this.#tried.delete(a.supplier)
      }
      return
    }
    this.#o.router.failed(this.#serviceId, a.supplier, failure.reason)
  }

  #hedgeDelay(): number {
    const { routing } = this.#o.config
    const typical = this.#p.stream
      ? this.#o.router.typicalTtftMs(this.#serviceId)
      : this.#o.router.typicalLatencyMs(this.#serviceId)
    const delay =
      typical === undefined ? routing.hedgeDelayMs : typical * routing.hedgeTtftMultiplier
    return Math.min(routing.maxHedgeDelayMs, Math.max(routing.minHedgeDelayMs, delay))
  }

  // --- the race before the first byte --------------------------------------------------------

  async #run(): Promise<void> {
    let winner: Attempt | undefined
    try {
      winner = await this.#race()
    } catch (error) {
      this.#finishWithError(error)
      return
    }
    if (!winner) return
    try {
      await this.#deliver(winner)
    } catch (error) {
      this.#o.logger.error('delivery failed', { error })
      this.#client?.close()
      this.#finish(winner, 500, 'INTERNAL')
    }
  }

  async #race(): Promise<Attempt | undefined> {
    const { config } = this.#o
    if (!this.#startAttempt(false))
      throw new GatewayError('NO_SUPPLIERS', 'The session has no supplier to relay to.', {
        details: `service ${this.#serviceId}`,
      })
    const deadline = this.#p.receivedAt + config.timeouts.requestMs
    // A hedge goes out once the first token is this late; when a hedge fails while the slow
    // attempt is still waiting, the next one goes out at once.
    const hedgeDueAt = this.#active[0]!.startedAt + this.#hedgeDelay()
    for (;;) {
      if (this.#active.length === 0) {
        if (!this.#canStart() || !this.#startAttempt(false)) throw this.#exhausted()
        continue
      }
      const now = performance.now()
      let hedgeArmed = config.routing.hedge && this.#active.length === 1 && this.#canStart()
      if (hedgeArmed && now >= hedgeDueAt) {
        const hedge = this.#startAttempt(true)
        if (hedge) {
          this.#hedge = hedge
          continue
        }
        hedgeArmed = false
      }
      const timers: ReturnType<typeof setTimeout>[] = []
      const waits: Promise<Wake>[] = this.#active.map((a) => a.next)
      waits.push(this.#clientGone, timer(deadline - now, { kind: 'deadline' as const }, timers))
      if (hedgeArmed) waits.push(timer(hedgeDueAt - now, { kind: 'hedge' as const }, timers))
      for (const a of this.#active)
        waits.push(
          timer(
            a.startedAt + config.timeouts.firstTokenMs - now,
            { kind: 'timeout' as const, attempt: a },
            timers,
          ),
        )
      if (this.#p.stream) {
        const last = this.#client?.lastWriteAt ?? this.#p.receivedAt
        waits.push(
          timer(last + config.timeouts.keepAliveMs - now, { kind: 'keepalive' as const }, timers),
        )
      }
      const wake = await Promise.race(waits)
      for (const t of timers) clearTimeout(t)

      switch (wake.kind) {
        case 'client':
          this.#disconnect()
          return undefined
        case 'deadline':
          for (const a of [...this.#active])
            await this.#fail(a, new AttemptFailure('timeout', 'Request deadline.'))
          throw new GatewayError('UPSTREAM_TIMEOUT', 'No supplier answered in time.')
        case 'hedge':
          continue
        case 'timeout':
          await this.#fail(wake.attempt, new AttemptFailure('timeout', 'No first token in time.'))
          continue
        case 'keepalive':
          this.#openStream(200, sseHeaders, null)
          this.#client!.write(': keep-alive\n\n')
          continue
        case 'error':
          if (wake.attempt.cancelled) continue
          await this.#fail(wake.attempt, wake.error)
          continue
        case 'finished':
          if (wake.attempt.cancelled) continue
          await this.#fail(
            wake.attempt,
            new AttemptFailure('truncated', 'The relay ended without an end.'),
          )
          continue
        case 'event': {
          const a = wake.attempt
          if (a.cancelled) continue
          const verdict = await this.#onEvent(a, wake.event)
          if (verdict === 'win') return this.#win(a)
          if (verdict === 'continue') this.#pull(a)
          continue
        }
      }
    }
  }

  /** Handles one verified event of an attempt before any has won. */
  async #onEvent(a: Attempt, event: AttemptEvent): Promise<'win' | 'continue' | 'failed'> {
    const ok = a.head !== undefined && a.head.status >= 200 && a.head.status < 300
    switch (event.type) {
      case 'head':
        a.head = { status: event.status, headers: event.headers }
        if (
          this.#p.stream &&
          event.status >= 200 &&
          event.status < 300 &&
          isEventStream(event.headers)
        )
          a.parser = new SseParser()
        return 'continue'
      case 'data':
        if (!a.head) {
          await this.#fail(a, new AttemptFailure('malformed', 'Data before the head.'))
          return 'failed'
        }
        if (!this.#p.stream || !ok) {
          a.body.push(event.bytes)
          return 'continue'
        }
        if (!a.parser) {
          // A streamed answer that is not SSE: its first bytes are its first token.
          a.heldBytes.push(event.bytes)
          a.ready = true
          return 'win'
        }
        // Hold events until one carries a token: role-only chunks do not count as a first token.
        for (const e of a.parser.push(a.decoder.decode(event.bytes, { stream: true }))) {
          a.held.push(e)
          if (e.data === undefined) continue
          const info = inspectChunk(e.data)
          if (info.error !== undefined) {
            // The backend failed before its first token: nothing reached the client yet, so
            // another supplier may still answer.
            await this.#fail(
              a,
              new AttemptFailure('upstream_status', 'The backend sent an error before any token.'),
            )
            return 'failed'
          }
          if (info.hasContent || info.done || info.usage) a.ready = true
        }
        return a.ready ? 'win' : 'continue'
      case 'end':
        if (!a.head) {
          await this.#fail(a, new AttemptFailure('malformed', 'The relay has no head.'))
          return 'failed'
        }
        if (!ok && isRetryableStatus(a.head.status)) {
          await this.#fail(
            a,
            new AttemptFailure('upstream_status', `The backend answered HTTP ${a.head.status}.`),
          )
          return 'failed'
        }
        a.ready = true
        a.body.push(...a.heldBytes)
        return 'win'
    }
  }

  #win(a: Attempt): Attempt {
    this.#remove(a)
    for (const other of [...this.#active]) this.#cancel(other, 'hedge_lost')
    if (this.#hedge)
      this.#o.metrics.hedges.inc({
        service: this.#serviceId,
        won: a === this.#hedge ? 'hedge' : 'primary',
      })
    return a
  }

  #exhausted(): GatewayError {
    if (this.#hedge) this.#o.metrics.hedges.inc({ service: this.#serviceId, won: 'none' })
    const last = this.#lastFailure
    if (last instanceof GatewayError) return last
    return new GatewayError('UPSTREAM_FAILED', 'Every supplier tried failed.', {
      details: last ? `last: ${last.reason}: ${last.message}` : `tried ${this.#started}`,
      cause: last,
    })
  }

  #disconnect(): void {
    this.#disconnected = true
    for (const a of [...this.#active]) this.#cancel(a, 'cancelled')
    this.#o.metrics.clientDisconnects.inc({ endpoint: this.#p.endpoint })
    this.#client?.close()
    this.#response.resolve(new Response(null, { status: 499 }))
    this.#finish(undefined, 499, null)
  }

  // --- answering the client -------------------------------------------------------------------

  #openStream(status: number, headers: Record<string, string>, supplier: string | null): void {
    if (this.#client) return
    this.#client = new ClientStream(() => {
      if (!this.#p.signal.aborted) this.#disconnected = true
    })
    const h: Record<string, string> = { ...headers }
    if (supplier) h['x-decai-supplier'] = supplier
    this.#response.resolve(new Response(this.#client.stream, { status, headers: h }))
  }

  async #deliver(a: Attempt): Promise<void> {
    const head = a.head!
    const ok = head.status >= 200 && head.status < 300
    const contentType = head.headers['content-type'] ?? 'application/json'
    if (!this.#p.stream || !ok || (!a.parser && a.heldBytes.length === 0)) {
      // A whole answer: a non-streamed response, a backend error passed through, or an empty stream.
      const body = concat(a.body)
      const latency = performance.now() - this.#p.receivedAt
      if (ok && !this.#p.stream) {
        this.#o.router.succeeded(this.#serviceId, a.supplier, {
          latencyMs: performance.now() - a.startedAt,
        })
        this.#usage = readUsage(safeJson(body))
      } else this.#o.router.cancelled(this.#serviceId, a.supplier)
      this.#o.metrics.relays.inc({
        service: this.#serviceId,
        supplier: a.supplier,
        outcome: ok ? 'ok' : 'client_error',
      })
      const overhead = a.responseAt > 0 ? latency - (a.responseAt - a.fetchStartedAt) : null
      if (this.#client) {
        // Keep-alives already went out as SSE: the answer has to follow as SSE.
        if (ok) this.#client.write(body)
        else this.#client.write(formatSseError(upstreamError(head.status, body)))
        this.#client.close()
      } else {
        const headers: Record<string, string> = {
          'content-type': contentType,
          'x-decai-supplier': a.supplier,
        }
        if (overhead !== null) headers['x-decai-overhead-duration-ms'] = overhead.toFixed(2)
        this.#response.resolve(
          new Response(body as Uint8Array<ArrayBuffer>, { status: head.status, headers }),
        )
      }
      this.#finish(a, head.status, null, overhead)
      return
    }

    // A stream: headers now (unless keep-alives sent them), then every verified event.
    this.#openStream(200, { ...sseHeaders, 'content-type': contentType }, a.supplier)
    const client = this.#client!
    const forwardEvent = (e: SseEvent) => {
      if (e.data !== undefined) {
        const info = inspectChunk(e.data)
        if (info.usage) this.#usage = info.usage
        if (info.done) this.#sawDone = true
        if (this.#p.stripUsage && info.usageOnly) return
        if (info.hasContent) {
          this.#contentChunks++
          this.#lastContentAt = performance.now()
          this.#firstTokenAt ??= this.#lastContentAt
        }
      }
      client.write(e.raw)
    }
    for (const e of a.held) forwardEvent(e)
    for (const bytes of a.heldBytes) {
      this.#firstTokenAt ??= performance.now()
      client.write(bytes)
    }
    a.held = []
    a.heldBytes = []
    this.#pull(a)

    const { timeouts } = this.#o.config
    let lastUpstreamAt = performance.now()
    for (;;) {
      if (this.#disconnected || client.closed) {
        this.#cancel(a, 'cancelled')
        this.#o.metrics.clientDisconnects.inc({ endpoint: this.#p.endpoint })
        this.#finish(a, 499, null)
        return
      }
      const now = performance.now()
      const timers: ReturnType<typeof setTimeout>[] = []
      const wake = await Promise.race<Wake>([
        a.next,
        this.#clientGone,
        timer(lastUpstreamAt + timeouts.idleMs - now, { kind: 'deadline' as const }, timers),
        timer(
          client.lastWriteAt + timeouts.keepAliveMs - now,
          { kind: 'keepalive' as const },
          timers,
        ),
      ])
      for (const t of timers) clearTimeout(t)
      if (wake.kind === 'client') {
        this.#disconnected = true
        continue
      }
      if (wake.kind === 'keepalive') {
        client.write(': keep-alive\n\n')
        continue
      }
      if (wake.kind === 'deadline' || wake.kind === 'error' || wake.kind === 'finished') {
        const failure =
          wake.kind === 'deadline'
            ? new AttemptFailure('timeout', 'The supplier went silent.')
            : wake.kind === 'finished'
              ? new AttemptFailure('truncated', 'The stream ended without its final frame.')
              : wake.error
        await this.#fail(a, failure)
        const reason =
          this.#lastFailure instanceof AttemptFailure ? this.#lastFailure.reason : 'unknown'
        this.#o.metrics.streamErrors.inc({ model: this.#p.model.name, reason })
        if (!this.#sawDone) {
          client.write(
            formatSseError({
              message: `The supplier stopped before the end of the answer (${reason}).`,
              type: 'server_error',
              code: wake.kind === 'deadline' ? 'timeout' : 'upstream_interrupted',
            }),
          )
        }
        client.close()
        this.#finish(a, 200, wake.kind === 'deadline' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_INTERRUPTED')
        return
      }
      if (wake.kind !== 'event') continue
      lastUpstreamAt = performance.now()
      const event = wake.event
      if (event.type === 'data') {
        if (a.parser)
          for (const e of a.parser.push(a.decoder.decode(event.bytes, { stream: true })))
            forwardEvent(e)
        else client.write(event.bytes)
        this.#pull(a)
        continue
      }
      if (event.type === 'end') {
        const rest = a.parser?.flush()
        if (rest) forwardEvent(rest)
        client.close()
        const completion = this.#usage?.completionTokens ?? this.#contentChunks
        const decodeSeconds =
          this.#firstTokenAt !== undefined && this.#lastContentAt !== undefined
            ? (this.#lastContentAt - this.#firstTokenAt) / 1000
            : 0
        this.#o.router.succeeded(this.#serviceId, a.supplier, {
          ttftMs: this.#firstTokenAt !== undefined ? this.#firstTokenAt - a.startedAt : undefined,
          tokensPerSecond:
            completion > 1 && decodeSeconds > 0 ? (completion - 1) / decodeSeconds : undefined,
        })
        this.#o.metrics.relays.inc({
          service: this.#serviceId,
          supplier: a.supplier,
          outcome: 'ok',
        })
        this.#finish(a, 200, null)
        return
      }
      this.#pull(a)
    }
  }

  #finishWithError(error: unknown): void {
    const { status, body, retryAfter } = toOpenAiError(error)
    if (this.#client) {
      this.#client.write(formatSseError(body.error))
      this.#client.close()
    } else {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter)
      this.#response.resolve(new Response(JSON.stringify(body), { status, headers }))
    }
    this.#finish(undefined, this.#client ? 200 : status, body.error.code)
  }

  #finish(
    a: Attempt | undefined,
    status: number,
    errorCode: string | null,
    overheadMs: number | null = null,
  ): void {
    const now = performance.now()
    const ttft = this.#firstTokenAt !== undefined ? this.#firstTokenAt - this.#p.receivedAt : null
    if (ttft !== null) this.#o.metrics.ttft.observe({ model: this.#p.model.name }, ttft / 1000)
    const completion = this.#usage?.completionTokens ?? this.#contentChunks
    if (this.#firstTokenAt !== undefined && this.#lastContentAt !== undefined && completion > 1)
      this.#o.metrics.tpot.observe(
        { model: this.#p.model.name },
        (this.#lastContentAt - this.#firstTokenAt) / 1000 / (completion - 1),
      )
    if (overheadMs !== null) this.#o.metrics.overhead.observe({}, overheadMs / 1000)
    this.#outcome.resolve({
      status,
      serviceId: this.#serviceId,
      application: this.#application,
      supplier: a?.supplier ?? null,
      relays: this.#started,
      usage: this.#usage,
      contentChunks: this.#contentChunks,
      ttftMs: ttft,
      latencyMs: now - this.#p.receivedAt,
      overheadMs,
      errorCode,
      clientDisconnected: this.#disconnected,
    })
  }
}

function isEventStream(headers: Record<string, string>): boolean {
  return (headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream')
}

function safeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return undefined
  }
}

/** The backend's own OpenAI error, or one describing its status. */
function upstreamError(
  status: number,
  body: Uint8Array,
): { message: string; type: string; code: string | null } {
  const parsed = safeJson(body) as
    | { error?: { message?: unknown; type?: unknown; code?: unknown } }
    | undefined
  const e = parsed?.error
  if (e && typeof e.message === 'string')
    return {
      message: e.message,
      type: typeof e.type === 'string' ? e.type : 'invalid_request_error',
      code: typeof e.code === 'string' ? e.code : null,
    }
  return { message: `The backend answered HTTP ${status}.`, type: 'server_error', code: null }
}
