// One autocannon run in its own process (so the load generator never shares an event loop with a
// server under test), printed as JSON. Latency percentiles come from every response's own time
// (float ms), not autocannon's whole-millisecond histogram: the figures compared are fractions of
// a millisecond. `bodiesFile` is a JSON array of base64 bodies sent in turn (relay requests are
// binary).
//
//   node --import tsx tools/pocketd/lib/load-run.ts '{"url":…,"connections":1,"duration":5,…}'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

type Options = {
  url: string
  connections: number
  duration: number
  bodiesFile: string
  headers?: Record<string, string>
}

type Instance = { on(event: 'response', f: (...args: unknown[]) => void): void }
type Result = { requests: { total: number }; errors: number; timeouts: number; non2xx: number }

// autocannon is a dev dependency of the apps' benchmarks; resolve it from there.
const autocannon = createRequire(
  fileURLToPath(new URL('../../../apps/supplier/package.json', import.meta.url)),
)('autocannon') as (
  options: Record<string, unknown>,
  done: (e: unknown, r: Result) => void,
) => Instance

const options = JSON.parse(process.argv[2]!) as Options
const bodies = (JSON.parse(readFileSync(options.bodiesFile, 'utf8')) as string[]).map((b) =>
  Buffer.from(b, 'base64'),
)
let next = 0
const times: number[] = []
const result = await new Promise<Result>((resolve, reject) => {
  const instance = autocannon(
    {
      url: options.url,
      method: 'POST',
      connections: options.connections,
      duration: options.duration,
      headers: options.headers ?? {},
      requests: [{ setupRequest: (r: object) => ({ ...r, body: bodies[next++ % bodies.length] }) }],
    },
    (error, r) => (error ? reject(error) : resolve(r)),
  )
  // Only answers that are answers: an error status is counted, not timed.
  instance.on('response', (...args) => {
    if (args[1] === 200) times.push(args[3] as number)
  })
})
times.sort((a, b) => a - b)
const at = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]
console.log(
  JSON.stringify({
    rps: result.requests.total / options.duration,
    p50: at(50) ?? null,
    p99: at(99) ?? null,
    count: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
  }),
)
