// A small Prometheus text exposition (format 0.0.4): counters, gauges and histograms with labels.
// Enough for the few series this server has, without a dependency.

type Labels = Record<string, string>

const latencyBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

type Series = { labels: Labels; value: number }
type HistogramSeries = { labels: Labels; counts: number[]; sum: number; count: number }

class Counter {
  readonly #series = new Map<string, Series>()
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' = 'counter',
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels)
    const series = this.#series.get(key) ?? { labels, value: 0 }
    series.value += by
    this.#series.set(key, series)
  }

  get(labels: Labels = {}): number {
    return this.#series.get(labelKey(labels))?.value ?? 0
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`]
    for (const { labels, value } of this.#series.values()) {
      lines.push(`${this.name}${formatLabels(labels)} ${value}`)
    }
    return lines.join('\n')
  }
}

class Gauge {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly read: () => number,
  ) {}

  render(): string {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      `${this.name} ${this.read()}`,
    ].join('\n')
  }
}

class Histogram {
  readonly #series = new Map<string, HistogramSeries>()
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = latencyBuckets,
  ) {}

  observe(value: number, labels: Labels = {}): void {
    const key = labelKey(labels)
    const series = this.#series.get(key) ?? {
      labels,
      counts: this.buckets.map(() => 0),
      sum: 0,
      count: 0,
    }
    this.buckets.forEach((bound, i) => {
      if (value <= bound) series.counts[i] = (series.counts[i] ?? 0) + 1
    })
    series.sum += value
    series.count++
    this.#series.set(key, series)
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const { labels, counts, sum, count } of this.#series.values()) {
      this.buckets.forEach((bound, i) => {
        lines.push(
          `${this.name}_bucket${formatLabels({ ...labels, le: String(bound) })} ${counts[i]}`,
        )
      })
      lines.push(`${this.name}_bucket${formatLabels({ ...labels, le: '+Inf' })} ${count}`)
      lines.push(`${this.name}_sum${formatLabels(labels)} ${sum}`)
      lines.push(`${this.name}_count${formatLabels(labels)} ${count}`)
    }
    return lines.join('\n')
  }
}

/** The server's metrics; `render()` is the body of `GET /metrics`. */
export class Metrics {
  readonly requests = new Counter(
    'llm_requests_total',
    'HTTP requests by endpoint and status code.',
  )
  readonly errors = new Counter('llm_errors_total', 'Requests that ended in an error, by code.')
  readonly aborted = new Counter(
    'llm_generations_aborted_total',
    'Generations stopped early because the client disconnected or the server stopped.',
  )
  readonly promptTokens = new Counter(
    'llm_prompt_tokens_total',
    'Prompt tokens evaluated (the templated prompt).',
  )
  readonly completionTokens = new Counter('llm_completion_tokens_total', 'Tokens generated.')
  readonly timeToFirstToken = new Histogram(
    'llm_time_to_first_token_seconds',
    'From request arrival to the first generated token (includes queueing).',
  )
  readonly requestDuration = new Histogram(
    'llm_generation_duration_seconds',
    'From request arrival to the last generated token.',
  )
  readonly #gauges: Gauge[] = []

  /** Registers a gauge read at scrape time (queue depth, busy sequences). */
  addGauge(name: string, help: string, read: () => number): void {
    this.#gauges.push(new Gauge(name, help, read))
  }

  render(): string {
    const parts = [
      this.requests,
      this.errors,
      this.aborted,
      this.promptTokens,
      this.completionTokens,
      this.timeToFirstToken,
      this.requestDuration,
      ...this.#gauges,
    ].map((metric) => metric.render())
    return `${parts.join('\n')}\n`
  }
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels)
  if (entries.length === 0) return ''
  const body = entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')
  return `{${body}}`
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}
