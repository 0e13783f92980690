// What hedging costs and buys, with the real model: two real suppliers (apps/supplier) on the
// devnet, each in front of its own llm-server (SmolLM2-135M, llama.cpp, one CPU thread), and a
// mixed workload replayed through the gateway once per hedging policy:
//
//   before        `routeBy: score`, `typical-ttft`, no budget: the former rules (the quality
//                 score alone picks the supplier; a hedge at a multiple of the service's typical
//                 first token, at most maxHedgeDelayMs, whatever the prompt)
//   hedging only  `routeBy: score` with the default hedging: `expected-ttft` (a multiple of
//                 this request's expected first token at its supplier) and a 5% hedge budget
//   after         the defaults: routing by the soonest expected first token, and that hedging
//
// The workload, the same for both (two client loops): short chats, long prompts (about 600
// tokens) and streams the client leaves after its first token. Every prompt is unique, so no
// backend serves one from its prefix cache. Reported per policy:
//
//   extra prefill  prompt tokens the backends evaluated (their llm_prompt_tokens_total) beyond
//                  the prompt tokens the requests needed (one prefill each: what the keys were
//                  charged, counted with the model's tokenizer)
//   TTFT p50/p95   client side, request sent to first content chunk
//   hedges         sent, and won by the hedge
//
//   pnpm --filter @decai/gateway bench:hedge [-- --requests 36]
import { parseArgs } from 'node:util'
import { ensureModel, type LlmServer, startLlmServer } from '@decai/llm-server'
import OpenAI from 'openai'
import { type GatewayConfigInput, startGateway } from '../src/index.js'
import {
  MODEL,
  metricValue,
  SERVICE_ID,
  type SupplierNetwork,
  startSupplierNetwork,
  waitUntil,
} from '../test/helpers.js'

const args = process.argv.slice(2)
const { values } = parseArgs({
  args: args[0] === '--' ? args.slice(1) : args,
  options: { requests: { type: 'string', default: '36' } },
})
const requestCount = Number(values.requests)

type Kind = 'short' | 'long' | 'aborted-short' | 'aborted-long'
type Result = {
  kind: Kind
  ttftMs: number | null
  /** Request sent to its end (or failure). */
  elapsedMs: number
  ok: boolean
  error?: string
}

const policies: { name: string; routing: GatewayConfigInput['routing'] }[] = [
  {
    name: 'before (score routing, typical-ttft, no budget)',
    routing: { routeBy: 'score', hedgePolicy: 'typical-ttft', hedgeBudget: 1, hedgeBurst: 1e9 },
  },
  {
    name: 'hedging only (score routing, expected-ttft, 5% budget)',
    routing: { routeBy: 'score' },
  },
  { name: 'after (first-token routing, expected-ttft, 5% budget)', routing: {} },
]

/** The workload: 2 in 3 short chats, 1 in 6 long prompts, 1 in 6 left after the first token. */
function workload(n: number): Kind[] {
  const pattern: Kind[] = [
    'short',
    'short',
    'long',
    'short',
    'aborted-short',
    'short',
    'short',
    'long',
    'short',
    'short',
    'aborted-long',
    'short',
  ]
  return Array.from({ length: n }, (_, i) => pattern[i % pattern.length]!)
}

const filler = 'The committee reviewed the quarterly figures and the shipping schedule in detail. '

function messages(kind: Kind, tag: string) {
  const long = kind === 'long' || kind === 'aborted-long'
  const content = long
    ? `${tag}: summarize this report in one line. ${filler.repeat(40)}`
    : `${tag}: name a colour and a fruit.`
  return [{ role: 'user' as const, content }]
}

async function runOne(client: OpenAI, kind: Kind, tag: string): Promise<Result> {
  const controller = new AbortController()
  const started = performance.now()
  let ttftMs: number | null = null
  try {
    const stream = await client.chat.completions.create(
      {
        model: MODEL,
        messages: messages(kind, tag),
        max_tokens: kind === 'short' ? 16 : 8,
        temperature: 0,
        stream: true,
      },
      { signal: controller.signal },
    )
    for await (const chunk of stream) {
      if (ttftMs === null && chunk.choices[0]?.delta?.content) {
        ttftMs = performance.now() - started
        if (kind.startsWith('aborted')) controller.abort()
      }
    }
    return { kind, ttftMs, elapsedMs: performance.now() - started, ok: true }
  } catch (error) {
    const elapsedMs = performance.now() - started
    if (controller.signal.aborted) return { kind, ttftMs, elapsedMs, ok: true }
    return {
      kind,
      ttftMs,
      elapsedMs,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    }
  }
}

async function promptTokens(llms: LlmServer[]): Promise<number> {
  let total = 0
  for (const llm of llms)
    total += metricValue(
      await (await fetch(`${llm.url}/metrics`)).text(),
      'llm_prompt_tokens_total',
    )
  return total
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

async function runPolicy(
  network: SupplierNetwork,
  llms: LlmServer[],
  modelPath: string,
  policy: (typeof policies)[number],
  index: number,
) {
  const gateway = await startGateway({
    listen: { port: 0 },
    chain: { rpcUrl: network.devnet.rpcUrl, pollingIntervalMs: 200, blockTransport: 'polling' },
    gateway: { privateKey: network.gatewayPrivateKey },
    models: [{ name: MODEL, serviceId: SERVICE_ID, tokenizer: { gguf: modelPath } }],
    store: { path: ':memory:' },
    log: { level: 'silent' },
    routing: policy.routing,
  })
  try {
    const { key, record } = await gateway.createApiKey({ name: 'bench' })
    const client = new OpenAI({ baseURL: gateway.baseUrl, apiKey: key, maxRetries: 0 })
    // A few short chats so that both suppliers are measured (not counted).
    for (let i = 0; i < 4; i++) await runOne(client, 'short', `p${index} warm-up ${i}`)
    const chargedBefore = (await gateway.keys.summarize(record.id)).promptTokens
    const processedBefore = await promptTokens(llms)
    const kinds = workload(requestCount)
    const results: Result[] = []
    let next = 0
    const started = performance.now()
    await Promise.all(
      [0, 1].map(async () => {
        while (next < kinds.length) {
          const i = next++
          results.push(await runOne(client, kinds[i]!, `p${index} request ${i}`))
        }
      }),
    )
    const seconds = (performance.now() - started) / 1000
    // Usage rows are written once each request's outcome is known.
    await waitUntil(
      async () => (await gateway.keys.summarize(record.id)).requests >= 4 + kinds.length,
      30_000,
    ).catch(() => {})
    // Aborted relays release their backend slot asynchronously.
    await new Promise((r) => setTimeout(r, 1000))
    const charged = (await gateway.keys.summarize(record.id)).promptTokens - chargedBefore
    const processed = (await promptTokens(llms)) - processedBefore
    const text = await (await fetch(`${gateway.url}/metrics`)).text()
    const ttfts = results.flatMap((r) => (r.ttftMs === null ? [] : [r.ttftMs]))
    const longTtfts = results.flatMap((r) =>
      r.ttftMs !== null && r.kind.endsWith('long') ? [r.ttftMs] : [],
    )
    return {
      policy: policy.name,
      requests: results.length,
      failed: results.filter((r) => !r.ok).length,
      failures: results.flatMap((r) =>
        r.ok
          ? []
          : [
              `${r.kind} after ${Math.round(r.elapsedMs)} ms (first token ${r.ttftMs === null ? 'none' : `${Math.round(r.ttftMs)} ms`}): ${r.error}`,
            ],
      ),
      seconds: Number(seconds.toFixed(1)),
      neededPrefill: charged,
      processedPrefill: processed,
      extraPrefillPct: Number((((processed - charged) / charged) * 100).toFixed(1)),
      ttftP50Ms: Math.round(percentile(ttfts, 50)),
      ttftP95Ms: Math.round(percentile(ttfts, 95)),
      longTtftP50Ms: Math.round(percentile(longTtfts, 50)),
      hedgesSent: metricValue(text, 'decai_gateway_hedges_sent_total'),
      hedgesWon: metricValue(text, 'decai_gateway_hedges_total', { won: 'hedge' }),
      hedgesSkipped: metricValue(text, 'decai_gateway_hedges_skipped_total'),
      wastedTokens: metricValue(text, 'decai_gateway_hedge_wasted_tokens_total'),
    }
  } finally {
    await gateway.stop()
  }
}

const modelPath = await ensureModel()
const llms = [
  await startLlmServer({ port: 0, threads: 1, parallel: 2, embeddings: false, modelPath }),
  await startLlmServer({ port: 0, threads: 1, parallel: 2, embeddings: false, modelPath }),
]
const network = await startSupplierNetwork({
  suppliers: ['good', 'good'],
  backendUrl: llms[0]!.url,
  backendUrls: llms.map((l) => l.url),
  numBlocksPerSession: 30,
  // The suppliers' whole-answer deadline is the supplier's default, not the tests' 60 s: on a
  // loaded machine a long prompt can take most of a minute to its first token, and a stream
  // cut at the deadline mid-answer is a failed request that says nothing about hedging.
  serviceTimeout: '600s',
})
try {
  const rows = []
  for (const [i, policy] of policies.entries()) {
    console.log(`running ${policy.name} …`)
    rows.push(await runPolicy(network, llms, modelPath, policy, i))
  }
  console.log(
    '\n| policy | requests | failed | extra prefill | needed / processed tokens | TTFT p50 | TTFT p95 | long-prompt TTFT p50 | hedges sent / won / skipped | wasted tokens | wall |',
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const r of rows)
    console.log(
      `| ${r.policy} | ${r.requests} | ${r.failed} | ${r.extraPrefillPct}% | ${r.neededPrefill} / ${r.processedPrefill} | ${r.ttftP50Ms} ms | ${r.ttftP95Ms} ms | ${r.longTtftP50Ms} ms | ${r.hedgesSent} / ${r.hedgesWon} / ${r.hedgesSkipped} | ${r.wastedTokens} | ${r.seconds} s |`,
    )
  for (const r of rows) for (const f of r.failures) console.log(`failed (${r.policy}): ${f}`)
  console.log(`\n${JSON.stringify(rows)}`)
} finally {
  await network.stop()
  for (const llm of llms) await llm.stop()
}
