import { describe, expect, it } from 'vitest'
import { createMetrics, getMetricValue } from '../src/index.js'

describe('createMetrics', () => {
  it('renders counters, histograms and scrape-time gauges as Prometheus text', async () => {
    const metrics = createMetrics()
    const relays = metrics.counter('x_relays_total', 'Relays.', ['service', 'outcome'])
    relays.inc({ service: 'llm', outcome: 'ok' })
    relays.inc({ service: 'llm', outcome: 'ok' }, 2)
    relays.inc({ service: 'a"b\\c\nd', outcome: 'failed' })
    const latency = metrics.histogram('x_latency_seconds', 'Latency.', [0.1, 1], ['service'])
    latency.observe({ service: 'llm' }, 0.05)
    latency.observe({ service: 'llm' }, 0.5)
    const plain = metrics.counter('x_plain_total', 'No labels.')
    plain.inc()
    let states = [{ labels: { state: 'open' }, value: 2 }]
    metrics.gauge('x_sessions', 'Sessions.', () => states, ['state'])
    metrics.gauge('x_height', 'Height.', () => 42)

    const text = await metrics.render()
    expect(text).toContain('# HELP x_relays_total Relays.\n# TYPE x_relays_total counter\n')
    expect(text).toContain('x_relays_total{service="llm",outcome="ok"} 3\n')
    expect(text).toContain('x_relays_total{service="a\\"b\\\\c\\nd",outcome="failed"} 1\n')
    expect(text).toContain('# TYPE x_latency_seconds histogram\n')
    expect(text).toContain('x_latency_seconds_bucket{le="0.1",service="llm"} 1\n')
    expect(text).toContain('x_latency_seconds_bucket{le="1",service="llm"} 2\n')
    expect(text).toContain('x_latency_seconds_bucket{le="+Inf",service="llm"} 2\n')
    expect(text).toContain('x_latency_seconds_sum{service="llm"} 0.55\n')
    expect(text).toContain('x_latency_seconds_count{service="llm"} 2\n')
    expect(text).toContain('x_plain_total 1\n')
    expect(text).toContain('x_sessions{state="open"} 2\n')
    expect(text).toContain('# TYPE x_height gauge\nx_height 42\n')

    // A label set gone from the source is gone from the next scrape.
    states = [{ labels: { state: 'claimed' }, value: 1 }]
    const next = await metrics.render()
    expect(next).toContain('x_sessions{state="claimed"} 1\n')
    expect(next).not.toContain('state="open"')
  })

  it('reads a counter as the sum of the series that match', async () => {
    const metrics = createMetrics()
    const relays = metrics.counter('x_relays_total', 'Relays.', ['service', 'outcome'])
    relays.inc({ service: 'llm', outcome: 'ok' }, 2)
    relays.inc({ service: 'llm', outcome: 'failed' })
    relays.inc({ service: 'other', outcome: 'ok' })
    expect(await getMetricValue(relays, { service: 'llm' })).toBe(3)
    expect(await getMetricValue(relays, { service: 'llm', outcome: 'ok' })).toBe(2)
    expect(await getMetricValue(relays)).toBe(4)
    expect(await getMetricValue(relays, { outcome: 'cancelled' })).toBe(0)
  })

  it('keeps instances apart and refuses undeclared labels', async () => {
    const a = createMetrics()
    const b = createMetrics()
    a.counter('x_total', 'A.').inc()
    b.counter('x_total', 'B.')
    expect(await a.render()).toContain('x_total 1')
    expect(await b.render()).toContain('x_total 0')
    const c = a.counter('x_labelled_total', 'C.', ['service'])
    expect(() => c.inc({ sevrice: 'llm' } as never)).toThrow()
  })

  it('answers GET /metrics with the exposition content type', async () => {
    const metrics = createMetrics()
    metrics.counter('x_total', 'X.').inc()
    const response = await metrics.respond()
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(await response.text()).toContain('x_total 1')
  })
})
