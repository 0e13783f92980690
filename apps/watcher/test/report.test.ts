import { describe, expect, it } from 'vitest'
import { buildReportEntry } from '../src/report.js'
import type { ProbeRecord } from '../src/store.js'

const parameters = {
  honestAgreement: 0.9,
  substituteAgreement: 0.5,
  alpha: 0.05,
  prefixAgreement: 0.5,
}
const context = {
  serviceId: 'llm',
  model: 'm',
  referenceSha256: 'a'.repeat(64),
  supplier: 'pokt1s',
}

const probe = (at: number, ok: boolean, failure: string | null = null): ProbeRecord => ({
  at,
  serviceId: 'llm',
  supplier: 'pokt1s',
  application: 'pokt1a',
  sessionId: `s${Math.floor(at / 10)}`,
  sessionStartHeight: '1',
  sessionEndHeight: '10',
  kind: 'traffic',
  promptId: 'p',
  stream: true,
  maxTokens: 8,
  ok,
  failure,
  ttftMs: ok ? 100 + at : null,
  latencyMs: 500 + at,
  tpotMs: ok ? 20 : null,
  completionTokens: ok ? 8 : null,
  promptTokens: ok ? 5 : null,
  tokensPerSecond: ok ? 16 : null,
  text: ok ? 'hi' : null,
  correct: null,
  challenge: null,
  evidence: null,
})

describe('buildReportEntry', () => {
  it('counts failures by cause, leaves session misses out of the success rate, costs per session', () => {
    const entry = buildReportEntry(
      {
        challenges: [],
        traffic: [
          probe(1, true),
          probe(2, true),
          probe(3, false, 'connect'),
          probe(14, false, 'session'),
        ],
      },
      context,
      parameters,
    )
    expect(entry).toMatchObject({
      verdict: 'inconclusive',
      samples: 0,
      probes: 4,
      succeeded: 2,
      successRate: Number((2 / 3).toFixed(4)),
      errors: { connect: 1, session: 1 },
      ttftMs: { p50: 102, p95: 102 },
    })
    expect(entry.sessions).toEqual([
      { application: 'pokt1a', sessionId: 's0', relays: 3, promptTokens: 10, completionTokens: 16 },
      { application: 'pokt1a', sessionId: 's1', relays: 1, promptTokens: 0, completionTokens: 0 },
    ])
  })
})
