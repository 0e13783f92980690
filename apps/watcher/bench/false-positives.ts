// False positives and the smallest substitution caught, measured once on this machine:
//
//   pnpm --filter @decai/watcher bench [-- --prompts 200 --max-tokens 24 --substitute-prompts 40]
//
// The reference is the watcher's own run of the GGUF (one sequence at a time). The honest
// supplier is a second llm-server on the same file, answering two challenges at once (batched
// decoding: the numeric noise a busy honest supplier adds). Substitutes are the same weights
// with a hidden system prompt, or sampled at a low temperature instead of greedy. Each answer is
// scored by the watcher's statistic; the verdict is computed over sliding windows of the
// sizes a report uses. Prints JSON; the numbers go in docs/watcher.md.
import { parseArgs } from 'node:util'
import { ensureModel, startLlmServer } from '@decai/llm-server'
import { corpus } from '../src/corpus.js'
import { compareAnswer, decideVerdict } from '../src/statistic.js'
import { HIDDEN_SYSTEM_PROMPT } from '../test/helpers.js'

const { values } = parseArgs({
  options: {
    prompts: { type: 'string', default: '200' },
    'max-tokens': { type: 'string', default: '24' },
    'substitute-prompts': { type: 'string', default: '40' },
  },
})
const promptCount = Number(values.prompts)
const maxTokens = Number(values['max-tokens'])
const substituteCount = Number(values['substitute-prompts'])
const parameters = {
  honestAgreement: 0.9,
  substituteAgreement: 0.5,
  alpha: 0.05,
  prefixAgreement: 0.5,
}
const prompts =
  corpus.slice(-promptCount).length >= promptCount
    ? corpus.slice(-promptCount)
    : corpus.slice(0, promptCount)

const modelPath = await ensureModel()
const reference = await startLlmServer({ port: 0, threads: 1, parallel: 1, modelPath })
const honest = await startLlmServer({ port: 0, threads: 1, parallel: 2, modelPath })

async function ask(
  url: string,
  text: string,
  extra: Record<string, unknown> = {},
  system?: string,
) {
  const messages = [
    ...(system ? [{ role: 'system', content: system }] : []),
    { role: 'user', content: text },
  ]
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'smollm2-135m-instruct',
      messages,
      max_tokens: maxTokens,
      temperature: 0,
      seed: 7,
      ...extra,
    }),
  })
  const body = (await response.json()) as { choices: { message: { content: string } }[] }
  return body.choices[0]!.message.content
}

/** Runs `f` over the items, two at a time. */
async function pairwise<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    [0, 1].map(async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await f(items[i]!)
      }
    }),
  )
  return out
}

const started = performance.now()
const references: string[] = []
for (const p of prompts) references.push(await ask(reference.url, p.text))
const honestAnswers = await pairwise(prompts, (p) => ask(honest.url, p.text))
const score = (answers: string[]) =>
  answers.map((a, i) => compareAnswer(references[i]!, a, parameters))
const honestScores = score(honestAnswers)

const subset = prompts.slice(0, substituteCount)
const substitutes: Record<string, string[]> = {
  'hidden system prompt': await pairwise(subset, (p) =>
    ask(honest.url, p.text, {}, HIDDEN_SYSTEM_PROMPT),
  ),
  'temperature 0.2': await pairwise(subset, (p) =>
    ask(honest.url, p.text, { temperature: 0.2, seed: 11 }),
  ),
  'temperature 0.7': await pairwise(subset, (p) =>
    ask(honest.url, p.text, { temperature: 0.7, seed: 11 }),
  ),
}

/** Verdicts over consecutive windows of `size` challenges. */
function windows(agrees: boolean[], size: number) {
  const counts = { match: 0, mismatch: 0, inconclusive: 0 }
  for (let i = 0; i + size <= agrees.length; i += size)
    counts[decideVerdict(agrees.slice(i, i + size), parameters).verdict]++
  return counts
}
const summarize = (scores: ReturnType<typeof score>) => {
  const agrees = scores.map((s) => s.agrees)
  return {
    challenges: scores.length,
    exact: scores.filter(
      (s) => s.firstDivergence === s.referenceWords && s.referenceWords === s.answerWords,
    ).length,
    agreeing: agrees.filter(Boolean).length,
    meanAgreement: Number((scores.reduce((a, s) => a + s.agreement, 0) / scores.length).toFixed(4)),
    verdictAll: decideVerdict(agrees, parameters),
    windowsOf8: windows(agrees, 8),
    windowsOf20: windows(agrees, 20),
  }
}
const result = {
  maxTokens,
  parameters,
  honest: summarize(honestScores),
  substitutes: Object.fromEntries(
    Object.entries(substitutes).map(([name, answers]) => [
      name,
      summarize(answers.map((a, i) => compareAnswer(references[i]!, a, parameters))),
    ]),
  ),
  seconds: Math.round((performance.now() - started) / 1000),
}
console.log(JSON.stringify(result, null, 2))
await honest.stop()
await reference.stop()
