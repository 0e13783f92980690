import { createMetrics } from '@decai/app-kit/metrics'

// The supplier's series, prefixed `supplier_`. Label values are service IDs from config and fixed
// vocabularies (reasons, results, components), never raw client input.

// Seconds: from a loopback stub backend (sub-millisecond) to a CPU model's whole answer.
const latencyBuckets = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
]

/** Every series the supplier exports. */
export type SupplierMetrics = ReturnType<typeof createSupplierMetrics>

export function createSupplierMetrics() {
  const metrics = createMetrics()
  const latency = (name: string, help: string) =>
    metrics.histogram(name, help, latencyBuckets, ['service'])
  return {
    // The registry itself: `gauge` for series read at scrape time, `render`, `respond`.
    ...metrics,
    relaysServed: metrics.counter(
      'supplier_relays_served_total',
      'Relays answered with a signed response.',
      ['service', 'mode'],
    ),
    verifications: metrics.counter(
      'supplier_verifications_total',
      'Relay requests verified, on a worker thread or inline.',
      ['where'],
    ),
    relaysMined: metrics.counter(
      'supplier_relays_mined_total',
      'Relays inserted into a session trie.',
      ['service'],
    ),
    relaysNotMined: metrics.counter(
      'supplier_relays_not_mined_total',
      'Answered relays not inserted into a trie, by reason.',
      ['service', 'reason'],
    ),
    relaysRejected: metrics.counter(
      'supplier_relays_rejected_total',
      'Relays refused before reaching the backend, by reason.',
      ['service', 'reason'],
    ),
    relaysFailed: metrics.counter(
      'supplier_relays_failed_total',
      'Relays that reached the backend but could not be answered, by reason.',
      ['service', 'reason'],
    ),
    backendLatency: latency(
      'supplier_backend_latency_seconds',
      'From sending the request to the backend to its last byte.',
    ),
    backendHeaders: latency(
      'supplier_backend_headers_seconds',
      'From sending the request to the backend to its response headers.',
    ),
    timeToFirstByte: latency(
      'supplier_time_to_first_byte_seconds',
      'From the relay request arriving to the first response byte sent to the client.',
    ),
    relayDuration: latency(
      'supplier_relay_duration_seconds',
      'From the relay request arriving to the last response byte sent.',
    ),
    addedLatency: latency(
      'supplier_added_latency_seconds',
      "Relay duration minus the backend's own time (what the supplier adds).",
    ),
    tokens: metrics.counter(
      'supplier_tokens_total',
      "Tokens metered from the backend's usage, by kind.",
      ['service', 'kind'],
    ),
    claims: metrics.counter('supplier_claims_total', 'Claims, by result.', ['result']),
    proofs: metrics.counter('supplier_proofs_total', 'Proofs, by result.', ['result']),
    settlements: metrics.counter(
      'supplier_settlements_total',
      'Claims settled or expired on chain, by result.',
      ['result'],
    ),
    settledUpokt: metrics.counter(
      'supplier_settled_upokt_total',
      'uPOKT settled for this supplier’s claims.',
    ),
    errors: metrics.counter('supplier_errors_total', 'Internal errors, by component.', [
      'component',
    ]),
  }
}
