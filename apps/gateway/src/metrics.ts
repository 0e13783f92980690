// Prometheus text exposition (format 0.0.4) for the gateway's series, without a dependency.
// Label values come from config, the chain (service IDs, supplier addresses) and a fixed
// vocabulary, never from raw client input, so cardinality stays bounded.

export type Labels = Record<string, string>

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function formatLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels)
  if (extra) pairs.push(extra)
  if (pairs.length === 0) return ''
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
}

interface Metric {
  render(): string
}

export class Counter implements Metric {
  readonly #series = new Map<string, { labels: Labels; value: number }>()
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' = 'counter',
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels)
    const series = this.#series.get(key)
    if (series) series.value += by
    else this.#series.set(key, { labels, value: by })
  }

  set(labels: Labels, value: number): void {
    this.#series.set(labelKey(labels), { labels, value })
  }

  get(labels: Labels = {}): number {
    return this.#series.get(labelKey(labels))?.value ?? 0
  }

  /** Sum over every series whose labels include `filter`. */
  sum(filter: Labels = {}): number {
    let total = 0
    for (const { labels, value } of this.#series.values())
      if (Object.entries(filter).every(([k, v]) => labels[k] === v)) total += value
    return total
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`]
    for (const { labels, value } of this.#series.values())
      lines.push(`${this.name}${formatLabels(labels)} ${value}`)
    return lines.join('\n')
  }
}

/** A gauge whose series are read when scraped. */
export class CallbackGauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly read: () => Iterable<{ labels: Labels; value: number }>,
  ) {}

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`]
    for (const { labels, value } of this.read())
      lines.push(`${this.name}${formatLabels(labels)} ${value}`)
    return lines.join('\n')
  }
}

type HistogramSeries = { labels: Labels; counts: number[]; sum: number; count: number }

export class Histogram implements Metric {
  readonly #series = new Map<string, HistogramSeries>()
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = labelKey(labels)
    let series = this.#series.get(key)
    if (!series) {
      series = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }
      this.#series.set(key, series)
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) series.counts[i]!++
    series.sum += value
    series.count++
  }

  count(filter: Labels = {}): number {
    let total = 0
    for (const s of this.#series.values())
      if (Object.entries(filter).every(([k, v]) => s.labels[k] === v)) total += s.count
    return total
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const s of this.#series.values()) {
      this.buckets.forEach((le, i) => {
        lines.push(
          `${this.name}_bucket${formatLabels(s.labels, ['le', String(le)])} ${s.counts[i]}`,
        )
      })
      lines.push(`${this.name}_bucket${formatLabels(s.labels, ['le', '+Inf'])} ${s.count}`)
      lines.push(`${this.name}_sum${formatLabels(s.labels)} ${s.sum}`)
      lines.push(`${this.name}_count${formatLabels(s.labels)} ${s.count}`)
    }
    return lines.join('\n')
  }
}

// Seconds. TTFT spans loopback stubs (ms) to queued CPU models (tens of s); TPOT spans fast GPUs
// (a few ms per token) to slow CPUs.
const ttftBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]
const tpotBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
const overheadBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25]

/** Every series the gateway exports, prefixed `decai_gateway_`. */
export class GatewayMetrics {
  readonly requests = new Counter(
    'decai_gateway_requests_total',
    'Client requests by endpoint, model and HTTP status.',
  )
  readonly relays = new Counter(
    'decai_gateway_relays_total',
    'Relays sent to suppliers by service, supplier and outcome (ok, client_error, failed, cancelled, hedge_lost).',
  )
  readonly supplierErrors = new Counter(
    'decai_gateway_supplier_errors_total',
    'Failed relays by service, supplier and reason (connect, http_status, miner_error, session, rate_limited, bad_request, bad_signature, malformed, truncated, timeout, upstream_status).',
  )
  readonly retries = new Counter(
    'decai_gateway_retries_total',
    'Requests retried on another supplier before the first byte, by service and the failure reason.',
  )
  readonly hedges = new Counter(
    'decai_gateway_hedges_total',
    'Hedged requests (first token late) by service and which attempt won (hedge, primary, none).',
  )
  readonly sessionRetries = new Counter(
    'decai_gateway_session_fallbacks_total',
    'Relays re-sent with the neighbouring session after a session error near a boundary.',
  )
  readonly sessionFetches = new Counter(
    'decai_gateway_session_fetches_total',
    'GetSession queries by service and result (ok, error).',
  )
  readonly cooldowns = new Counter(
    'decai_gateway_supplier_cooldowns_total',
    'Suppliers put in cooldown, by service, supplier and reason.',
  )
  readonly tokens = new Counter(
    'decai_gateway_tokens_total',
    'Tokens served by model and kind (prompt, completion).',
  )
  readonly streamErrors = new Counter(
    'decai_gateway_stream_errors_total',
    'Streams that ended with an in-stream error after the first byte, by model and reason.',
  )
  readonly clientDisconnects = new Counter(
    'decai_gateway_client_disconnects_total',
    'Requests whose client went away before the end, by endpoint.',
  )
  readonly ttft = new Histogram(
    'decai_gateway_time_to_first_token_seconds',
    'From the request reaching the gateway to the first verified token sent to the client.',
    ttftBuckets,
  )
  readonly tpot = new Histogram(
    'decai_gateway_time_per_output_token_seconds',
    'Average time per output token after the first, per streamed request.',
    tpotBuckets,
  )
  readonly duration = new Histogram(
    'decai_gateway_request_duration_seconds',
    'Client request duration by endpoint and model.',
    durationBuckets,
  )
  readonly overhead = new Histogram(
    'decai_gateway_overhead_seconds',
    "The gateway's own time per successful request: total minus time waiting on the supplier.",
    overheadBuckets,
  )
  readonly #extra: Metric[] = []

  /** Adds a series computed at scrape time (supplier scores, states, sessions). */
  addGauge(gauge: CallbackGauge): void {
    this.#extra.push(gauge)
  }

  render(): string {
    const all: Metric[] = [
      this.requests,
      this.relays,
      this.supplierErrors,
      this.retries,
      this.hedges,
      this.sessionRetries,
      this.sessionFetches,
      this.cooldowns,
      this.tokens,
      this.streamErrors,
      this.clientDisconnects,
      this.ttft,
      this.tpot,
      this.duration,
      this.overhead,
      ...this.#extra,
    ]
    return `${all.map((m) => m.render()).join('\n')}\n`
  }
}
