// Prometheus text exposition (format 0.0.4), hand-written: counters, gauges and histograms
// with labels, enough for the supplier's series without a dependency.

type Labels = Record<string, string>

const latencyBuckets = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
]

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
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels)
    const series = this.#series.get(key)
    if (series) series.value += by
    else this.#series.set(key, { labels, value: by })
  }

  get(labels: Labels = {}): number {
    return this.#series.get(labelKey(labels))?.value ?? 0
  }

  /** The sum over every label set. */
  total(): number {
    let sum = 0
    for (const s of this.#series.values()) sum += s.value
    return sum
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`]
    for (const { labels, value } of this.#series.values())
      lines.push(`${this.name}${formatLabels(labels)} ${value}`)
    return lines.join('\n')
  }
}

export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly read: () => number | { labels: Labels; value: number }[],
  ) {}

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`]
    const value = this.read()
    if (typeof value === 'number') lines.push(`${this.name} ${value}`)
    else for (const s of value) lines.push(`${this.name}${formatLabels(s.labels)} ${s.value}`)
    return lines.join('\n')
  }
}

type HistogramSeries = { labels: Labels; counts: number[]; sum: number; count: number }

export class Histogram implements Metric {
  readonly #series = new Map<string, HistogramSeries>()
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = latencyBuckets,
  ) {}

  observe(value: number, labels: Labels = {}): void {
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

  count(labels: Labels = {}): number {
    return this.#series.get(labelKey(labels))?.count ?? 0
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const { labels, counts, sum, count } of this.#series.values()) {
      this.buckets.forEach((bound, i) => {
        lines.push(`${this.name}_bucket${formatLabels(labels, ['le', String(bound)])} ${counts[i]}`)
      })
      lines.push(`${this.name}_bucket${formatLabels(labels, ['le', '+Inf'])} ${count}`)
      lines.push(`${this.name}_sum${formatLabels(labels)} ${sum}`)
      lines.push(`${this.name}_count${formatLabels(labels)} ${count}`)
    }
    return lines.join('\n')
  }
}

/** Every series the supplier exports. */
export type SupplierMetrics = ReturnType<typeof createSupplierMetrics>

export function createSupplierMetrics() {
  const all: Metric[] = []
  const add = <M extends Metric>(m: M): M => {
    all.push(m)
    return m
  }
  return {
    relaysServed: add(
      new Counter('supplier_relays_served_total', 'Relays answered with a signed response.'),
    ),
    verifications: add(
      new Counter(
        'supplier_verifications_total',
        'Relay requests verified, on a worker thread or inline.',
      ),
    ),
    relaysMined: add(
      new Counter('supplier_relays_mined_total', 'Relays inserted into a session trie.'),
    ),
    relaysNotMined: add(
      new Counter(
        'supplier_relays_not_mined_total',
        'Answered relays not inserted into a trie, by reason.',
      ),
    ),
    relaysRejected: add(
      new Counter(
        'supplier_relays_rejected_total',
        'Relays refused before reaching the backend, by reason.',
      ),
    ),
    relaysFailed: add(
      new Counter(
        'supplier_relays_failed_total',
        'Relays that reached the backend but could not be answered, by reason.',
      ),
    ),
    backendLatency: add(
      new Histogram(
        'supplier_backend_latency_seconds',
        'From sending the request to the backend to its last byte.',
      ),
    ),
    backendHeaders: add(
      new Histogram(
        'supplier_backend_headers_seconds',
        'From sending the request to the backend to its response headers.',
      ),
    ),
    timeToFirstByte: add(
      new Histogram(
        'supplier_time_to_first_byte_seconds',
        'From the relay request arriving to the first response byte sent to the client.',
      ),
    ),
    relayDuration: add(
      new Histogram(
        'supplier_relay_duration_seconds',
        'From the relay request arriving to the last response byte sent.',
      ),
    ),
    addedLatency: add(
      new Histogram(
        'supplier_added_latency_seconds',
        "Relay duration minus the backend's own time (what the supplier adds).",
      ),
    ),
    tokens: add(
      new Counter('supplier_tokens_total', "Tokens metered from the backend's usage, by kind."),
    ),
    claims: add(new Counter('supplier_claims_total', 'Claims, by result.')),
    proofs: add(new Counter('supplier_proofs_total', 'Proofs, by result.')),
    settlements: add(
      new Counter('supplier_settlements_total', 'Claims settled or expired on chain, by result.'),
    ),
    settledUpokt: add(
      new Counter('supplier_settled_upokt_total', 'uPOKT settled for this supplier’s claims.'),
    ),
    errors: add(new Counter('supplier_errors_total', 'Internal errors, by component.')),
    register(metric: Metric) {
      all.push(metric)
    },
    render(): string {
      return `${all.map((m) => m.render()).join('\n')}\n`
    },
  }
}
