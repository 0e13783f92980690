// Runs one autocannon measurement in its own process (so it does not share an event loop with
// the servers) and prints the result as JSON. The body is read as bytes: relay requests are
// binary, which autocannon's CLI would mangle as text. `bodiesFile` (a JSON array of base64
// bodies) sends a different body with each request, in turn.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

type Options = {
  url: string
  connections: number
  duration: number
  bodyFile?: string
  bodiesFile?: string
  headers: Record<string, string>
}
type Result = {
  latency: { p50: number; p90: number; p99: number }
  requests: { average: number }
  errors: number
  non2xx: number
}

const autocannon = createRequire(import.meta.url)('autocannon') as (
  options: Record<string, unknown>,
) => Promise<Result>
const options = JSON.parse(process.argv[2]!) as Options
const bodies = options.bodiesFile
  ? (JSON.parse(readFileSync(options.bodiesFile, 'utf8')) as string[]).map((b) =>
      Buffer.from(b, 'base64'),
    )
  : [readFileSync(options.bodyFile!)]
let next = 0
const result = await autocannon({
  url: options.url,
  method: 'POST',
  connections: options.connections,
  duration: options.duration,
  headers: options.headers,
  body: bodies[0],
  ...(bodies.length > 1
    ? {
        requests: [
          {
            setupRequest: (request: Record<string, unknown>) => ({
              ...request,
              body: bodies[next++ % bodies.length],
            }),
          },
        ],
      }
    : {}),
})
console.log(
  JSON.stringify({
    latency: result.latency,
    requests: result.requests,
    errors: result.errors,
    non2xx: result.non2xx,
  }),
)
