// One chain for every test file: the chain suite's backend (the embedded devnet, or pocketd with
// CHAIN_BACKEND=pocketd, which the backend builds first when no binary is cached) driven through the chain suite's
// settlement scenario, a real session with real relays, claims, proofs, settlement and an
// expired claim. The tests get its RPC URL and what the scenario measured. And one real
// PostgreSQL (tools/servers), for the suites that run on both stores.
import type { TestProject } from 'vitest/node'
import {
  type Backend,
  getBackendKind,
  startBackend,
} from '../../../../packages/chain/test/integration/backend.js'
import {
  runSettlementScenario,
  SCENARIO,
} from '../../../../packages/chain/test/integration/settlement-scenario.js'
import {
  shouldRunServerSuites,
  startPostgres,
  type TestServer,
} from '../../../../tools/servers/servers.mjs'

export type ChainFixture = {
  kind: string
  rpcUrl: string
  serviceId: string
  /** The scenario service's owner: the champion. */
  owner: string
  /** The owner's bank balance change over the settlement block, as the scenario measured it. */
  ownerBalanceChange: string
  /** Relays per supplier role, as the scenario sent them. */
  relays: Record<string, number>
  computeUnitsPerRelay: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    chain: ChainFixture
    /** The PostgreSQL server's URL; undefined where its suites do not run. */
    postgresUrl: string | undefined
  }
}

let backend: Backend | undefined
let postgres: TestServer | undefined

export async function setup(project: TestProject) {
  postgres = shouldRunServerSuites('postgres') ? await startPostgres() : undefined
  project.provide('postgresUrl', postgres?.url)
  const kind = getBackendKind()
  backend = await startBackend(kind)
  let summary: Awaited<ReturnType<typeof runSettlementScenario>>
  try {
    summary = await runSettlementScenario(backend)
  } catch (error) {
    // The scenario is timed against the block clock, which a loaded 2-core machine can upset
    // (it says so when it happens); once more on a fresh chain.
    console.warn(`settlement scenario failed, once more on a fresh chain: ${String(error)}`)
    await backend.stop()
    backend = await startBackend(kind)
    summary = await runSettlementScenario(backend)
  }
  const service = await backend.client.getService({ id: SCENARIO.serviceId })
  project.provide('chain', {
    kind,
    rpcUrl: backend.rpcUrl,
    serviceId: SCENARIO.serviceId,
    owner: service.ownerAddress,
    ownerBalanceChange: summary.balanceChanges['serviceOwner'] ?? '',
    relays: { ...SCENARIO.relays },
    computeUnitsPerRelay: String(SCENARIO.computeUnitsPerRelay),
  })
}

export async function teardown() {
  await backend?.stop()
  await postgres?.stop()
}
