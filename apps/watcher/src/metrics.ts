import { createMetrics } from '@decai/app-kit/metrics'

// The watcher's series, prefixed `decai_watcher_`. Labels come from config and the chain.

const secondsBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120]

export type WatcherMetrics = ReturnType<typeof createWatcherMetrics>

export function createWatcherMetrics() {
  const metrics = createMetrics()
  return {
    ...metrics,
    probes: metrics.counter(
      'decai_watcher_probes_total',
      'Probes sent by service, supplier, kind (challenge, traffic) and outcome (ok or the failure).',
      ['service', 'supplier', 'kind', 'outcome'],
    ),
    ttft: metrics.histogram(
      'decai_watcher_probe_ttft_seconds',
      'Time to first token of streamed probes.',
      secondsBuckets,
      ['service', 'supplier'],
    ),
    latency: metrics.histogram(
      'decai_watcher_probe_duration_seconds',
      'Whole-answer latency of probes.',
      secondsBuckets,
      ['service', 'supplier'],
    ),
    challengeAgreements: metrics.counter(
      'decai_watcher_challenges_total',
      'Model-identity challenges by service, supplier and result (agree, disagree).',
      ['service', 'supplier', 'result'],
    ),
  }
}
