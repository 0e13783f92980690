// End to end on the devnet with the real model: three suppliers staked for the same service and
// model name, two serving SmolLM2-135M, one serving the same weights behind a hidden system
// prompt. The watcher, holding a second gateway key the application delegates to, probes them
// with ring-signed relays, computes reference answers with its own run of the GGUF, and must
// report match, match, mismatch in a signed report that verifies offline.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { getMetricValue } from '@decai/app-kit/metrics'
import {
  bytesToHex,
  getPublicKey,
  hexToBytes,
  privateKeyFromHex,
  pubkeyToAddress,
  signSecp256k1,
} from '@decai/crypto'
import { startGateway } from '@decai/gateway'
import { ensureModel, type LlmServer, startLlmServer } from '@decai/llm-server'
import { parseRelayRequest, serializeRelayRequest } from '@decai/session'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildProbeBody,
  corpus,
  getReportSignableBytes,
  startWatcher,
  verifyReport,
  type Watcher,
  type WatcherReport,
} from '../src/index.js'
import {
  MODEL,
  MODEL_SHA256,
  SERVICE_ID,
  type SeenRequest,
  startRecorder,
  startSubstitute,
  startWatchedNetwork,
  tempDir,
  type WatchedNetwork,
} from './helpers.js'

let llm: LlmServer
let reference: LlmServer
let substitute: { url: string; stop(): Promise<void> }
let recorder: { url: string; stop(): Promise<void> }
// What the honest suppliers' backend sees, labelled by who sent it (for the covertness check).
let phase: 'probe' | 'user' = 'probe'
const seen: (SeenRequest & { phase: 'probe' | 'user' })[] = []
let net: WatchedNetwork
let watcher: Watcher
let report: WatcherReport

// Eight greedy challenges per supplier: 8/8 agreeing is a match at α = 0.05 (P = 0.004 for a
// substitute agreeing half the time); 5/8 or fewer is a mismatch (P = 0.038 for an honest one).
const CHALLENGES = 8

beforeAll(async () => {
  const modelFile = await ensureModel()
  llm = await startLlmServer({ port: 0, threads: 1, parallel: 2, modelPath: modelFile })
  reference = await startLlmServer({ port: 0, threads: 1, parallel: 1, modelPath: modelFile })
  substitute = await startSubstitute(llm.url)
  recorder = await startRecorder(llm.url, (request) => seen.push({ ...request, phase }))
  net = await startWatchedNetwork({ backends: [recorder.url, recorder.url, substitute.url] })
  watcher = await startWatcher({
    listen: { port: 0 },
    chain: { rpcUrl: net.devnet.rpcUrl, blockTransport: 'polling', pollingIntervalMs: 100 },
    watcher: { privateKey: net.watcherPrivateKey },
    services: [
      {
        serviceId: SERVICE_ID,
        model: MODEL,
        reference: { url: reference.url, sha256: MODEL_SHA256, modelFile },
      },
    ],
    schedule: { enabled: false },
    limits: { maxTokens: 24 },
    store: { path: ':memory:' },
    log: { level: 'silent' },
  })
  await watcher.runRound({ challenges: CHALLENGES, traffic: 1 })
  report = watcher.report()
})

afterAll(async () => {
  await watcher?.stop()
  await net?.stop()
  await substitute?.stop()
  await recorder?.stop()
  await reference?.stop()
  await llm?.stop()
})

describe('the watcher on the devnet', () => {
  it('reports match, match, mismatch', () => {
    const verdictOf = (i: number) =>
      report.entries.find((e) => e.supplier === net.suppliers[i]!.address)
    expect(verdictOf(0)).toMatchObject({ verdict: 'match', samples: CHALLENGES })
    expect(verdictOf(1)).toMatchObject({ verdict: 'match', samples: CHALLENGES })
    expect(verdictOf(2)).toMatchObject({ verdict: 'mismatch', samples: CHALLENGES })
    for (const entry of report.entries) {
      expect(entry.confidence).toBeGreaterThan(0.95)
      expect(entry.successRate).toBe(1)
      expect(entry.latencyMs!.p50).toBeGreaterThan(0)
      expect(entry.ttftMs!.p50).toBeLessThanOrEqual(entry.latencyMs!.p95)
      expect(entry.challenges).toHaveLength(CHALLENGES)
      expect(entry.sessions.reduce((sum, s) => sum + s.relays, 0)).toBe(CHALLENGES + 1)
    }
  })

  it('the signed report verifies offline, with the CLI too', () => {
    expect(verifyReport(JSON.stringify(report), { watcher: watcher.address })).toMatchObject({
      entries: 3,
      challenges: 3 * CHALLENGES,
    })
    const file = join(tempDir(), 'report.json')
    writeFileSync(file, JSON.stringify(report))
    const out = execFileSync('npx', ['tsx', 'src/main.ts', 'verify', file], { encoding: 'utf8' })
    expect(out).toContain('mismatch')
    expect(out).toContain('verifies')
  })

  it('refuses a tampered, re-signed, unsigned or malformed report with a typed error', () => {
    const substituteEntry = () =>
      report.entries.findIndex((e) => e.supplier === net.suppliers[2]!.address)
    const codeOf = (value: unknown) => {
      try {
        verifyReport(value)
      } catch (error) {
        return (error as { code?: string }).code
      }
      return 'verified'
    }
    // The substitute's verdict flipped: the watcher's signature no longer covers it.
    const flipped = structuredClone(report)
    flipped.entries[substituteEntry()]!.verdict = 'match'
    expect(codeOf(flipped)).toBe('REPORT_SIGNATURE_INVALID')
    // The same lie signed by the watcher's own key: the statistic does not recompute.
    const key = privateKeyFromHex(net.watcherPrivateKey)
    const resign = (r: WatcherReport) => {
      const { signature: _, ...unsigned } = r
      return {
        ...unsigned,
        signature: bytesToHex(signSecp256k1(getReportSignableBytes(unsigned), key)),
      }
    }
    expect(codeOf(resign(flipped))).toBe('REPORT_STATISTIC_MISMATCH')
    // A supplier's answer edited to agree with the reference: its signature fails.
    const forged = structuredClone(report)
    const challenge = forged.entries[substituteEntry()]!.challenges[0]!
    const bytes = hexToBytes(challenge.evidence.response)
    bytes[bytes.length - 20]! ^= 1
    challenge.evidence.response = bytesToHex(bytes)
    expect(codeOf(resign(forged))).toBe('REPORT_EVIDENCE_INVALID')
    // A probe's ring signature altered: it no longer verifies over the relay request.
    const unringed = structuredClone(report)
    const probe = unringed.entries[substituteEntry()]!.challenges[0]!
    const request = parseRelayRequest(hexToBytes(probe.evidence.request))
    request.meta!.signature[40]! ^= 1
    probe.evidence.request = bytesToHex(serializeRelayRequest(request))
    expect(codeOf(resign(unringed))).toBe('REPORT_EVIDENCE_INVALID')
    // Another key claiming the watcher's probes: its key is in none of their rings.
    const stranger = new Uint8Array(32).fill(9)
    const { signature: __, watcher: ___, ...rest } = report
    const claimed = {
      ...rest,
      watcher: {
        address: pubkeyToAddress(getPublicKey(stranger)),
        publicKey: bytesToHex(getPublicKey(stranger)),
      },
    }
    expect(
      codeOf({
        ...claimed,
        signature: bytesToHex(signSecp256k1(getReportSignableBytes(claimed), stranger)),
      }),
    ).toBe('REPORT_EVIDENCE_INVALID')
    const { signature: _, ...unsigned } = report
    expect(codeOf(unsigned)).toBe('REPORT_UNSIGNED')
    expect(codeOf('{not json')).toBe('REPORT_MALFORMED')
    expect(codeOf({ format: 'decai-watcher-report/v1', signature: 'zz' })).toBe('REPORT_MALFORMED')
  })

  it('the gateway, following the watcher, sends no user traffic to the substitute', async () => {
    const gateway = await startGateway({
      listen: { port: 0 },
      chain: { rpcUrl: net.devnet.rpcUrl, pollingIntervalMs: 100, blockTransport: 'polling' },
      gateway: { privateKey: net.gatewayPrivateKey },
      models: [{ name: MODEL, serviceId: SERVICE_ID }],
      store: { path: ':memory:' },
      routing: { hedge: false, explorationRate: 0.5 },
      watchers: { urls: [watcher.url] },
      log: { level: 'silent' },
    })
    try {
      const { key } = await gateway.createApiKey({ name: 'user' })
      phase = 'user'
      // Unmeasured suppliers are tried first and half the requests explore: without the
      // watcher, the substitute would get some of these. The user writes requests the way the
      // OpenAI clients send them, streamed or not, sampled or greedy and seeded.
      for (let i = 0; i < 6; i++) {
        const body = buildProbeBody({
          model: MODEL,
          prompt: corpus[(i * 37) % corpus.length]!.text,
          maxTokens: 2,
          stream: i % 2 === 0,
          challenge: i % 3 === 0 ? { seed: 1000 + i } : undefined,
          temperature: 0.7,
        })
        const response = await fetch(`${gateway.baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify(body),
        })
        expect(response.status).toBe(200)
        await response.text()
      }
      const relays = (supplier: string) =>
        getMetricValue(gateway.metrics.relays, { service: SERVICE_ID, supplier })
      expect(await relays(net.suppliers[2]!.address)).toBe(0)
      expect(
        (await relays(net.suppliers[0]!.address)) + (await relays(net.suppliers[1]!.address)),
      ).toBe(6)
    } finally {
      await gateway.stop()
    }
  })

  it("covertness: the supplier sees probes in the shape of the gateway's user traffic", () => {
    // Features a supplier's backend observes: header names in order with the content type and
    // accept values, the JSON body's field order and value types, the stream_options fields.
    // (Prompt text comes from the same corpus on both sides; timing is not compared here.)
    const shape = (r: SeenRequest) => {
      const names: string[] = []
      for (let i = 0; i < r.headers.length; i += 2) {
        const name = r.headers[i]!.toLowerCase()
        if (name === 'content-length' || name === 'host') continue
        names.push(
          name === 'content-type' || name === 'accept' ? `${name}=${r.headers[i + 1]}` : name,
        )
      }
      const body = JSON.parse(r.body) as Record<string, unknown>
      return JSON.stringify({
        names,
        fields: Object.entries(body).map(([k, v]) => `${k}:${typeof v}`),
        streamOptions: Object.keys((body['stream_options'] as object | undefined) ?? {}),
      })
    }
    const probes = seen.filter((r) => r.phase === 'probe').map(shape)
    const users = seen.filter((r) => r.phase === 'user').map(shape)
    expect(probes.length).toBeGreaterThan(0)
    expect(users.length).toBeGreaterThan(0)
    // The statistic: a supplier flags a request as a probe when its shape was never seen from
    // a user; the share of probes flagged that way is 0 (chance: it can only guess).
    const userShapes = new Set(users)
    expect(probes.filter((p) => !userShapes.has(p)).length / probes.length).toBe(0)
  })

  it('publishes the latest report, the HTML page and metrics', async () => {
    const latest = (await (await fetch(`${watcher.url}/reports/latest`)).json()) as {
      entries: { supplier: string; verdict: string; samples: number }[]
    }
    expect(latest.entries.map((e) => e.verdict).sort()).toEqual(['match', 'match', 'mismatch'])
    const page = await (await fetch(`${watcher.url}/`)).text()
    expect(page).toContain('mismatch')
    const metrics = await (await fetch(`${watcher.url}/metrics`)).text()
    expect(metrics).toContain('decai_watcher_probes_total')
    expect(metrics).toMatch(/decai_watcher_verdict\{service="llm",supplier="[a-z0-9]+"\} -1/)
  })
})
