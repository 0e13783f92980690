import type { ClaimAuditor } from '@decai/app-kit/claim-auditor'
import type { Logger } from '@decai/app-kit/logger'
import type { Usage } from '@decai/app-kit/openai'
import type { RingSigner } from '@decai/crypto'
import { type Charge, NO_CHARGE } from './billing.js'
import type { CachedSession, ChainView } from './chain-view.js'
import { type ClientAnswer, toErrorAnswer } from './client-answer.js'
import type { EndpointName, GatewayConfig, ModelTier } from './config.js'
import { GatewayError, isUnexpectedError, toOpenAiError } from './errors.js'
import { HedgeBudget } from './hedge-policy.js'
import type { GatewayMetrics } from './metrics.js'
import type { CatalogModel } from './models.js'
import { PromptTokenCounter } from './prompt-tokens.js'
import { RequestRun } from './request-run.js'
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
//
// This file plans a request (which application pays, its sessions); request-run.ts runs it:
// attempts (attempt-verdict.ts), the race with its retries and hedges, and delivery (a whole
// answer, whole-answer.ts, or a stream, client-stream.ts and answer-tally.ts).

const decoder = new TextDecoder()

export type ExecuteParameters = {
  endpoint: EndpointName
  /** Path the suppliers' backend sees, e.g. `/v1/chat/completions`. */
  path: string
  model: CatalogModel
  /** The JSON body sent upstream. */
  body: Uint8Array
  /** `body` as parsed, when the caller has it (else it is parsed again where needed). */
  request?: Record<string, unknown> | undefined
  stream: boolean
  /** Drop the usage-only chunk (the gateway asked for usage, the client did not). */
  stripUsage: boolean
  /** Application bound to the API key, if any. */
  application: string | null
  /** Aborts when the client disconnects. */
  signal: AbortSignal
  /** `performance.now()` when the request arrived. */
  receivedAt: number
  /** The longest answer asked for (`max_tokens`): its decode counts in routing. */
  maxTokens?: number | undefined
  /** The price tier asked for (`model@tier`): only suppliers within its limits. */
  tier?: ModelTier | undefined
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
  /** What the key is charged (billing.ts). */
  charge: Charge
  ttftMs: number | null
  /** The price tier the answer was served within (billed at its multiplier), else null. */
  tier: string | null
  latencyMs: number
  overheadMs: number | null
  /** Gateway error code when the request failed. */
  errorCode: string | null
  clientDisconnected: boolean
}

/** The answer to write (a stream keeps flowing after), and the outcome once it is over. */
export type Execution = { answer: ClientAnswer; outcome: Promise<ExecutionOutcome> }

export type RelayExecutorOptions = {
  view: ChainView
  router: SupplierRouter
  signer: RingSigner
  config: GatewayConfig
  metrics: GatewayMetrics
  logger: Logger
  /** Counts prompt tokens (default: the estimate for every model). */
  promptTokens?: PromptTokenCounter
  /** Counts the relays sent per supplier × application × session (@decai/app-kit/claim-auditor). */
  claims?: Pick<ClaimAuditor, 'trackRequest' | 'isTokenMetered'>
}

export class RelayExecutor {
  readonly #o: RelayExecutorOptions
  #roundRobin = 0
  #ids = 0
  readonly #hedgeBudget: HedgeBudget
  readonly #promptTokens: PromptTokenCounter

  constructor(options: RelayExecutorOptions) {
    this.#o = options
    const { routing } = options.config
    this.#hedgeBudget = new HedgeBudget(routing.hedgeBudget, routing.hedgeBurst)
    this.#promptTokens = options.promptTokens ?? PromptTokenCounter.estimateOnly()
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
    const run = new RequestRun(this.#o, p, application, sessions, () => ++this.#ids, {
      promptTokens: this.#countPrompt(p),
      hedgeBudget: this.#hedgeBudget,
    })
    return run.start()
  }

  #countPrompt(p: ExecuteParameters) {
    let request: Record<string, unknown> = p.request ?? {}
    if (p.request === undefined)
      try {
        const parsed: unknown = JSON.parse(decoder.decode(p.body))
        if (typeof parsed === 'object' && parsed !== null)
          request = parsed as Record<string, unknown>
      } catch {
        // The routes send JSON; an empty request counts as no prompt.
      }
    return this.#promptTokens.count(p.model.name, p.endpoint, request)
  }

  #failed(p: ExecuteParameters, error: unknown, application: string | null): Execution {
    const failure = toOpenAiError(error)
    const { status, body } = failure
    if (isUnexpectedError(error)) this.#o.logger.error('request failed', { error })
    return {
      answer: toErrorAnswer(failure),
      outcome: Promise.resolve({
        status,
        serviceId: p.model.serviceId,
        application,
        supplier: null,
        relays: 0,
        usage: undefined,
        contentChunks: 0,
        charge: NO_CHARGE,
        ttftMs: null,
        tier: null,
        latencyMs: performance.now() - p.receivedAt,
        overheadMs: null,
        errorCode: body.error.code,
        clientDisconnected: false,
      }),
    }
  }
}
