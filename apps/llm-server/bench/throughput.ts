// Measures what a client sees: time to first token (request sent -> first content chunk) and
// decode speed (completion tokens after the first / time from first to last chunk), for one
// stream at a time and for `parallel` streams at once. Prints a table; asserts nothing.
//
//   pnpm --filter @decai/llm-server bench [-- --threads 1,2 --tokens 128 --runs 3]
import { availableParallelism, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import OpenAI from 'openai'
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions'
import { ensureModel, startLlmServer } from '../src/index.js'

const argv = process.argv.slice(2)
const { values } = parseArgs({
  // `pnpm bench -- --threads 1` passes the separator through.
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    threads: { type: 'string', default: '1,2' },
    tokens: { type: 'string', default: '128' },
    runs: { type: 'string', default: '3' },
  },
})
const threadCounts = values.threads.split(',').map(Number)
const maxTokens = Number(values.tokens)
const runs = Number(values.runs)

type Sample = { ttftMs: number; decodeTokensPerSecond: number; tokens: number; totalMs: number }

async function streamOnce(client: OpenAI, model: string): Promise<Sample> {
  const started = performance.now()
  const stream = await client.chat.completions.create({
    model,
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Tell me a long story about a dragon and a knight.' },
    ],
    temperature: 0,
    max_tokens: maxTokens,
    ignore_eos: true,
    stream: true,
    stream_options: { include_usage: true },
  } as ChatCompletionCreateParamsStreaming & { ignore_eos: boolean })
  let first: number | undefined
  let last = started
  let tokens = 0
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta.content) {
      first ??= performance.now()
      last = performance.now()
    }
    if (chunk.usage) tokens = chunk.usage.completion_tokens
  }
  const ttft = (first ?? last) - started
  return {
    ttftMs: ttft,
    decodeTokensPerSecond: (tokens - 1) / ((last - (first ?? last)) / 1000),
    tokens,
    totalMs: performance.now() - started,
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

const modelPath = await ensureModel()
console.log(
  `cores: ${availableParallelism()}, load average: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, completion: ${maxTokens} tokens, runs: ${runs}`,
)
console.log('threads | mode        | TTFT median (ms) | decode tok/s per stream | aggregate tok/s')
for (const threads of threadCounts) {
  const server = await startLlmServer({ modelPath, threads, parallel: 2 })
  const client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'unused', maxRetries: 0 })
  try {
    await streamOnce(client, server.modelName) // warm-up
    const single: Sample[] = []
    for (let i = 0; i < runs; i++) single.push(await streamOnce(client, server.modelName))
    const singleRate = median(single.map((s) => s.decodeTokensPerSecond))
    console.log(
      `${String(threads).padStart(7)} | 1 stream    | ${median(single.map((s) => s.ttftMs))
        .toFixed(0)
        .padStart(
          16,
        )} | ${singleRate.toFixed(1).padStart(23)} | ${singleRate.toFixed(1).padStart(15)}`,
    )
    const pairs: Sample[][] = []
    const wall: number[] = []
    for (let i = 0; i < runs; i++) {
      const started = performance.now()
      pairs.push(
        await Promise.all([
          streamOnce(client, server.modelName),
          streamOnce(client, server.modelName),
        ]),
      )
      wall.push(performance.now() - started)
    }
    const flat = pairs.flat()
    const aggregate = median(
      pairs.map((pair, i) => pair.reduce((n, s) => n + s.tokens, 0) / ((wall[i] ?? 1) / 1000)),
    )
    console.log(
      `${String(threads).padStart(7)} | 2 streams   | ${median(flat.map((s) => s.ttftMs))
        .toFixed(0)
        .padStart(16)} | ${median(flat.map((s) => s.decodeTokensPerSecond))
        .toFixed(1)
        .padStart(23)} | ${aggregate.toFixed(1).padStart(15)}`,
    )
  } finally {
    await server.stop()
  }
}
