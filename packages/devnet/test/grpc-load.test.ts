// Load on the gRPC endpoint: 10,000 queries over 32 channels (each its own HTTP/2 connection)
// on loopback, every answer checked against the abci_query bytes; then no handle and no heap
// left behind once the clients close. Prints the throughput.

import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Devnet, startDevnet } from '../src/devnet.js'
import { createRawGrpcClient } from './grpc-client.js'
import { rpc } from './helpers.js'
import { actorsOf, setUpActors } from './scenario.js'

const QUERIES = 10_000
const CHANNELS = 32
const PATHS = [
  '/pocket.shared.Query/Params',
  '/pocket.supplier.Query/AllSuppliers',
  '/pocket.service.Query/AllServices',
  '/pocket.application.Query/AllApplications',
  '/cosmos.bank.v1beta1.Query/TotalSupply',
]

let devnet: Devnet

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 0 })
  await setUpActors(devnet, actorsOf(devnet))
  await devnet.produceBlocks(1)
}, 60_000)

afterAll(async () => {
  await devnet?.stop()
})

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    gc()
  }
}

/** Open sockets, timers and the like, by kind. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1
  return counts
}

it(`answers ${QUERIES} queries over ${CHANNELS} channels with no error and no leak`, async () => {
  const expected = new Map<string, Uint8Array>()
  for (const path of PATHS) {
    const { response } = (await rpc(devnet.rpcUrl, 'abci_query', { path, data: '' })) as {
      response: { value: string | null }
    }
    expected.set(path, new Uint8Array(Buffer.from(response.value ?? '', 'base64')))
  }

  // A warm-up round, so the baseline includes what grpc-js keeps once loaded.
  const warm = createRawGrpcClient(devnet.grpcAddress!, true)
  await warm.call(PATHS[0]!)
  warm.close()
  await settle()
  await new Promise((resolve) => setTimeout(resolve, 200))
  const handlesBefore = handles()
  const heapBefore = process.memoryUsage().heapUsed

  const clients = Array.from({ length: CHANNELS }, () =>
    createRawGrpcClient(devnet.grpcAddress!, true),
  )
  let next = 0
  const failures: string[] = []
  const started = performance.now()
  await Promise.all(
    clients.map(async (client) => {
      for (let i = next++; i < QUERIES; i = next++) {
        const path = PATHS[i % PATHS.length]!
        const answer = await client.call(path)
        if (answer.code !== 0) failures.push(`${path}: ${answer.code} ${answer.details}`)
        else if (!Buffer.from(answer.response!).equals(Buffer.from(expected.get(path)!)))
          failures.push(`${path}: other bytes than abci_query`)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  for (const client of clients) client.close()
  await settle()
  const heapAfter = process.memoryUsage().heapUsed
  const handlesAfter = handles()
  console.log(
    `gRPC load: ${QUERIES} queries over ${CHANNELS} channels in ${seconds.toFixed(2)} s (${Math.round(QUERIES / seconds)}/s); heap ${(heapBefore / 2 ** 20).toFixed(1)} -> ${(heapAfter / 2 ** 20).toFixed(1)} MiB`,
  )

  expect(failures.slice(0, 5)).toEqual([])
  // No kind of handle grows (the warm-up's socket may still be closing in the baseline).
  for (const [kind, count] of Object.entries(handlesAfter))
    expect(count, kind).toBeLessThanOrEqual(handlesBefore[kind] ?? 0)
  // Nothing per query stays: 10,000 retained answers alone would be megabytes.
  expect(heapAfter - heapBefore).toBeLessThan(8 * 2 ** 20)
}, 120_000)
