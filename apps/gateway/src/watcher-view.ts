import type { Logger } from '@decai/app-kit/logger'
import { describeError } from '@decai/core'

// What the configured watchers (apps/watcher) say about each supplier × service, read from
// their `GET /reports/latest` and merged by one policy (docs/gateway.md, "Watchers"):
//
// - over-claiming: a supplier is excluded when some fresh watcher's claim audit flags it;
// - exclusion: a supplier is excluded for a service when some fresh watcher reports `mismatch`
//   with at least `minConfidence` and no fresh watcher reports `match` for it; watchers that
//   disagree (one match, one mismatch) exclude nothing: the gateway's own measurements decide,
//   and the disagreement is logged;
// - score: each fresh watcher's success rate and TTFT feed the router (success multiplies the
//   reliability figure; TTFT stands in while the gateway has measured none itself);
// - a watcher that cannot be read keeps its last report for `staleMs`, then counts for nothing
//   (fail open: a watcher being down never takes suppliers out of routing).

export type WatcherEntry = {
  serviceId: string
  supplier: string
  verdict: 'match' | 'mismatch' | 'inconclusive'
  confidence: number
  successRate: number | null
  ttftMs: { p50: number } | null
  /** The watcher's claim audit of the supplier (null or absent when it audits nothing). */
  claimAudit?: { overClaimed: boolean } | null
}

type Source = { url: string; entries: WatcherEntry[]; readAt: number }

export type WatcherViewOptions = {
  urls: string[]
  refreshMs: number
  staleMs: number
  minConfidence: number
  logger: Logger
  now?: () => number
}

export class WatcherView {
  readonly #o: WatcherViewOptions
  readonly #sources = new Map<string, Source>()
  readonly #now: () => number
  #timer: ReturnType<typeof setInterval> | undefined
  readonly #disagreements = new Set<string>()

  constructor(options: WatcherViewOptions) {
    this.#o = options
    this.#now = options.now ?? Date.now
  }

  /** Reads every watcher once, then on a timer. Never throws. */
  async start(): Promise<void> {
    await this.refresh()
    this.#timer = setInterval(() => void this.refresh(), this.#o.refreshMs)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
  }

  async refresh(): Promise<void> {
    await Promise.all(
      this.#o.urls.map(async (url) => {
        try {
          const response = await fetch(new URL('/reports/latest', url), {
            signal: AbortSignal.timeout(10_000),
          })
          if (!response.ok) throw new Error(`HTTP ${response.status}`)
          const body = (await response.json()) as { entries?: unknown }
          if (!Array.isArray(body.entries)) throw new Error('no entries in the report')
          this.#sources.set(url, {
            url,
            entries: body.entries as WatcherEntry[],
            readAt: this.#now(),
          })
        } catch (error) {
          this.#o.logger.warn('watcher unreadable', { watcher: url, error: describeError(error) })
        }
      }),
    )
  }

  /** Sets entries directly (tests, or a gateway fed reports another way). */
  setReport(url: string, entries: WatcherEntry[]): void {
    this.#sources.set(url, { url, entries, readAt: this.#now() })
  }

  #fresh(serviceId: string, supplier: string): WatcherEntry[] {
    const now = this.#now()
    const out: WatcherEntry[] = []
    for (const source of this.#sources.values()) {
      if (now - source.readAt > this.#o.staleMs) continue
      const entry = source.entries.find((e) => e.serviceId === serviceId && e.supplier === supplier)
      if (entry) out.push(entry)
    }
    return out
  }

  /** Whether the policy takes this supplier out of routing for the service. */
  isExcluded(serviceId: string, supplier: string): boolean {
    const entries = this.#fresh(serviceId, supplier)
    // An over-claim is a settled fact about the supplier's own claims, which no other watcher's
    // model verdict contradicts: one fresh watcher flagging it is enough.
    if (entries.some((e) => e.claimAudit?.overClaimed === true)) return true
    const mismatch = entries.some(
      (e) => e.verdict === 'mismatch' && e.confidence >= this.#o.minConfidence,
    )
    if (!mismatch) return false
    if (entries.some((e) => e.verdict === 'match')) {
      const key = `${serviceId}\u0000${supplier}`
      if (!this.#disagreements.has(key)) {
        this.#disagreements.add(key)
        this.#o.logger.warn('watchers disagree on a supplier; not excluded', {
          service: serviceId,
          supplier,
        })
      }
      return false
    }
    return true
  }

  /** The watchers' mean success rate and TTFT p50 for the supplier (undefined if none). */
  quality(
    serviceId: string,
    supplier: string,
  ): { successRate: number | undefined; ttftMs: number | undefined } {
    const entries = this.#fresh(serviceId, supplier)
    const mean = (values: number[]) =>
      values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length
    return {
      successRate: mean(entries.flatMap((e) => (e.successRate === null ? [] : [e.successRate]))),
      ttftMs: mean(entries.flatMap((e) => (e.ttftMs ? [e.ttftMs.p50] : []))),
    }
  }
}
