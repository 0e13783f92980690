import { ClaimAuditor, registerClaimAuditMetrics } from '@decai/app-kit/claim-auditor'
import { loadConfigKey } from '@decai/app-kit/config'
import { createLogger, type Logger } from '@decai/app-kit/logger'
import { type RunningServer, startServer } from '@decai/app-kit/server'
import { createChainClient } from '@decai/chain'
import { describeError } from '@decai/core'
import { createRingSigner } from '@decai/crypto'
import { createWatcherApp } from './app.js'
import {
  loadWatcherConfig,
  parseWatcherConfig,
  type WatchedService,
  type WatcherConfig,
  type WatcherConfigInput,
} from './config.js'
import { type CorpusPrompt, corpus, getCorpusPrompt } from './corpus.js'
import { createWatcherMetrics, type WatcherMetrics } from './metrics.js'
import { buildProbeBody, sendProbe } from './probe.js'
import { checkReferenceModel, ReferenceAnswers } from './reference.js'
import { buildReport, type WatcherReport } from './report.js'
import { type ProbeSession, SessionView } from './sessions.js'
import { compareAnswer } from './statistic.js'
import { type ProbeKind, type ProbeRecord, WatcherStore } from './store.js'

export type StartWatcherOptions = {
  logger?: Logger
  /** Random source in [0, 1) for the schedule and probe choices (tests fix it). */
  random?: () => number
  /** The prompts probes are drawn from (default: the shipped corpus; tests hold out a split). */
  corpus?: readonly CorpusPrompt[]
}

export type ProbeParameters = {
  serviceId: string
  kind: ProbeKind
  /** Default: a random supplier of the current session. */
  supplier?: string
  /** Default: a random corpus prompt. */
  promptId?: string
  /** Default: streamed with probability `schedule.streamShare`. */
  stream?: boolean
  /** Default: the application whose session is probed is chosen at random. */
  application?: string
}

export type Watcher = {
  readonly url: string
  readonly port: number
  /** The watcher's on-chain address (a gateway key; it also signs reports). */
  readonly address: string
  readonly config: WatcherConfig
  readonly store: WatcherStore
  readonly metrics: WatcherMetrics
  /** Sends one probe now; resolves with its record. */
  probe(parameters: ProbeParameters): Promise<ProbeRecord>
  /**
   * Probes every supplier of every watched service's current session, `challenges` + `traffic`
   * each, suppliers in parallel: a driver for tests and benchmarks (the schedule is the covert mode).
   */
  runRound(parameters: { challenges: number; traffic?: number }): Promise<ProbeRecord[]>
  /** Builds, signs and stores a report of the history. */
  report(): WatcherReport
  /** The claim audit, when `claimAudit.applications` is set. */
  readonly claims: ClaimAuditor | undefined
  /** Reads the claims settled since the last read and audits them now (also on a timer). */
  auditClaims(): Promise<void>
  stop(): Promise<void>
}

/** Starts the watcher: checks its reference models, reads the chain, listens, and probes on a schedule. */
export async function startWatcher(
  input: WatcherConfigInput | { configPath: string },
  options: StartWatcherOptions = {},
): Promise<Watcher> {
  const config =
    'configPath' in input && typeof input.configPath === 'string'
      ? loadWatcherConfig(input.configPath)
      : parseWatcherConfig(input)
  const logger = options.logger ?? createLogger({ level: config.log.level })
  const random = options.random ?? Math.random
  const probePrompts = options.corpus ?? corpus
  const { privateKey, publicKey, address } = loadConfigKey(config.watcher)
  const signer = createRingSigner(privateKey)
  for (const service of config.services) await checkReferenceModel(service)
  const references = new Map(config.services.map((s) => [s.serviceId, new ReferenceAnswers(s)]))

  const metrics = createWatcherMetrics()
  const client = createChainClient({ rpcUrl: config.chain.rpcUrl })
  const sessions = new SessionView({
    client,
    watcherAddress: address,
    watcherPublicKey: publicKey,
    applications: config.applications,
  })
  await sessions
    .refreshApplications()
    .catch((error: unknown) => logger.warn('cannot read applications', { error }))
  const store = new WatcherStore(config.store.path)
  // The claim audit of the watcher's exclusive applications (@decai/app-kit/claim-auditor).
  const claims =
    config.claimAudit.applications.length > 0
      ? new ClaimAuditor({ ...config.claimAudit, logger })
      : undefined
  if (claims !== undefined)
    await client
      .getLatestHeight()
      .then((height) => claims.begin(height))
      .catch(() => {}) // then the session of the first probe is the first one skipped
  let lastReport: { probes: number; audited: number; report: WatcherReport } | undefined
  let probeCount = 0

  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const serviceOf = (serviceId: string): WatchedService => {
    const service = config.services.find((s) => s.serviceId === serviceId)
    if (!service) throw new Error(`service ${serviceId} is not watched`)
    return service
  }

  async function sessionFor(serviceId: string, application?: string): Promise<ProbeSession> {
    let apps = sessions.applicationsFor(serviceId)
    if (apps.length === 0) {
      await sessions.refreshApplications()
      apps = sessions.applicationsFor(serviceId)
    }
    const app = application ?? pick(apps)
    if (!app) throw new Error(`no application delegating to the watcher serves ${serviceId}`)
    return sessions.getSession(app, serviceId)
  }

  /** Chat template tokens around a probe's one message, at most. */
  const PROBE_TEMPLATE_TOKENS = 64

  async function probeSupplier(
    firstSession: ProbeSession,
    supplier: { operatorAddress: string; url: string },
    kind: ProbeKind,
    prompt: CorpusPrompt,
    stream: boolean,
  ): Promise<ProbeRecord> {
    let session = firstSession
    const service = serviceOf(session.serviceId)
    const challenge = kind === 'challenge' ? { seed: Math.floor(random() * 2 ** 31) } : undefined
    // Users ask for a few dozen tokens to a few hundred; probes stay at the cheap end.
    const maxTokens =
      kind === 'challenge'
        ? config.limits.maxTokens
        : 16 + Math.floor(random() * Math.max(1, config.limits.maxTokens - 15))
    const reference = challenge
      ? references.get(service.serviceId)!.get(prompt.text, maxTokens, challenge.seed)
      : undefined
    reference?.catch(() => {})
    const supplierPublicKey = await sessions.getPublicKey(supplier.operatorAddress)
    const send = (probeSession: ProbeSession) => {
      return sendProbe({
        track: (request) =>
          claims?.trackRequest({
            key: {
              supplier: supplier.operatorAddress,
              application: probeSession.application,
              sessionId: probeSession.header.sessionId,
            },
            sessionStart: probeSession.startHeight,
            serviceId: probeSession.serviceId,
            request,
            url: supplier.url,
            supplierPublicKey,
            // The answer's usage replaces it (`answered`); a probe left unanswered counts the
            // completion limit and the prompt at one token per byte, never an undercount.
            promptTokens: new TextEncoder().encode(prompt.text).length + PROBE_TEMPLATE_TOKENS,
            maxTokens,
          }),
        session: probeSession,
        supplier,
        supplierPublicKey,
        signer,
        upstreamModel: service.model,
        body: buildProbeBody({
          model: service.model,
          prompt: prompt.text,
          maxTokens,
          stream,
          challenge,
          temperature: Number((0.5 + random() * 0.5).toFixed(1)),
        }),
        stream,
        timeoutMs: config.limits.timeoutMs,
      })
    }
    let outcome = await send(session)
    if (outcome.failure === 'session') {
      // Our session is a block early or late for this supplier (a boundary): once more with the
      // session current now, as the gateway does.
      session = await sessions.getSession(session.application, session.serviceId)
      outcome = await send(session)
    }
    const record: ProbeRecord = {
      at: Date.now(),
      serviceId: service.serviceId,
      supplier: supplier.operatorAddress,
      application: session.application,
      sessionId: session.header.sessionId,
      sessionStartHeight: session.startHeight.toString(),
      sessionEndHeight: session.endHeight.toString(),
      kind,
      promptId: prompt.id,
      stream,
      maxTokens,
      ok: outcome.ok,
      failure: outcome.failure,
      ttftMs: outcome.ttftMs,
      latencyMs: outcome.latencyMs,
      tpotMs: outcome.tpotMs,
      completionTokens: outcome.completionTokens,
      promptTokens: outcome.promptTokens,
      tokensPerSecond: outcome.tokensPerSecond,
      text: outcome.text,
      correct:
        outcome.ok && prompt.expect
          ? prompt.expect.some((e) => (outcome.text ?? '').toLowerCase().includes(e.toLowerCase()))
          : null,
      challenge: null,
      evidence: outcome.evidence,
    }
    if (reference && outcome.ok && outcome.text !== null) {
      const referenceText = await reference
      const comparison = compareAnswer(referenceText, outcome.text, config.verdict)
      record.challenge = { reference: referenceText, comparison }
      metrics.challengeAgreements.inc({
        service: service.serviceId,
        supplier: supplier.operatorAddress,
        result: comparison.agrees ? 'agree' : 'disagree',
      })
    }
    record.id = store.addProbe(record)
    probeCount++
    const labels = { service: service.serviceId, supplier: supplier.operatorAddress }
    metrics.probes.inc({
      ...labels,
      kind,
      outcome: outcome.ok ? 'ok' : (outcome.failure ?? 'failed'),
    })
    if (outcome.ok) {
      metrics.latency.observe(labels, outcome.latencyMs / 1000)
      if (stream && outcome.ttftMs !== null) metrics.ttft.observe(labels, outcome.ttftMs / 1000)
    }
    logger.debug('probe', { ...labels, kind, ok: outcome.ok, failure: outcome.failure })
    return record
  }

  async function probe(p: ProbeParameters): Promise<ProbeRecord> {
    const session = await sessionFor(p.serviceId, p.application)
    const supplier =
      p.supplier === undefined
        ? pick(session.suppliers)
        : session.suppliers.find((s) => s.operatorAddress === p.supplier)
    if (!supplier) throw new Error(`supplier ${p.supplier ?? '(any)'} is not in the session`)
    const prompt = p.promptId === undefined ? pick(probePrompts) : getCorpusPrompt(p.promptId)
    if (!prompt) throw new Error(`unknown prompt ${p.promptId}`)
    return probeSupplier(
      session,
      supplier,
      p.kind,
      prompt,
      p.stream ?? random() < config.schedule.streamShare,
    )
  }

  async function runRound(p: { challenges: number; traffic?: number }): Promise<ProbeRecord[]> {
    const out: ProbeRecord[][] = []
    for (const service of config.services) {
      const first = await sessionFor(service.serviceId)
      // One prompt order per round (reference answers are shared); suppliers in parallel, each
      // probe in the session current when it is sent.
      const prompts = [...corpus].sort(() => random() - 0.5)
      const send = (supplier: string, kind: ProbeKind, prompt: CorpusPrompt) =>
        probe({
          serviceId: service.serviceId,
          application: first.application,
          supplier,
          kind,
          promptId: prompt.id,
          stream: random() < config.schedule.streamShare,
        })
      out.push(
        ...(await Promise.all(
          first.suppliers.map(async ({ operatorAddress }) => {
            const records: ProbeRecord[] = []
            for (let i = 0; i < p.challenges; i++)
              records.push(await send(operatorAddress, 'challenge', prompts[i % prompts.length]!))
            for (let i = 0; i < (p.traffic ?? 0); i++)
              records.push(await send(operatorAddress, 'traffic', pick(corpus)))
            return records
          }),
        )),
      )
    }
    return out.flat()
  }

  function report(): WatcherReport {
    const built = buildReport(store, config, privateKey, Date.now(), claims)
    store.addReport(Date.now(), built)
    lastReport = { probes: probeCount, audited: auditedSessions(), report: built }
    return built
  }

  function latestReport(): WatcherReport {
    if (lastReport && lastReport.probes === probeCount && lastReport.audited === auditedSessions())
      return lastReport.report
    return report()
  }

  const auditedSessions = () => claims?.report().auditedSessions ?? 0
  const auditTimer =
    claims === undefined
      ? undefined
      : setInterval(() => void claims.poll(client), config.claimAudit.refreshMs)
  auditTimer?.unref()
  if (claims !== undefined)
    registerClaimAuditMetrics(metrics, claims, { prefix: 'decai_watcher', sender: 'this watcher' })

  // The verdicts of the last report, for alerting (the report itself is built on demand).
  const verdictValue = { match: 1, inconclusive: 0, mismatch: -1 } as const
  metrics.gauge(
    'decai_watcher_verdict',
    'Model-identity verdict of the last report: 1 match, 0 inconclusive, -1 mismatch.',
    () =>
      (lastReport?.report.entries ?? []).map((e) => ({
        labels: { service: e.serviceId, supplier: e.supplier },
        value: verdictValue[e.verdict],
      })),
    ['service', 'supplier'] as const,
  )

  // The schedule: exponential gaps (a Poisson process), each probe to a random service,
  // application, supplier of its current session, prompt and kind. The next gap starts when a
  // probe is sent, not when it ends: waiting for answers would make probes never overlap and
  // slow their rate by the answer time, both visible to a supplier beside concurrent users.
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopping = false
  const scheduleNext = () => {
    if (stopping || !config.schedule.enabled) return
    const gap = -Math.log(1 - random()) * config.schedule.meanIntervalMs
    timer = setTimeout(() => {
      scheduleNext()
      const kind: ProbeKind = random() < config.schedule.challengeShare ? 'challenge' : 'traffic'
      void probe({ serviceId: pick(config.services).serviceId, kind }).catch((error: unknown) =>
        logger.warn('probe not sent', { error: describeError(error) }),
      )
    }, gap)
    timer.unref()
  }

  const app = createWatcherApp({ config, metrics, store, latestReport, address })
  let server: RunningServer
  try {
    server = await startServer({
      fetch: app.fetch,
      port: config.listen.port,
      host: config.listen.host,
    })
  } catch (error) {
    clearInterval(auditTimer)
    store.close()
    client.disconnect()
    throw error
  }
  scheduleNext()
  logger.info('watcher listening', {
    url: server.url,
    watcher: address,
    services: config.services.map((s) => s.serviceId),
  })

  let stopped: Promise<void> | undefined
  return {
    url: server.url,
    port: server.port,
    address,
    config,
    store,
    metrics,
    probe,
    runRound,
    report,
    claims,
    /** Reads the claims settled since the last read and audits them now. */
    auditClaims: () => claims?.poll(client) ?? Promise.resolve(),
    stop() {
      stopped ??= (async () => {
        stopping = true
        if (timer) clearTimeout(timer)
        clearInterval(auditTimer)
        await server.stop()
        client.disconnect()
        store.close()
      })()
      return stopped
    },
  }
}
