// Covertness on the devnet: users send chat requests through the real gateway while the
// watcher's own scheduler (a Poisson process, not `runRound`) probes the same suppliers. Every
// supplier's backend is one recording stub, so the observer is the strongest one here: all the
// session's suppliers pooling what they see. Each request is reduced to what a supplier can
// observe, a classifier is trained to tell probes from users, and it must do no better than
// chance; per-feature two-sample tests must find no difference either. A negative control — the
// same probes with a fixed health-check prompt — must be caught, so the test can fail.
import { startGateway } from '@decai/gateway'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CorpusPrompt, corpus, startWatcher, type Watcher } from '../src/index.js'
import {
  MODEL,
  MODEL_SHA256,
  SERVICE_ID,
  type SeenRequest,
  startRecordingStub,
  startWatchedNetwork,
  type WatchedNetwork,
} from './helpers.js'

// The only realistic prompt corpus here is the watcher's own: it is split in two disjoint
// halves, probes draw from one and users from the other, and a request is labelled by the half
// its prompt comes from (the supplier does not know the split). The split is stratified by
// length (prompts sorted by length, each consecutive pair split at random), so that the test
// measures what the watcher adds, not a chance difference between two halves of 260 prompts.
const seeded = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
  return seed / 2_147_483_648
}
const shuffle = seeded(16)
const byLength = [...corpus].sort((a, b) => a.text.length - b.text.length || (a.id < b.id ? -1 : 1))
const probeSplit: CorpusPrompt[] = []
const userSplit: CorpusPrompt[] = []
for (let i = 0; i + 1 < byLength.length; i += 2) {
  const [a, b] =
    shuffle() < 0.5 ? [byLength[i]!, byLength[i + 1]!] : [byLength[i + 1]!, byLength[i]!]
  probeSplit.push(a)
  userSplit.push(b)
}
const probeTexts = new Set(probeSplit.map((p) => p.text))

const SESSION_BLOCKS = 10
const BLOCK_MS = 500
const MEAN_GAP_MS = 120
const PER_CLASS = 120
const MAX_TOKENS = 48
/**
 * The level at which "probes and users differ" is declared. The run is a random experiment (the
 * watcher's schedule and choices are not seeded): at 0.01 each of the dozen tests below fails an
 * honest watcher one run in a hundred, too often for CI; at 0.001, one in a thousand, while the
 * negative controls still sit at the permutation test's floor.
 */
const ALPHA = 0.001
/** The stub's answer time: about the mean gap, so that requests overlap. */
const ANSWER_MS = 150

type Observed = SeenRequest & { height: bigint }
const seen: Observed[] = []
let net: WatchedNetwork
let stub: { url: string; stop(): Promise<void> }
let watcher: Watcher | undefined

/** One request as a supplier sees it, reduced to the features the classifier uses. */
type Row = {
  probe: boolean
  /** Header names in order, with the values of the ones that are not per-request. */
  headers: string
  /** JSON body field order, the `stream_options` fields, and which sampling fields are set. */
  shape: string
  promptChars: number
  promptWords: number
  maxTokens: number
  temperature: number
  stream: number
  /** Milliseconds since the previous request from anyone. */
  gapMs: number
  /** Block of the session the request arrives in (0 … SESSION_BLOCKS - 1). */
  sessionBlock: number
}

const PER_REQUEST_HEADERS = new Set(['content-length', 'host'])

function toRows(observed: Observed[]): Row[] {
  const rows: Row[] = []
  let previous: number | undefined
  for (const r of observed) {
    const body = JSON.parse(r.body) as Record<string, unknown> & {
      messages: { role: string; content: string }[]
      stream_options?: Record<string, unknown>
      max_tokens?: number
      temperature?: number
      seed?: number
      stream?: boolean
    }
    const prompt = body.messages.map((m) => m.content).join('\n')
    const headers: string[] = []
    for (let i = 0; i < r.headers.length; i += 2) {
      const name = r.headers[i]!.toLowerCase()
      headers.push(PER_REQUEST_HEADERS.has(name) ? name : `${name}=${r.headers[i + 1]}`)
    }
    rows.push({
      probe: probeTexts.has(prompt),
      headers: headers.join(','),
      shape: [
        Object.keys(body).join(','),
        Object.keys(body.stream_options ?? {}).join(','),
        body.messages.map((m) => m.role).join(','),
        typeof body.temperature,
        typeof body.seed,
      ].join('|'),
      promptChars: prompt.length,
      promptWords: prompt.split(/\s+/).length,
      maxTokens: Number(body.max_tokens),
      temperature: Number(body.temperature),
      stream: body.stream === true ? 1 : 0,
      gapMs: previous === undefined ? 0 : r.at - previous,
      sessionBlock: Number((r.height - 1n) % BigInt(SESSION_BLOCKS)),
    })
    previous = r.at
  }
  return rows
}

const NUMERIC = [
  'promptChars',
  'promptWords',
  'maxTokens',
  'temperature',
  'stream',
  'gapMs',
  'sessionBlock',
] as const
const CATEGORICAL = ['headers', 'shape'] as const

/** Standardised numeric features plus one-hot categorical ones (the vocabulary of all rows). */
function toVectors(rows: Row[]): number[][] {
  const stats = NUMERIC.map((f) => {
    const xs = rows.map((r) => r[f])
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) || 1
    return { mean, sd }
  })
  const vocab = CATEGORICAL.map((f) => [...new Set(rows.map((r) => r[f]))])
  return rows.map((r) => [
    ...NUMERIC.map((f, i) => (r[f] - stats[i]!.mean) / stats[i]!.sd),
    ...CATEGORICAL.flatMap((f, i) => vocab[i]!.map((v) => (r[f] === v ? 1 : 0))),
  ])
}

/** k-nearest-neighbours (Euclidean, majority of k = 7) under stratified 10-fold cross-validation. */
function crossValidate(x: number[][], y: boolean[]): number {
  const K = 7
  const FOLDS = 10
  const fold = (i: number) => i % FOLDS
  const predicted = x.map((xi, i) => {
    const neighbours = x
      .map((xj, j) => ({ j, d: xi.reduce((s, v, k) => s + (v - xj[k]!) ** 2, 0) }))
      .filter(({ j }) => fold(j) !== fold(i))
      .sort((a, b) => a.d - b.d || a.j - b.j)
      .slice(0, K)
    return neighbours.filter(({ j }) => y[j]).length * 2 > K
  })
  return balancedAccuracy(predicted, y)
}

function balancedAccuracy(predicted: boolean[], y: boolean[]): number {
  const recall = (label: boolean) => {
    const idx = y.map((v, i) => (v === label ? i : -1)).filter((i) => i >= 0)
    return idx.filter((i) => predicted[i] === label).length / idx.length
  }
  return (recall(true) + recall(false)) / 2
}

/** Permutation p-value of `statistic` (larger = more different) over shuffled labels. */
function permutationTest<T>(
  items: T[],
  labels: boolean[],
  statistic: (items: T[], labels: boolean[]) => number,
  rounds: number,
  random: () => number,
): { value: number; p: number } {
  const value = statistic(items, labels)
  let atLeast = 0
  const shuffledLabels = [...labels]
  for (let r = 0; r < rounds; r++) {
    for (let i = shuffledLabels.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[shuffledLabels[i], shuffledLabels[j]] = [shuffledLabels[j]!, shuffledLabels[i]!]
    }
    if (statistic(items, shuffledLabels) >= value) atLeast++
  }
  return { value, p: (atLeast + 1) / (rounds + 1) }
}

/** Two-sample Kolmogorov–Smirnov statistic D (values pre-sorted: see `sortedForKs`). */
function ksStatistic(sorted: { x: number; i: number }[], labels: boolean[]): number {
  const na = labels.filter(Boolean).length
  const nb = labels.length - na
  let a = 0
  let b = 0
  let d = 0
  for (let k = 0; k < sorted.length; k++) {
    if (labels[sorted[k]!.i]) a++
    else b++
    // Only between distinct values: ties move both empirical distributions together.
    if (k + 1 === sorted.length || sorted[k + 1]!.x !== sorted[k]!.x)
      d = Math.max(d, Math.abs(a / na - b / nb))
  }
  return d
}
const sortedForKs = (xs: number[]) => xs.map((x, i) => ({ x, i })).sort((p, q) => p.x - q.x)

/** Two-sided exact binomial test of `k` successes in `n` trials with probability 1/2. */
function binomialTwoSided(k: number, n: number): number {
  const logPmf: number[] = [n * -Math.LN2]
  for (let i = 1; i <= n; i++) logPmf.push(logPmf[i - 1]! + Math.log((n - i + 1) / i))
  const observed = logPmf[k]!
  const p = logPmf.filter((l) => l <= observed + 1e-9).reduce((sum, l) => sum + Math.exp(l), 0)
  return Math.min(1, p)
}

/** Pearson chi-square statistic of a 2 × c contingency table. */
function chiSquareStatistic(values: string[], labels: boolean[]): number {
  const n = values.length
  const share = labels.filter(Boolean).length / n
  const counts = new Map<string, { total: number; probes: number }>()
  for (const [i, v] of values.entries()) {
    const c = counts.get(v) ?? { total: 0, probes: 0 }
    c.total++
    if (labels[i]) c.probes++
    counts.set(v, c)
  }
  let chi = 0
  for (const { total, probes } of counts.values()) {
    chi += (probes - total * share) ** 2 / (total * share)
    chi += (total - probes - total * (1 - share)) ** 2 / (total * (1 - share))
  }
  return chi
}

/**
 * The rows while both sources were sending: up to the last arrival of the source that stopped
 * first (a tail of one source alone would show up as a timing difference).
 */
function overlap(rows: Row[], observed: Observed[]): Row[] {
  const lastOf = (probe: boolean) =>
    Math.max(...observed.filter((_, i) => rows[i]!.probe === probe).map((o) => o.at))
  const end = Math.min(lastOf(true), lastOf(false))
  return rows.filter((_, i) => observed[i]!.at <= end)
}

type Analysis = {
  probes: number
  users: number
  accuracy: number
  p: number
  features: { feature: string; test: string; statistic: number; p: number; holm: number }[]
}

/**
 * `rounds` of the classifier's permutation test (k-NN cross-validation, the costly part): 999
 * resolve p down to ALPHA where no difference is expected; the negative controls only need to
 * reach 0.01.
 */
function analyse(rows: Row[], rounds = 999): Analysis {
  const random = seeded(7)
  const labels = rows.map((r) => r.probe)
  const x = toVectors(rows)
  // Labels are permuted under fixed folds: the null distribution of the cross-validated score.
  const classifier = permutationTest(x, labels, crossValidate, rounds, random)
  const features = [
    ...NUMERIC.map((f) => ({
      feature: f,
      test: 'KS',
      ...permutationTest(sortedForKs(rows.map((r) => r[f])), labels, ksStatistic, 1999, random),
    })),
    ...CATEGORICAL.map((f) => ({
      feature: f,
      test: 'chi2',
      ...permutationTest(
        rows.map((r) => r[f]),
        labels,
        chiSquareStatistic,
        1999,
        random,
      ),
    })),
  ]
  // Holm–Bonferroni over the feature family: adjusted p-values, monotone.
  const order = features.map((_, i) => i).sort((a, b) => features[a]!.p - features[b]!.p)
  const holm = new Array<number>(features.length)
  let running = 0
  for (const [rank, i] of order.entries()) {
    running = Math.max(running, Math.min(1, (features.length - rank) * features[i]!.p))
    holm[i] = running
  }
  return {
    probes: labels.filter(Boolean).length,
    users: labels.filter((l) => !l).length,
    accuracy: classifier.value,
    p: classifier.p,
    features: features.map((f, i) => ({
      feature: f.feature,
      test: f.test,
      statistic: Number(f.value.toFixed(3)),
      p: Number(f.p.toFixed(3)),
      holm: Number(holm[i]!.toFixed(3)),
    })),
  }
}

function print(title: string, a: Analysis) {
  console.log(
    `${title}: ${a.probes} probes, ${a.users} users, k-NN balanced accuracy ${a.accuracy.toFixed(3)} (permutation p = ${a.p.toFixed(3)})`,
  )
  console.table(a.features)
}

beforeAll(async () => {
  stub = await startRecordingStub((r) => seen.push({ ...r, height: net.devnet.height }), ANSWER_MS)
  net = await startWatchedNetwork({
    backends: [stub.url, stub.url, stub.url],
    blockTimeMs: BLOCK_MS,
    numBlocksPerSession: SESSION_BLOCKS,
  })
})

afterAll(async () => {
  await watcher?.stop()
  await net?.stop()
  await stub?.stop()
})

describe('covertness', () => {
  it('a supplier logging everything it sees cannot tell probes from users', async () => {
    const gateway = await startGateway({
      listen: { port: 0 },
      chain: { rpcUrl: net.devnet.rpcUrl, pollingIntervalMs: 100, blockTransport: 'polling' },
      gateway: { privateKey: net.gatewayPrivateKey },
      models: [{ name: MODEL, serviceId: SERVICE_ID }],
      store: { path: ':memory:' },
      routing: { hedge: false },
      log: { level: 'silent' },
    })
    try {
      const { key } = await gateway.createApiKey({ name: 'user' })
      // A warm-up request so the gateway has its session before the clock starts.
      const send = (prompt: string, maxTokens: number, temperature: number, stream: boolean) =>
        fetch(`${gateway.baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          // As the official OpenAI clients write it; the sampling fields are drawn from the
          // distribution the watcher is configured with (see docs/watcher.md, limits).
          body: JSON.stringify({
            model: MODEL,
            messages: [{ role: 'user', content: prompt }],
            max_tokens: maxTokens,
            temperature,
            ...(stream ? { stream: true } : {}),
          }),
        }).then((r) => r.arrayBuffer())
      await send(userSplit[0]!.text, 16, 0.7, false)
      seen.length = 0
      watcher = await startWatcher(
        {
          listen: { port: 0 },
          chain: { rpcUrl: net.devnet.rpcUrl, blockTransport: 'polling', pollingIntervalMs: 100 },
          watcher: { privateKey: net.watcherPrivateKey },
          services: [
            {
              serviceId: SERVICE_ID,
              model: MODEL,
              reference: { url: stub.url, sha256: MODEL_SHA256 },
            },
          ],
          // Model-identity challenges are greedy and seeded: tested separately below.
          schedule: { meanIntervalMs: MEAN_GAP_MS, challengeShare: 0, streamShare: 0.8 },
          limits: { maxTokens: MAX_TOKENS },
          store: { path: ':memory:' },
          log: { level: 'silent' },
        },
        { corpus: probeSplit },
      )
      // Users: a Poisson process of the same rate, prompts from the held-out half.
      const random = seeded(42)
      const pending: Promise<unknown>[] = []
      const deadline = Date.now() + 90_000
      const count = (probe: boolean) =>
        seen.filter((r) => probeTexts.has(lastPrompt(r)) === probe).length
      while (
        (count(true) < PER_CLASS + 10 || count(false) < PER_CLASS + 10) &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, -Math.log(1 - random()) * MEAN_GAP_MS))
        const prompt = userSplit[Math.floor(random() * userSplit.length)]!.text
        const maxTokens = 16 + Math.floor(random() * (MAX_TOKENS - 15))
        const temperature = Number((0.5 + random() * 0.5).toFixed(1))
        pending.push(send(prompt, maxTokens, temperature, random() < 0.8).catch(() => {}))
      }
      await watcher.stop()
      await Promise.all(pending)
    } finally {
      await gateway.stop()
    }

    const rows = overlap(toRows(seen), seen)
    expect(rows.filter((r) => r.probe).length).toBeGreaterThanOrEqual(PER_CLASS)
    expect(rows.filter((r) => !r.probe).length).toBeGreaterThanOrEqual(PER_CLASS)
    // The watcher's schedule and the users are Poisson processes of the same rate: the probes'
    // share of the arrivals is binomial(n, 1/2). A scheduler that waits for each answer before
    // drawing the next gap is slower by the answer time, and its probes never overlap.
    const probes = rows.filter((r) => r.probe).length
    const rate = binomialTwoSided(probes, rows.length)
    console.log(`arrivals: ${probes} probes of ${rows.length} (binomial p = ${rate.toFixed(3)})`)
    expect(rate).toBeGreaterThan(ALPHA)
    const real = analyse(rows)
    print('probes vs users', real)
    expect(real.p).toBeGreaterThan(ALPHA)
    for (const f of real.features) expect(f.holm, f.feature).toBeGreaterThan(ALPHA)

    // Negative control: the same probes with a fixed health-check prompt are recognisable.
    const control = analyse(
      rows.map((r) => (r.probe ? { ...r, promptChars: 11, promptWords: 2 } : r)),
      199,
    )
    print('negative control (fixed health-check prompt)', control)
    expect(control.accuracy).toBeGreaterThan(0.8)
    expect(control.p).toBeLessThan(0.01)
    expect(control.features.find((f) => f.feature === 'promptChars')!.holm).toBeLessThan(0.01)
    // And a different field order alone is caught by the form feature.
    const reordered = analyse(
      rows.map((r) => (r.probe ? { ...r, shape: `${r.shape}|reordered` } : r)),
      199,
    )
    expect(reordered.accuracy).toBeGreaterThan(0.9)
    expect(reordered.features.find((f) => f.feature === 'shape')!.holm).toBeLessThan(0.01)
  })
})

function lastPrompt(r: SeenRequest): string {
  try {
    const body = JSON.parse(r.body) as { messages?: { content?: string }[] }
    return (body.messages ?? []).map((m) => m.content).join('\n')
  } catch {
    return ''
  }
}
