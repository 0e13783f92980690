import { createMetrics } from '@decai/app-kit/metrics'

// The gateway's series, prefixed `decai_gateway_`. Label values come from config, the chain
// (service IDs, supplier addresses) and fixed vocabularies, never from raw client input.

// Seconds. TTFT spans loopback stubs (ms) to queued CPU models (tens of s); TPOT spans fast GPUs
// (a few ms per token) to slow CPUs.
const ttftBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]
const tpotBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
const overheadBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25]

/** Every series the gateway exports. */
export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>

export function createGatewayMetrics() {
  const metrics = createMetrics()
  return {
    // The registry itself: `gauge` for series read at scrape time, `render`, `respond`.
    ...metrics,
    requests: metrics.counter(
      'decai_gateway_requests_total',
      'Client requests by endpoint, model and HTTP status.',
      ['endpoint', 'model', 'status'],
    ),
    relays: metrics.counter(
      'decai_gateway_relays_total',
      'Relays sent to suppliers by service, supplier and outcome (ok, client_error, failed, cancelled, hedge_lost).',
      ['service', 'supplier', 'outcome'],
    ),
    supplierErrors: metrics.counter(
      'decai_gateway_supplier_errors_total',
      'Failed relays by service, supplier and reason (connect, http_status, miner_error, session, rate_limited, bad_request, bad_signature, malformed, truncated, timeout, upstream_status).',
      ['service', 'supplier', 'reason'],
    ),
    retries: metrics.counter(
      'decai_gateway_retries_total',
      'Requests retried on another supplier before the first byte, by service and the failure reason.',
      ['service', 'reason'],
    ),
    hedges: metrics.counter(
      'decai_gateway_hedges_total',
      'Hedged requests (first token late) by service and which attempt won (hedge, primary, none).',
      ['service', 'won'],
    ),
    hedgesSent: metrics.counter(
      'decai_gateway_hedges_sent_total',
      'Hedge relays sent (a second relay for a request whose first token was late), by service.',
      ['service'],
    ),
    hedgesSkipped: metrics.counter(
      'decai_gateway_hedges_skipped_total',
      'Hedges that were due but not sent, by service and reason (budget: the hedge budget was spent).',
      ['service', 'reason'],
    ),
    hedgeWastedTokens: metrics.counter(
      'decai_gateway_hedge_wasted_tokens_total',
      'Prompt tokens sent to the losing attempt of a hedged request (prefill the gateway pays for, not the key), by service.',
      ['service'],
    ),
    sessionRetries: metrics.counter(
      'decai_gateway_session_fallbacks_total',
      'Relays re-sent with the neighbouring session after a session error near a boundary.',
      ['service'],
    ),
    sessionFetches: metrics.counter(
      'decai_gateway_session_fetches_total',
      'GetSession queries by service and result (ok, error).',
      ['service', 'result'],
    ),
    cooldowns: metrics.counter(
      'decai_gateway_supplier_cooldowns_total',
      'Suppliers put in cooldown, by service, supplier and reason.',
      ['service', 'supplier', 'reason'],
    ),
    tokens: metrics.counter(
      'decai_gateway_tokens_total',
      'Tokens served by model and kind (prompt, completion).',
      ['model', 'kind'],
    ),
    streamErrors: metrics.counter(
      'decai_gateway_stream_errors_total',
      'Streams that ended with an in-stream error after the first byte, by model and reason.',
      ['model', 'reason'],
    ),
    clientDisconnects: metrics.counter(
      'decai_gateway_client_disconnects_total',
      'Requests whose client went away before the end, by endpoint.',
      ['endpoint'],
    ),
    ttft: metrics.histogram(
      'decai_gateway_time_to_first_token_seconds',
      'From the request reaching the gateway to the first verified token sent to the client.',
      ttftBuckets,
      ['model'],
    ),
    tpot: metrics.histogram(
      'decai_gateway_time_per_output_token_seconds',
      'Average time per output token after the first, per streamed request.',
      tpotBuckets,
      ['model'],
    ),
    duration: metrics.histogram(
      'decai_gateway_request_duration_seconds',
      'Client request duration by endpoint and model.',
      durationBuckets,
      ['endpoint', 'model'],
    ),
    overhead: metrics.histogram(
      'decai_gateway_overhead_seconds',
      "The gateway's own time per successful request: total minus time waiting on the supplier.",
      overheadBuckets,
    ),
  }
}
