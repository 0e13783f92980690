// Settlement amounts are the same on the devnet and on pocketd. The scripted scenario
// (settlement-scenario.ts) runs on the backend under test and its per-recipient summary must
// equal the committed expectation, settlement-expected.json; with `--backend pocketd` the same
// scenario also runs on an embedded devnet in the same invocation, and the two summaries are
// compared directly. The expectation is not a recording: the first test derives it from
// poktroll v0.1.35's formulas and default params, so a backend with other params or arithmetic
// fails against fixed numbers even where it agrees with its own params.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, startBackend, startEmbeddedDevnet } from './backend.js'
import {
  deriveSettlementSummary,
  runSettlementScenario,
  type ScenarioSummary,
} from './settlement-scenario.js'

const committed = JSON.parse(
  readFileSync(new URL('./settlement-expected.json', import.meta.url), 'utf8'),
) as ScenarioSummary

describe('the settlement scenario', () => {
  let backend: Backend
  beforeAll(async () => {
    backend = await startBackend()
  })
  afterAll(async () => {
    await backend?.stop()
  })

  it("commits the amounts poktroll's formulas give", () => {
    expect(committed).toEqual(deriveSettlementSummary())
  })

  it('settles for exactly those amounts, per recipient (and so does the devnet, beside pocketd)', async (context) => {
    // On a node started elsewhere the genesis params (and the validator) are not known.
    if (!backend.genesisParams) return context.skip()
    const summary = await runSettlementScenario(backend)
    expect(summary).toEqual(committed)
    if (backend.kind === 'pocketd') {
      // The same script on an embedded devnet, compared with pocketd's own numbers.
      const devnet = await startEmbeddedDevnet()
      try {
        expect(await runSettlementScenario(devnet)).toEqual(summary)
      } finally {
        await devnet.stop()
      }
    }
  })
})
