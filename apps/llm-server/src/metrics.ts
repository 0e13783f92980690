import { createMetrics } from '@decai/app-kit/metrics'

// Seconds: a small CPU model answers its first token in tens of milliseconds to tens of seconds
// (queueing included).
const latencyBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

/** The server's metrics; `render()` is the body of `GET /metrics`. */
export type LlmMetrics = ReturnType<typeof createLlmMetrics>

/** Every series the server exports, prefixed `llm_`. */
export function createLlmMetrics() {
  const metrics = createMetrics()
  return {
    // The registry itself: `gauge` for series read at scrape time, `render`, `respond`.
    ...metrics,
    requests: metrics.counter('llm_requests_total', 'HTTP requests by endpoint and status code.', [
      'endpoint',
      'status',
    ]),
    errors: metrics.counter('llm_errors_total', 'Requests that ended in an error, by code.', [
      'code',
    ]),
    aborted: metrics.counter(
      'llm_generations_aborted_total',
      'Generations stopped early because the client disconnected or the server stopped.',
    ),
    promptTokens: metrics.counter(
      'llm_prompt_tokens_total',
      'Prompt tokens evaluated (the templated prompt).',
      ['endpoint'],
    ),
    completionTokens: metrics.counter('llm_completion_tokens_total', 'Tokens generated.', [
      'endpoint',
    ]),
    timeToFirstToken: metrics.histogram(
      'llm_time_to_first_token_seconds',
      'From request arrival to the first generated token (includes queueing).',
      latencyBuckets,
    ),
    requestDuration: metrics.histogram(
      'llm_generation_duration_seconds',
      'From request arrival to the last generated token.',
      latencyBuckets,
    ),
  }
}
