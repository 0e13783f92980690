import {
  createUsageReader,
  formatSseError,
  readCompletionLimit,
  readUsage,
  type UsageReader,
} from '@decai/app-kit/openai'
import { buildRelayPayload } from '@decai/app-kit/relay-payload'
import { SSE_HEADERS } from '@decai/app-kit/sse'
import { describeError } from '@decai/core'
import { buildRelayRequest, signRelayRequest } from '@decai/session'
import { AnswerTally } from './answer-tally.js'
import {
  type Attempt,
  createAttempt,
  judgeAttemptEvent,
  pullAttempt,
  type Step,
} from './attempt-verdict.js'
import { getCharge } from './billing.js'
import type { CachedSession } from './chain-view.js'
import { type ClientAnswer, toErrorAnswer } from './client-answer.js'
import { ClientStream, deferred, KEEP_ALIVE, timer } from './client-stream.js'
import { GatewayError, isUnexpectedError, toOpenAiError } from './errors.js'
import { getExpectedHedgeDelay, getHedgeDelay, type HedgeBudget } from './hedge-policy.js'
import type { PromptTokenCount } from './prompt-tokens.js'
import { type AttemptEvent, AttemptFailure, runRelayAttempt } from './relay-attempt.js'
import type {
  ExecuteParameters,
  Execution,
  ExecutionOutcome,
  RelayExecutorOptions,
} from './relay-executor.js'
import type { TierLimits } from './supplier-router.js'
import {
  getOverheadMs,
  getStreamOverheadMs,
  safeJson,
  upstreamError,
  wholeAnswerHeaders,
} from './whole-answer.js'

type Timers = ReturnType<typeof setTimeout>[]

function clearTimers(timers: Timers): void {
  for (const t of timers) clearTimeout(t)
}

// One client request, run by relay-executor.ts: the race before the first byte (attempts,
// retries, hedges, session switches), then the delivery of the winner's answer.

type Wake =
  | Step
  | { kind: 'hedge' }
  | { kind: 'keepalive' }
  | { kind: 'deadline' }
  | { kind: 'timeout'; attempt: Attempt }
  | { kind: 'client' }

// The relay payload (the client's request as the suppliers' backend receives it) is built by
// the app kit, the one home of the shape shared with the watcher's probes.
export { buildRelayPayload }

/** What a run shares with the executor and learns of its request up front. */
export type RunContext = {
  /** The request's prompt tokens, counted at the gateway. */
  promptTokens: PromptTokenCount
  hedgeBudget: HedgeBudget
}

export class RequestRun {
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
  readonly #response = deferred<ClientAnswer>()
  readonly #outcome = deferred<ExecutionOutcome>()
  readonly #clientGone: Promise<Wake>
  #disconnected = false
  readonly #tally: AnswerTally
  readonly #prompt: PromptTokenCount
  readonly #hedgeBudget: HedgeBudget
  /** A hedge was due but the budget was spent: none for this request. */
  #hedgeRefused = false
  /** Suppliers chosen within the request's price tier (the winner's decides the price). */
  readonly #withinTier = new Set<string>()
  /** The request's completion limit, for the claim audit's worst case. */
  readonly #completionLimit: number | undefined

  constructor(
    options: RelayExecutorOptions,
    p: ExecuteParameters,
    application: string,
    sessions: CachedSession[],
    nextId: () => number,
    context: RunContext,
  ) {
    this.#o = options
    this.#prompt = context.promptTokens
    this.#hedgeBudget = context.hedgeBudget
    this.#p = p
    this.#application = application
    this.#sessions = sessions
    this.#nextId = nextId
    this.#serviceId = p.model.serviceId
    this.#payload = buildRelayPayload(p)
    this.#completionLimit = readCompletionLimit(p.request ?? safeJson(p.body))
    this.#tally = new AnswerTally(p.stripUsage)
    this.#clientGone = new Promise((resolve) => {
      if (p.signal.aborted) resolve({ kind: 'client' })
      else p.signal.addEventListener('abort', () => resolve({ kind: 'client' }), { once: true })
    })
  }

  /** Runs the request; resolves once the client response is known (a stream keeps flowing). */
  async start(): Promise<Execution> {
    void this.#run()
    return { answer: await this.#response.promise, outcome: this.#outcome.promise }
  }

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
      this.#finish(winner, 500, 'INTERNAL', { served: false })
    }
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

  async #startAttempt(hedge: boolean): Promise<Attempt | undefined> {
    const session = await this.#liveSession()
    const prompt = this.#prompt.tokens
    const supplier = this.#selectSupplier(prompt)
    if (supplier === undefined) return undefined
    const url = session.suppliers.find((s) => s.operatorAddress === supplier)!.url
    this.#tried.add(supplier)
    if (this.#started === 0) this.#hedgeBudget.earn(this.#serviceId)
    this.#started++
    if (this.#unansweredFailure) {
      // Another supplier after a failure (as the next attempt, or as a new hedge): a retry.
      this.#unansweredFailure = false
      this.#o.metrics.retries.inc({
        service: this.#serviceId,
        reason: this.#lastFailure instanceof AttemptFailure ? this.#lastFailure.reason : 'none',
      })
    }
    const expectedMs = this.#o.router.expectedFirstTokenMs(
      this.#serviceId,
      supplier,
      prompt,
      this.#p.stream,
    )
    const work = this.#o.router.started(this.#serviceId, supplier, prompt)
    const attempt = createAttempt(
      { id: this.#nextId(), supplier, session, hedge, work, expectedMs },
      (a) => this.#flow(a, url),
    )
    this.#active.push(attempt)
    if (hedge) this.#o.metrics.hedgesSent.inc({ service: this.#serviceId })
    this.#o.logger.debug('relay sent', {
      service: this.#serviceId,
      supplier,
      session: session.header.sessionId,
      hedge,
    })
    return attempt
  }

  /**
   * The next supplier: by the expected completion (first token, plus `max_tokens` × TPOT), and
   * for a price tier among the suppliers measured within its limits only. A tier that allows it
   * falls back to any supplier (billed untiered); one that does not is `TIER_UNAVAILABLE` when
   * no supplier meets it for the first relay.
   */
  #selectSupplier(prompt: number): string | undefined {
    const { tier, maxTokens, stream } = this.#p
    const shape =
      this.#o.config.routing.routeBy === 'first-token'
        ? { promptTokens: prompt, stream, maxTokens }
        : undefined
    const select = (limits: TierLimits | undefined) =>
      this.#o.router.select(
        this.#serviceId,
        this.#candidates(),
        this.#tried,
        limits ? { promptTokens: prompt, stream, ...shape, tier: limits } : shape,
      )
    if (tier === undefined) return select(undefined)
    const within = select(tier)
    if (within !== undefined) {
      this.#withinTier.add(within)
      return within
    }
    if (tier.fallback) return select(undefined)
    if (this.#started === 0)
      throw new GatewayError(
        'TIER_UNAVAILABLE',
        `No supplier of '${this.#p.model.name}' meets the '${tier.name}' tier right now.`,
        {
          details: `tier limits: ${tier.maxTtftMs ?? '-'} ms to the first token, ${tier.maxTpotMs ?? '-'} ms per output token`,
        },
      )
    return undefined
  }

  /**
   * The session for the next relay. A request can outlive its session (a long prefill, then a
   * retry or a hedge): once the chain view has reached the session's last grace block, no
   * relay goes to it — the view's preferred session takes over, as for a new request.
   */
  async #liveSession(): Promise<CachedSession> {
    const session = this.#sessions[this.#sessionIndex]!
    if (this.#o.view.height < session.graceEndHeight) return session
    try {
      const fresh = await this.#o.view.getSessions(this.#application, this.#serviceId)
      if (fresh.length > 0) {
        this.#sessions = fresh
        this.#sessionIndex = 0
      }
    } catch {
      // Keep the session we have: the supplier's answer will tell.
    }
    return this.#sessions[this.#sessionIndex]!
  }

  /** The attempt's prompt has left the supplier's queue (first token, failure or abort). */
  #dequeue(a: Attempt): void {
    if (!a.queued) return
    a.queued = false
    this.#o.router.prefilled(this.#serviceId, a.supplier, this.#prompt.tokens)
  }

  /** The relay of an attempt: signed for its session, sent, and read back verified. */
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
    // Counted once signed and sent: the supplier can mine this relay from now on (a
    // token-metered answer counts its verified quanta once it ends, docs/tokenomics.md).
    const header = a.session.header
    const audit = this.#o.claims?.trackRequest({
      key: {
        supplier: a.supplier,
        application: header.applicationAddress,
        sessionId: header.sessionId,
      },
      sessionStart: header.sessionStartBlockHeight,
      serviceId: this.#serviceId,
      request,
      url,
      supplierPublicKey,
      promptTokens: this.#prompt.tokens,
      maxTokens: this.#completionLimit,
      metering: this.#p.model.metering,
    })
    a.fetchStartedAt = performance.now()
    // The answer's own prompt count bounds its quanta better than the gateway's estimate.
    let usage: UsageReader | undefined
    try {
      for await (const event of runRelayAttempt({
        url,
        request,
        supplierOperatorAddress: a.supplier,
        supplierPublicKey,
        stream: this.#p.stream,
        signal: a.abort.signal,
        onResponse: () => {
          a.responseAt = performance.now()
        },
      })) {
        if (
          audit !== undefined &&
          (this.#p.model.metering !== undefined || this.#o.claims?.isTokenMetered(this.#serviceId))
        ) {
          if (event.type === 'head')
            usage = createUsageReader(/event-stream/i.test(event.headers['content-type'] ?? ''))
          else if (event.type === 'data') usage?.push(event.bytes)
          else audit.answered(event.answerHash, usage?.usage?.promptTokens)
        }
        yield event
      }
    } finally {
      // Failed, lost or left before its verified end (does nothing after `answered`).
      audit?.abandoned()
    }
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
    this.#dequeue(a)
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

  /** Fails an attempt: counted, logged, and held against its supplier unless a session miss. */
  async #fail(a: Attempt, error: unknown): Promise<void> {
    this.#remove(a)
    this.#dequeue(a)
    a.abort.abort()
    void a.iterator.return(undefined).catch(() => {})
    const failure =
      error instanceof AttemptFailure ? error : new AttemptFailure('connect', describeError(error))
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
      if (this.#sessionSwitches < 2) await this.#switchSession(a)
      return
    }
    this.#o.router.failed(this.#serviceId, a.supplier, failure.reason)
  }

  /** Moves to the neighbouring session after a supplier rejected ours, and may retry it. */
  async #switchSession(a: Attempt): Promise<void> {
    this.#sessionSwitches++
    this.#o.metrics.sessionRetries.inc({ service: this.#serviceId })
    await this.#o.view.syncHeight()
    try {
      this.#sessions = await this.#o.view.getSessions(this.#application, this.#serviceId)
    } catch {
      // Keep the sessions we have.
    }
    const other = this.#sessions.findIndex((x) => x.header.sessionId !== a.session.header.sessionId)
    this.#sessionIndex = Math.max(other, 0)
    this.#tried.delete(a.supplier)
  }

  /** How long the first attempt may take to its first token before a hedge goes out. */
  #hedgeDelay(primary: Attempt): number {
    const { routing } = this.#o.config
    const typical = this.#p.stream
      ? this.#o.router.typicalTtftMs(this.#serviceId)
      : this.#o.router.typicalLatencyMs(this.#serviceId)
    if (routing.hedgePolicy === 'typical-ttft') return getHedgeDelay(routing, typical)
    return getExpectedHedgeDelay(routing, primary.expectedMs, typical)
  }

  // --- the race before the first byte --------------------------------------------------------

  async #race(): Promise<Attempt | undefined> {
    if (!(await this.#startAttempt(false)))
      throw new GatewayError('NO_SUPPLIERS', 'The session has no supplier to relay to.', {
        details: `service ${this.#serviceId}`,
      })
    const deadline = this.#p.receivedAt + this.#o.config.timeouts.requestMs
    // A hedge goes out once the first token is this late; when a hedge fails while the slow
    // attempt is still waiting, the next one goes out at once.
    const primary = this.#active[0]!
    const hedgeDueAt = primary.startedAt + this.#hedgeDelay(primary)
    // The timers stay armed from one wake to the next while what they time is unchanged (an
    // attempt's events come in bursts: head, data, end), rather than set and cleared each time.
    let armed: { key: string; waits: Promise<Wake>[]; timers: Timers } | undefined
    try {
      for (;;) {
        if (this.#active.length === 0) {
          if (!this.#canStart() || !(await this.#startAttempt(false))) throw this.#exhausted()
          continue
        }
        const now = performance.now()
        let hedgeArmed =
          this.#o.config.routing.hedge &&
          !this.#hedgeRefused &&
          this.#active.length === 1 &&
          this.#canStart()
        if (hedgeArmed && now >= hedgeDueAt) {
          if (!this.#hedgeBudget.spend(this.#serviceId)) {
            this.#hedgeRefused = true
            this.#o.metrics.hedgesSkipped.inc({ service: this.#serviceId, reason: 'budget' })
            continue
          }
          const hedge = await this.#startAttempt(true)
          if (hedge) {
            this.#hedge = hedge
            continue
          }
          hedgeArmed = false
        }
        const hedgeAt = hedgeArmed ? hedgeDueAt : undefined
        const lastWriteAt = this.#client?.lastWriteAt ?? this.#p.receivedAt
        const key = `${hedgeAt}|${lastWriteAt}|${this.#active.map((a) => a.id).join(',')}`
        if (armed?.key !== key) {
          if (armed) clearTimers(armed.timers)
          const timers: Timers = []
          armed = { key, timers, waits: this.#raceWaits(now, deadline, hedgeAt, timers) }
        }
        const wake = await Promise.race([...this.#active.map((a) => a.next), ...armed.waits])
        if (wake.kind === 'hedge' || wake.kind === 'keepalive') {
          // A timer that fired stays resolved: arm afresh (a timer may fire a hair early).
          clearTimers(armed.timers)
          armed = undefined
        }
        const verdict = await this.#onRaceWake(wake)
        if (verdict !== 'continue') return verdict
      }
    } finally {
      if (armed) clearTimers(armed.timers)
    }
  }

  /** What the race waits on besides the attempts: the client, deadlines, a hedge, a keep-alive. */
  #raceWaits(
    now: number,
    deadline: number,
    hedgeDueAt: number | undefined,
    timers: Timers,
  ): Promise<Wake>[] {
    const { timeouts } = this.#o.config
    const waits: Promise<Wake>[] = [
      this.#clientGone,
      timer(deadline - now, { kind: 'deadline' as const }, timers),
    ]
    if (hedgeDueAt !== undefined)
      waits.push(timer(hedgeDueAt - now, { kind: 'hedge' as const }, timers))
    for (const a of this.#active)
      waits.push(
        timer(
          a.startedAt + timeouts.firstTokenMs - now,
          { kind: 'timeout' as const, attempt: a },
          timers,
        ),
      )
    if (this.#p.stream) {
      const last = this.#client?.lastWriteAt ?? this.#p.receivedAt
      waits.push(timer(last + timeouts.keepAliveMs - now, { kind: 'keepalive' as const }, timers))
    }
    return waits
  }

  /** Acts on what woke the race: the winner, `undefined` if the client left, or `continue`. */
  async #onRaceWake(wake: Wake): Promise<Attempt | undefined | 'continue'> {
    switch (wake.kind) {
      case 'client':
        this.#disconnect()
        return undefined
      case 'deadline':
        for (const a of [...this.#active])
          await this.#fail(a, new AttemptFailure('timeout', 'Request deadline.'))
        throw new GatewayError('UPSTREAM_TIMEOUT', 'No supplier answered in time.')
      case 'hedge':
        return 'continue'
      case 'timeout':
        await this.#fail(wake.attempt, new AttemptFailure('timeout', 'No first token in time.'))
        return 'continue'
      case 'keepalive':
        this.#openStream(200, SSE_HEADERS, null)
        this.#client!.write(KEEP_ALIVE)
        return 'continue'
      case 'error':
        if (!wake.attempt.cancelled) await this.#fail(wake.attempt, wake.error)
        return 'continue'
      case 'finished':
        if (wake.attempt.cancelled) return 'continue'
        await this.#fail(
          wake.attempt,
          new AttemptFailure('truncated', 'The relay ended without an end.'),
        )
        return 'continue'
      case 'event': {
        const a = wake.attempt
        if (a.cancelled) return 'continue'
        const verdict = judgeAttemptEvent(a, wake.event, this.#p.stream)
        if (verdict === 'win') return this.#win(a)
        if (verdict === 'continue') pullAttempt(a)
        else await this.#fail(a, verdict)
        return 'continue'
      }
    }
  }

  #win(a: Attempt): Attempt {
    this.#remove(a)
    this.#dequeue(a)
    const ok = a.head !== undefined && a.head.status >= 200 && a.head.status < 300
    if (ok)
      this.#o.router.answered(
        this.#serviceId,
        a.supplier,
        a.work,
        performance.now() - a.startedAt,
        this.#p.stream,
      )
    for (const other of [...this.#active]) {
      this.#cancel(other, 'hedge_lost')
      // The loser's prompt was sent for nothing: prefill the gateway pays for.
      this.#o.metrics.hedgeWastedTokens.inc({ service: this.#serviceId }, this.#prompt.tokens)
    }
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
    // The key pays for one prompt; a hedge out beside it was the gateway's choice.
    const extra = this.#active.length - 1
    if (extra > 0)
      this.#o.metrics.hedgeWastedTokens.inc(
        { service: this.#serviceId },
        extra * this.#prompt.tokens,
      )
    for (const a of [...this.#active]) this.#cancel(a, 'cancelled')
    this.#o.metrics.clientDisconnects.inc({ endpoint: this.#p.endpoint })
    this.#client?.close()
    this.#response.resolve({ status: 499, headers: {}, body: null })
    this.#finish(undefined, 499, null, { served: this.#started > 0 })
  }

  // --- answering the client -------------------------------------------------------------------

  #openStream(status: number, headers: Record<string, string>, supplier: string | null): void {
    if (this.#client) return
    this.#client = new ClientStream(() => {
      if (!this.#p.signal.aborted) this.#disconnected = true
    })
    const h: Record<string, string> = { ...headers }
    if (supplier) h['x-decai-supplier'] = supplier
    this.#response.resolve({ status, headers: h, stream: this.#client })
  }

  async #deliver(a: Attempt): Promise<void> {
    const head = a.head!
    const ok = head.status >= 200 && head.status < 300
    // A whole answer: a non-streamed response, a backend error passed through, or an empty stream.
    if (!this.#p.stream || !ok || (!a.parser && a.heldBytes.length === 0))
      return this.#deliverWhole(a)
    return this.#deliverStream(a)
  }

  #deliverWhole(a: Attempt): void {
    const head = a.head!
    const ok = head.status >= 200 && head.status < 300
    const body = a.body.length === 1 ? a.body[0]! : Buffer.concat(a.body)
    const latency = performance.now() - this.#p.receivedAt
    if (ok && !this.#p.stream) {
      this.#o.router.succeeded(this.#serviceId, a.supplier, {
        latencyMs: performance.now() - a.startedAt,
      })
      this.#tally.usage = readUsage(safeJson(body))
    } else this.#o.router.cancelled(this.#serviceId, a.supplier)
    this.#o.metrics.relays.inc({
      service: this.#serviceId,
      supplier: a.supplier,
      outcome: ok ? 'ok' : 'client_error',
    })
    const overhead = getOverheadMs(latency, a)
    if (this.#client) {
      // Keep-alives already went out as SSE: the answer has to follow as SSE.
      if (ok) this.#client.write(body)
      else this.#client.write(formatSseError(upstreamError(head.status, body)))
      this.#client.close()
    } else {
      const contentType = head.headers['content-type'] ?? 'application/json'
      const headers = wholeAnswerHeaders(contentType, a.supplier, overhead)
      this.#response.resolve({ status: head.status, headers, body })
    }
    this.#finish(a, head.status, null, { served: ok, overheadMs: overhead })
  }

  /** A stream: headers now (unless keep-alives sent them), then every verified event. */
  async #deliverStream(a: Attempt): Promise<void> {
    const contentType = a.head!.headers['content-type'] ?? 'application/json'
    const headers: Record<string, string> = { ...SSE_HEADERS, 'content-type': contentType }
    // The gateway's own share of the first token, where the head goes out with it (no
    // keep-alive before): up to the relay's departure, and from its bytes' arrival to here.
    const own = getStreamOverheadMs(this.#p.receivedAt, a)
    if (own !== null) headers['x-decai-overhead-duration-ms'] = own.toFixed(2)
    this.#openStream(200, headers, a.supplier)
    const client = this.#client!
    for (const e of a.held) this.#tally.forward(e, client)
    for (const bytes of a.heldBytes) {
      this.#tally.firstTokenAt ??= performance.now()
      client.write(bytes)
    }
    a.held = []
    a.heldBytes = []
    pullAttempt(a)

    let lastUpstreamAt = performance.now()
    for (;;) {
      if (this.#disconnected || client.closed) {
        this.#cancel(a, 'cancelled')
        this.#o.metrics.clientDisconnects.inc({ endpoint: this.#p.endpoint })
        this.#finish(a, 499, null, { served: true })
        return
      }
      const wake = await this.#awaitUpstream(a, client, lastUpstreamAt)
      if (wake.kind === 'client') {
        this.#disconnected = true
        continue
      }
      if (wake.kind === 'keepalive') {
        client.write(KEEP_ALIVE)
        continue
      }
      if (wake.kind === 'deadline' || wake.kind === 'error' || wake.kind === 'finished')
        return this.#breakStream(a, client, wake)
      if (wake.kind !== 'event') continue
      lastUpstreamAt = performance.now()
      const event = wake.event
      if (event.type === 'end') return this.#endStream(a, client)
      if (event.type === 'data') {
        if (a.parser)
          for (const e of a.parser.push(a.decoder!.decode(event.bytes, { stream: true })))
            this.#tally.forward(e, client)
        else client.write(event.bytes)
      }
      pullAttempt(a)
    }
  }

  /** The winner's next event, the client leaving, its silence past the idle limit, or a keep-alive. */
  async #awaitUpstream(a: Attempt, client: ClientStream, lastUpstreamAt: number): Promise<Wake> {
    const { timeouts } = this.#o.config
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
    return wake
  }

  /** The winner broke off mid-stream: an error event (unless `[DONE]` went out) and the end. */
  async #breakStream(
    a: Attempt,
    client: ClientStream,
    wake: Extract<Wake, { kind: 'deadline' | 'error' | 'finished' }>,
  ): Promise<void> {
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
    if (!this.#tally.sawDone) {
      client.write(
        formatSseError({
          message: `The supplier stopped before the end of the answer (${reason}).`,
          type: 'server_error',
          code: wake.kind === 'deadline' ? 'timeout' : 'upstream_interrupted',
        }),
      )
    }
    client.close()
    this.#finish(a, 200, wake.kind === 'deadline' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_INTERRUPTED', {
      served: true,
    })
  }

  /** The winner's verified end: the rest of the stream, and the supplier's measured speed. */
  #endStream(a: Attempt, client: ClientStream): void {
    for (const rest of a.parser?.flush() ?? []) this.#tally.forward(rest, client)
    client.close()
    const { firstTokenAt } = this.#tally
    const decoded = this.#tally.completionTokens - 1
    this.#o.router.succeeded(this.#serviceId, a.supplier, {
      ttftMs: firstTokenAt !== undefined ? firstTokenAt - a.startedAt : undefined,
      tokensPerSecond: this.#tally.tokensPerSecond,
      decode:
        decoded > 0 ? { intervals: decoded, ms: this.#tally.decodeSeconds * 1000 } : undefined,
    })
    this.#o.metrics.relays.inc({ service: this.#serviceId, supplier: a.supplier, outcome: 'ok' })
    this.#finish(a, 200, null, { served: true })
  }

  #finishWithError(error: unknown): void {
    const failure = toOpenAiError(error)
    const { status, body } = failure
    if (isUnexpectedError(error)) this.#o.logger.error('request failed', { error })
    if (this.#client) {
      this.#client.write(formatSseError(body.error))
      this.#client.close()
    } else this.#response.resolve(toErrorAnswer(failure))
    this.#finish(undefined, this.#client ? 200 : status, body.error.code, { served: false })
  }

  #finish(
    a: Attempt | undefined,
    status: number,
    errorCode: string | null,
    { served, overheadMs = null }: { served: boolean; overheadMs?: number | null },
  ): void {
    const now = performance.now()
    const tally = this.#tally
    const ttft = tally.firstTokenAt !== undefined ? tally.firstTokenAt - this.#p.receivedAt : null
    if (ttft !== null) this.#o.metrics.ttft.observe({ model: this.#p.model.name }, ttft / 1000)
    const tpot = tally.timePerOutputToken
    if (tpot !== undefined) this.#o.metrics.tpot.observe({ model: this.#p.model.name }, tpot)
    if (overheadMs !== null) this.#o.metrics.overhead.observe({}, overheadMs / 1000)
    this.#outcome.resolve({
      status,
      serviceId: this.#serviceId,
      application: this.#application,
      supplier: a?.supplier ?? null,
      relays: this.#started,
      usage: tally.usage,
      contentChunks: tally.contentChunks,
      charge: getCharge({
        served,
        usage: tally.usage,
        contentChunks: tally.contentChunks,
        localPrompt: this.#prompt,
      }),
      ttftMs: ttft,
      tier: this.#p.tier && a && this.#withinTier.has(a.supplier) ? this.#p.tier.name : null,
      latencyMs: now - this.#p.receivedAt,
      overheadMs,
      errorCode,
      clientDisconnected: this.#disconnected,
    })
  }
}
