import { Hono } from 'hono'
import { html, raw } from 'hono/html'
import type { WatcherConfig } from './config.js'
import type { WatcherMetrics } from './metrics.js'
import { summarizeReport, type WatcherReport } from './report.js'
import type { WatcherStore } from './store.js'

// The watcher's HTTP surface: `GET /reports/latest` (per supplier × service: verdict,
// confidence, samples, window, latency percentiles, success rate; `?evidence=true` for the full
// signed report that `decai-watcher verify` checks), the report history, `/metrics`, `/healthz`
// and a plain HTML page of the latest results.

export type WatcherAppDependencies = {
  config: WatcherConfig
  metrics: WatcherMetrics
  store: WatcherStore
  address: string
  latestReport: () => WatcherReport
}

export function createWatcherApp(deps: WatcherAppDependencies): Hono {
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ status: 'ok', watcher: deps.address }))
  app.get('/metrics', () => deps.metrics.respond())
  app.get('/reports/latest', (c) => {
    const report = deps.latestReport()
    return c.json(c.req.query('evidence') === 'true' ? report : summarizeReport(report))
  })
  app.get('/reports', (c) => c.json({ data: deps.store.listReports(100) }))
  app.get('/reports/:id{[0-9]+}', (c) => {
    const report = deps.store.getReport(Number(c.req.param('id')))
    return report === undefined ? c.json({ error: 'no such report' }, 404) : c.json(report)
  })
  app.get('/', (c) => c.html(renderPage(deps.latestReport())))
  app.notFound((c) => c.json({ error: 'not found' }, 404))
  return app
}

const percent = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`)
const ms = (p: { p50: number; p95: number } | null) =>
  p === null ? '–' : `${Math.round(p.p50)} / ${Math.round(p.p95)}`

function renderPage(report: WatcherReport) {
  const rows = report.entries.map(
    (e) => html`<tr>
      <td>${e.serviceId}</td><td><code>${e.supplier}</code></td>
      <td class="${e.verdict}">${e.verdict}</td><td>${percent(e.confidence)}</td>
      <td>${e.agreed}/${e.samples}</td><td>${percent(e.successRate)}</td>
      <td>${ms(e.ttftMs)}</td><td>${ms(e.latencyMs)}</td>
      <td>${e.tokensPerSecond === null ? '–' : e.tokensPerSecond.p50.toFixed(1)}</td>
      <td>${e.window.from ?? '–'} → ${e.window.to ?? '–'}</td>
    </tr>`,
  )
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DecAI watcher</title>
<style>${raw(
    'body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}.match{color:#070}.mismatch{color:#b00;font-weight:bold}.inconclusive{color:#860}',
  )}</style></head>
<body><h1>DecAI watcher</h1>
<p>Watcher <code>${report.watcher.address}</code>, report of ${report.createdAt}.
Signed JSON: <a href="/reports/latest?evidence=true">/reports/latest?evidence=true</a>.</p>
<table><thead><tr><th>service</th><th>supplier</th><th>verdict</th><th>confidence</th>
<th>challenges agreed</th><th>success</th><th>TTFT ms p50 / p95</th><th>latency ms p50 / p95</th>
<th>tokens/s p50</th><th>window</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>`
}
