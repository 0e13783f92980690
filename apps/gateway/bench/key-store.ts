// What the key store costs a request: the two calls each request makes (`authenticate` before
// relaying, `recordUsage` after), on the default SQLite file and on a real PostgreSQL on
// loopback (tools/servers), one request at a time (latency) and 32 at a time (throughput).
//
//   pnpm --filter @decai/gateway bench:store [-- --requests 2000]
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startPostgres } from '../../../tools/servers/servers.mjs'
import type { KeyStore, UsageRecord } from '../src/key-store.js'
import { openKeyStore } from '../src/open-key-store.js'
import { tempDir } from '../test/helpers.js'

const { values } = parseArgs({ options: { requests: { type: 'string', default: '2000' } } })
const requests = Number(values.requests)

const usage = (keyId: string): UsageRecord => ({
  keyId,
  at: Date.now(),
  endpoint: 'chat',
  model: 'm',
  serviceId: 'llm',
  application: null,
  supplier: 'pokt1supplier',
  status: 200,
  stream: false,
  promptTokens: 5,
  completionTokens: 8,
  relays: 1,
  latencyMs: 12.5,
  ttftMs: null,
  costUsd: 0.000021,
})

const quantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!

async function measure(name: string, store: KeyStore) {
  const { key, record } = await store.create({ name: 'bench' })
  const one = async () => {
    await store.authenticate(key)
    await store.recordUsage(usage(record.id))
  }
  for (let i = 0; i < 200; i++) await one()
  const auth: number[] = []
  const both: number[] = []
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now()
    await store.authenticate(key)
    const t1 = performance.now()
    await store.recordUsage(usage(record.id))
    auth.push(t1 - t0)
    both.push(performance.now() - t0)
  }
  auth.sort((a, b) => a - b)
  both.sort((a, b) => a - b)
  let next = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next++ < requests) await one()
    }),
  )
  const perSecond = requests / ((performance.now() - start) / 1000)
  console.log(
    `${name.padEnd(10)} authenticate p50 ${quantile(auth, 0.5).toFixed(3)} ms p99 ${quantile(auth, 0.99).toFixed(3)} ms | ` +
      `authenticate + recordUsage p50 ${quantile(both, 0.5).toFixed(3)} ms p99 ${quantile(both, 0.99).toFixed(3)} ms | ` +
      `32 concurrent: ${Math.round(perSecond)} requests/s`,
  )
  await store.close()
}

const dir = tempDir('decai-store-bench-')
await measure('sqlite', await openKeyStore({ kind: 'sqlite', path: join(dir, 'keys.sqlite') }))
const pg = await startPostgres()
try {
  await measure(
    'postgres',
    await openKeyStore({
      kind: 'postgres',
      url: pg.url,
      maxConnections: 10,
      connectTimeoutMs: 5000,
      outboxPath: join(dir, 'outbox.sqlite'),
    }),
  )
} finally {
  await pg.stop()
}
