import { Counter, Gauge, Histogram, Registry } from 'prom-client'

// Prometheus exposition through prom-client, the library most Node services use: one registry per
// app instance (several gateways or suppliers may share a process in tests), label names declared
// with each metric so that a typo fails at the call site instead of adding a series.
//
// Label values come from config, the chain (service IDs, supplier addresses) and fixed
// vocabularies, never from raw client input, so cardinality stays bounded.

export type { Counter, Gauge, Histogram }

/** One series of a gauge read at scrape time. */
export type GaugeSample<L extends string> = { labels: Partial<Record<L, string>>; value: number }

/** The metrics of one app instance. */
export type Metrics = {
  readonly registry: Registry
  /** `text/plain; version=0.0.4; charset=utf-8`, the exposition format's content type. */
  readonly contentType: string
  counter<L extends string = never>(
    name: string,
    help: string,
    labelNames?: readonly L[],
  ): Counter<L>
  histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames?: readonly L[],
  ): Histogram<L>
  /** A gauge computed when scraped: one number, or one sample per label set present now. */
  gauge<L extends string = never>(
    name: string,
    help: string,
    read: () => number | Iterable<GaugeSample<L>>,
    labelNames?: readonly L[],
  ): Gauge<L>
  /** The exposition text, the body of `GET /metrics`. */
  render(): Promise<string>
  /** The `GET /metrics` response. */
  respond(): Promise<Response>
}

/**
 * The sum of a counter's or gauge's series whose labels include `labels` (all series when
 * empty): what tests and status pages read without parsing the exposition text.
 */
export async function getMetricValue<L extends string>(
  metric: Counter<L> | Gauge<L>,
  labels: Partial<Record<L, string>> = {},
): Promise<number> {
  const { values } = await metric.get()
  let total = 0
  for (const sample of values) {
    const own = sample.labels as Record<string, string | number | undefined>
    if (Object.entries(labels).every(([k, v]) => String(own[k]) === v)) total += sample.value
  }
  return total
}

/** An empty metrics registry for one app instance. */
export function createMetrics(): Metrics {
  const registry = new Registry()
  const registers = [registry]
  return {
    registry,
    contentType: registry.contentType,
    counter: (name, help, labelNames = []) =>
      new Counter({ name, help, labelNames: [...labelNames], registers }),
    histogram: (name, help, buckets, labelNames = []) =>
      new Histogram({ name, help, buckets: [...buckets], labelNames: [...labelNames], registers }),
    gauge: <L extends string>(
      name: string,
      help: string,
      read: () => number | Iterable<GaugeSample<L>>,
      labelNames: readonly L[] = [],
    ) =>
      new Gauge<L>({
        name,
        help,
        labelNames: [...labelNames],
        registers,
        collect() {
          const value = read()
          // Label sets that are gone (a supplier left the session) must not linger.
          this.reset()
          if (typeof value === 'number') this.set(value)
          else for (const s of value) this.set(s.labels, s.value)
        },
      }),
    render: () => registry.metrics(),
    async respond() {
      return new Response(await registry.metrics(), {
        headers: { 'content-type': registry.contentType },
      })
    },
  }
}
