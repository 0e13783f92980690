// The relay path side by side with the Go references, in one run (`pnpm bench:relay`):
//
// 1. our supplier (apps/supplier, its CLI in its own process) and poktroll's RelayMiner
//    (`pocketd relayminer`) on the same pocketd, in front of the same echo backend, under the
//    same load (autocannon, 1 and N connections, distinct ring-signed relays): relays/s and the
//    latency each adds over the backend alone;
// 2. the gateway's own time per request and the time each hop adds to a stream's first token
//    (apps/gateway's load benchmark);
// 3. the crypto operations against ring-go and Go's secp256k1, and the SMST against Go's smt
//    (the packages' benchmarks, which run the Go reference harness in the same run).
//
// Prints one table and writes it as JSON to bench-results.json (repository root).
//
//   pnpm bench:relay [-- --duration 5 --connections 32 --skip gateway,crypto,smst]
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createChainClient } from '../../packages/chain/src/index.js'
import { getPublicKey } from '../../packages/crypto/src/index.js'
import { verifyRelayResponse } from '../../packages/session/src/index.js'
import { readProcessCpuMs } from '../servers/servers.mjs'
import {
  type Actor,
  getRing,
  loadActor,
  type SessionHeaderFields,
  signJsonRelay,
  startBackend,
  startRelayMiner,
} from './lib/harness.js'
import { startPocketd } from './localnet.mjs'

const root = fileURLToPath(new URL('../..', import.meta.url))
const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    relays: { type: 'string', default: '800' },
    port: { type: 'string', default: '27457' },
    skip: { type: 'string', default: '' },
  },
})
const duration = Number(values.duration)
const connections = Number(values.connections)
const skip = new Set(values.skip.split(',').filter(Boolean))
const SERVICE_ID = 'bench'
const POKT = 1_000_000n

type Run = {
  rps: number
  p50: number
  p99: number
  count: number
  errors: number
  /** The server's CPU time (all threads) per request, ms: its cost, whatever the machine's load. */
  cpuMs?: number
}
type Side = { name: string; url: string; actor: Actor; pid: number | undefined }

function run(command: string, args: string[], cwd = root): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '0' } },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${args.join(' ')}: ${stderr || error.message}`))
          : resolve(stdout),
    )
  })
}

/** The last stdout line that parses as JSON holding `key`. */
function lastJson<T>(out: string, key?: string): T {
  for (const line of out.trim().split('\n').reverse()) {
    if (!line.startsWith('{')) continue
    let value: Record<string, unknown>
    try {
      value = JSON.parse(line) as Record<string, unknown>
    } catch {
      continue // a log line, not a result
    }
    if (key === undefined || key in value) return value as T
  }
  // A result printed over several lines: from its last opening brace at a line start.
  const at = out.lastIndexOf('\n{')
  if (at >= 0) {
    const value = JSON.parse(out.slice(at + 1)) as Record<string, unknown>
    if (key === undefined || key in value) return value as T
  }
  throw new Error('no JSON result in the output')
}

const tsx = (script: string, args: string[], cwd = root) =>
  run(process.execPath, ['--import', 'tsx', script, ...args], cwd)

async function load(url: string, c: number, bodiesFile: string, headers?: Record<string, string>) {
  const options = { url, connections: c, duration, bodiesFile, ...(headers ? { headers } : {}) }
  return lastJson<Run>(await tsx('tools/pocketd/lib/load-run.ts', [JSON.stringify(options)]))
}

/** Our supplier from its CLI, in its own process, as deployed. */
async function startOurSupplier(config: Record<string, unknown>, dir: string) {
  const path = join(dir, 'supplier.json')
  writeFileSync(path, JSON.stringify(config))
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', '--config', path],
    { cwd: join(root, 'apps/supplier'), stdio: ['ignore', 'pipe', 'inherit'] },
  )
  await new Promise<void>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('"supplier started"')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`our supplier exited with ${code}`)))
  })
  return {
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

type SideBySide = {
  backend: Record<string, Run>
  ours: Record<string, Run>
  relayMiner: Record<string, Run>
  /** One relay at a time: p50 and p99 round trips in ms. */
  sequential: Record<string, { p50: number; p99: number }>
  probes: Record<string, string>
}

async function sideBySide(): Promise<SideBySide> {
  const port = Number(values.port)
  // Sessions of 30 one-second blocks: room to sign a run's relays and run them in one session.
  const node = await startPocketd({
    port,
    blockTime: '1s',
    params: { shared: { num_blocks_per_session: '30' } },
  })
  const backend = await startBackend()
  const dir = mkdtempSync(join(tmpdir(), 'decai-relay-bench-'))
  const stops: (() => Promise<void>)[] = []
  try {
    const client = createChainClient({ rpcUrl: node.rpcUrl })
    const [owner, app, gateway, theirs, mine] = await Promise.all(
      ['owner', 'application', 'gateway', 'supplier1', 'supplier2'].map((n) => loadActor(node, n)),
    )
    if (!owner || !app || !gateway || !theirs || !mine) throw new Error('missing accounts')
    const relayMinerPort = port + 10
    const oursPort = port + 20
    const endpoint = (p: number) => [{ url: `http://127.0.0.1:${p}`, rpcType: 3 }]
    await owner.client.addService({ id: SERVICE_ID, name: 'Bench', computeUnitsPerRelay: 1n })
    await Promise.all([
      gateway.client.stakeGateway({ stake: 100n * POKT }),
      app.client.stakeApplication({ stake: 100_000n * POKT, serviceIds: [SERVICE_ID] }),
      theirs.client.stakeSupplier({
        stake: 1_000n * POKT,
        services: [{ serviceId: SERVICE_ID, endpoints: endpoint(relayMinerPort) }],
      }),
      mine.client.stakeSupplier({
        stake: 1_000n * POKT,
        services: [{ serviceId: SERVICE_ID, endpoints: endpoint(oursPort) }],
      }),
    ])
    await app.client.delegateToGateway({ gatewayAddress: gateway.address })
    const relayMiner = await startRelayMiner(node, {
      supplierKey: 'supplier1',
      serviceId: SERVICE_ID,
      listenPort: relayMinerPort,
      backendUrl: backend.url,
    })
    stops.push(relayMiner.stop)
    const ours = await startOurSupplier(
      {
        operator: { privateKey: Buffer.from(mine.key).toString('hex') },
        chain: { rpcUrl: node.rpcUrl, gasPrice: '0upokt', pollingInterval: '250ms' },
        listenAddress: `127.0.0.1:${oursPort}`,
        metricsAddress: false,
        storage: { dir: join(dir, 'state') },
        services: [{ id: SERVICE_ID, backendUrl: backend.url, maxConcurrency: 256 }],
        // Info: the start line names the ports; nothing is logged per relay at this level.
        log: { level: 'info' },
      },
      dir,
    )
    stops.push(ours.stop)
    const sides: Side[] = [
      { name: 'relayMiner', url: relayMiner.url, actor: theirs, pid: relayMiner.pid },
      { name: 'ours', url: `http://127.0.0.1:${oursPort}`, actor: mine, pid: ours.pid },
    ]
    // A run's relays name the session they start in: each run starts in a session with room
    // for it (and re-signs when the session changed), so no relay reaches a supplier late.
    const roomBlocks = BigInt(Math.ceil(duration) + 4)
    const freshSession = async (): Promise<SessionHeaderFields> => {
      for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
        const height = await client.getLatestHeight()
        const found = await client
          .getSession({ applicationAddress: app.address, serviceId: SERVICE_ID, height })
          .catch(() => undefined)
        const listed = new Set(found?.suppliers.map((x) => x.operatorAddress))
        const header = found?.header
        if (
          header &&
          listed.has(theirs.address) &&
          listed.has(mine.address) &&
          header.sessionEndBlockHeight - height >= roomBlocks
        )
          return header
        await new Promise((r) => setTimeout(r, 500))
      }
      throw new Error('no session with both suppliers and room for a run')
    }
    process.stderr.write('waiting for a session with both suppliers… ')
    let session = await freshSession()
    let ring = await getRing(client, app.address, session.sessionEndBlockHeight)
    // The same payloads for both, each ring-signed by the gateway key for its supplier.
    const sign = (side: Side, i: number) =>
      signJsonRelay({
        session,
        supplier: side.actor.address,
        signer: gateway.key,
        ring,
        body: { prompt: `relay ${i}` },
      })
    let signedFor = ''
    const signed = new Map<string, Uint8Array[]>()
    /** The relays of each side for the session a run can start in now. */
    const prepare = async (): Promise<void> => {
      session = await freshSession()
      if (session.sessionId === signedFor) return
      ring = await getRing(client, app.address, session.sessionEndBlockHeight)
      process.stderr.write(`signing for session ${session.sessionStartBlockHeight}… `)
      for (const side of sides) {
        const bodies = Array.from({ length: Number(values.relays) }, (_, i) => sign(side, i))
        signed.set(side.name, bodies)
        const base64 = bodies.map((b) => Buffer.from(b).toString('base64'))
        writeFileSync(join(dir, `${side.name}.json`), JSON.stringify(base64))
      }
      signedFor = session.sessionId
      // Signing takes time: check the session still has room for the run (else the next one).
      return prepare()
    }
    const files = new Map(sides.map((side) => [side.name, join(dir, `${side.name}.json`)]))
    const direct = join(dir, 'direct.json')
    writeFileSync(
      direct,
      JSON.stringify(
        Array.from({ length: 64 }, (_, i) =>
          Buffer.from(JSON.stringify({ prompt: `relay ${i}` })).toString('base64'),
        ),
      ),
    )
    /** Whether a fresh relay is answered, signed and verified (before and after the runs). */
    const probe = async (side: Side, i: number) => {
      const response = await fetch(side.url, {
        method: 'POST',
        body: new Uint8Array(sign(side, i)),
      })
      const verified = verifyRelayResponse(new Uint8Array(await response.arrayBuffer()), {
        sessionHeader: session,
        supplierOperatorAddress: side.actor.address,
        supplierPublicKey: getPublicKey(side.actor.key),
      })
      return verified.ok ? 'ok' : verified.error.message
    }
    const probes: Record<string, string> = {}
    await prepare()
    for (const side of sides) probes[`${side.name} before`] = await probe(side, 100_000)
    process.stderr.write('measuring…\n')
    const result: SideBySide = { backend: {}, ours: {}, relayMiner: {}, sequential: {}, probes }
    for (const side of sides) {
      await prepare()
      await load(side.url, connections, files.get(side.name)!) // warm-up
    }
    // One relay at a time from this process (fetch, float ms): the latency each adds, free of
    // the load generator's own behaviour (autocannon counts the RelayMiner's malformed answers
    // as errors and times them oddly).
    const sequential = async (
      url: string,
      bodies: Uint8Array[],
      headers?: Record<string, string>,
    ) => {
      const times: number[] = []
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now()
        const res = await fetch(url, {
          method: 'POST',
          body: new Uint8Array(bodies[i % bodies.length]!),
          ...(headers ? { headers } : {}),
        })
        await res.arrayBuffer()
        times.push(performance.now() - t0)
      }
      times.sort((a, b) => a - b)
      return { p50: times[100]!, p99: times[198]! }
    }
    const directBodies = Array.from({ length: 64 }, (_, i) =>
      new TextEncoder().encode(JSON.stringify({ prompt: `relay ${i}` })),
    )
    result.sequential = {
      backend: await sequential(`${backend.url}/v1/chat/completions`, directBodies, {
        'content-type': 'application/json',
      }),
    }
    for (const side of sides) {
      await prepare()
      result.sequential[side.name] = await sequential(side.url, signed.get(side.name)!)
    }
    for (const c of [1, connections]) {
      result.backend[c] = await load(`${backend.url}/v1/chat/completions`, c, direct, {
        'content-type': 'application/json',
      })
      // Alternating, so both meet the machine in the same state.
      for (const side of sides) {
        await prepare()
        const cpuBefore = readProcessCpuMs(side.pid)
        const run = await load(side.url, c, files.get(side.name)!)
        const cpuAfter = readProcessCpuMs(side.pid)
        if (cpuBefore !== undefined && cpuAfter !== undefined && run.count > 0)
          run.cpuMs = (cpuAfter - cpuBefore) / run.count
        result[side.name as 'ours'][c] = run
        probes[`${side.name} after ${c}`] = await probe(side, 100_001 + c)
      }
    }
    return result
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {})
    backend.close()
    await node.stop()
  }
}

type CryptoResult = { name: string; nsPerOp: number }
type SmstResult = { memory: { name: string; opsPerSec: number; goOpsPerSec: number | null }[] }
type GatewayBench = {
  overhead: Record<'instant' | 'real', { p50: number; p99: number }>
  ttft: Record<'backend' | 'supplier' | 'gateway', { p50: number; p99: number }>
}

async function main() {
  const started = new Date()
  const machine = `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} at start`
  console.log(`Relay path benchmark, ${machine}\n`)
  const results: Record<string, unknown> = {
    date: started.toISOString(),
    machine,
    durationSeconds: duration,
    connections,
  }

  /** A part that fails is reported and left out; the others still run. */
  const attempt = async <T>(name: string, part: () => Promise<T>): Promise<T | undefined> => {
    if (skip.has(name)) return undefined
    try {
      return await part()
    } catch (error) {
      console.error(`${name}: ${(error as Error).message.split('\n')[0]}`)
      results[`${name}Error`] = String(error)
      return undefined
    }
  }
  const relay = await attempt('relay', sideBySide)
  results['relay'] = relay
  const gateway = await attempt(
    'gateway',
    async () =>
      lastJson<{ gatewayBench: GatewayBench }>(
        await tsx(
          'bench/load.ts',
          ['--duration', '3', '--samples', '200', '--json'],
          join(root, 'apps/gateway'),
        ),
        'gatewayBench',
      ).gatewayBench,
  )
  results['gateway'] = gateway
  const crypto = await attempt('crypto', async () =>
    lastJson<{ ts: Record<string, CryptoResult[]>; go: CryptoResult[] | string }>(
      await tsx(
        'bench/crypto.bench.ts',
        ['--ms=500', '--rounds=3', '--json'],
        join(root, 'packages/crypto'),
      ),
      'ts',
    ),
  )
  results['crypto'] = crypto
  const smst = await attempt('smst', async () =>
    lastJson<SmstResult>(
      await tsx('bench/smst.bench.ts', ['--json'], join(root, 'packages/relay-mining')),
      'memory',
    ),
  )
  results['smst'] = smst

  // --- the table -------------------------------------------------------------------------------
  const ms = (v: number | undefined) =>
    v === undefined || Number.isNaN(v) ? '—' : `${v.toFixed(2)} ms`
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`
  const rows: [string, string, string, string][] = []
  const targets: { target: string; value: string; met: boolean }[] = []
  if (relay) {
    for (const c of [1, connections]) {
      const b = relay.backend[c]!
      const o = relay.ours[c]!
      const r = relay.relayMiner[c]!
      rows.push([
        `supplier, ${c} conn: relays/s (errors)`,
        `${o.rps.toFixed(0)} (${o.errors})`,
        `RelayMiner ${r.rps.toFixed(0)} (${r.errors})`,
        ratio(o.rps, r.rps),
      ])
      rows.push([
        `supplier, ${c} conn: added p50 / p99`,
        `${ms(o.p50 - b.p50)} / ${ms(o.p99 - b.p99)}`,
        `RelayMiner ${ms(r.p50 - b.p50)} / ${ms(r.p99 - b.p99)}`,
        ratio(o.p50 - b.p50, r.p50 - b.p50),
      ])
      if (o.cpuMs !== undefined && r.cpuMs !== undefined)
        rows.push([
          `supplier, ${c} conn: CPU per relay (relays per CPU-second)`,
          `${ms(o.cpuMs)} (${(1000 / o.cpuMs).toFixed(0)})`,
          `RelayMiner ${ms(r.cpuMs)} (${(1000 / r.cpuMs).toFixed(0)})`,
          ratio(r.cpuMs, o.cpuMs),
        ])
      if (c === 1) {
        const q = relay.sequential
        const added = (k: string, p: 'p50' | 'p99') => q[k]![p] - q['backend']![p]
        rows.push([
          'supplier, one relay at a time: added p50 / p99',
          `${ms(added('ours', 'p50'))} / ${ms(added('ours', 'p99'))}`,
          `RelayMiner ${ms(added('relayMiner', 'p50'))} / ${ms(added('relayMiner', 'p99'))}`,
          ratio(added('ours', 'p50'), added('relayMiner', 'p50')),
        ])
        targets.push({
          target: 'supplier added p50, one relay at a time, ≤ 1 ms',
          value: ms(added('ours', 'p50')),
          met: added('ours', 'p50') <= 1,
        })
      }
      if (c === 1)
        targets.push({
          target: 'supplier added p50 at 1 connection ≤ 1 ms',
          value: ms(o.p50 - b.p50),
          met: o.p50 - b.p50 <= 1,
        })
      targets.push({
        target: `supplier relays/s ≥ 2× RelayMiner's at ${c} connection(s)`,
        value: ratio(o.rps, r.rps),
        met: o.rps >= 2 * r.rps,
      })
    }
  }
  if (gateway) {
    const { overhead, ttft } = gateway
    rows.push([
      "gateway's own time p50 / p99",
      `${ms(overhead.instant.p50)} / ${ms(overhead.instant.p99)}`,
      `beside a real supplier ${ms(overhead.real.p50)} / ${ms(overhead.real.p99)}`,
      '',
    ])
    const supplierAdds = ttft.supplier.p50 - ttft.backend.p50
    const gatewayAdds = ttft.gateway.p50 - ttft.supplier.p50
    rows.push([
      'stream first token added, p50: supplier / gateway',
      `${ms(supplierAdds)} / ${ms(gatewayAdds)}`,
      `backend alone (a token every 20 ms) ${ms(ttft.backend.p50)}`,
      '',
    ])
    targets.push(
      {
        target: "gateway's own time p50 ≤ 1 ms",
        value: ms(overhead.instant.p50),
        met: overhead.instant.p50 <= 1,
      },
      {
        target: "gateway's own time p99 ≤ 2 ms",
        value: ms(overhead.instant.p99),
        met: overhead.instant.p99 <= 2,
      },
      {
        target: 'first token added at the supplier ≤ 1 ms',
        value: ms(supplierAdds),
        met: supplierAdds <= 1,
      },
      {
        target: 'first token added at the gateway ≤ 1 ms',
        value: ms(gatewayAdds),
        met: gatewayAdds <= 1,
      },
    )
  }
  if (crypto) {
    const go = typeof crypto.go === 'string' ? [] : crypto.go
    const limits: Record<string, number> = {
      'ring-2 verify': 0.5,
      'ecdsa verify': 1,
      'ecdsa sign': 1.5,
    }
    // Per backend (native where libsecp256k1 loads, and pure TypeScript); targets on the
    // backend Node uses by default.
    const main = crypto.ts['native'] ? 'native' : 'pure'
    for (const [backend, list] of Object.entries(crypto.ts))
      for (const t of list) {
        const g = go.find((x) => x.name === t.name)
        rows.push([
          `${t.name} (${backend})`,
          `${(t.nsPerOp / 1000).toFixed(1)} µs`,
          g ? `Go ${(g.nsPerOp / 1000).toFixed(1)} µs` : '—',
          g ? ratio(t.nsPerOp, g.nsPerOp) : '',
        ])
        const limit = limits[t.name]
        if (limit !== undefined && g && backend === main)
          targets.push({
            target: `${t.name} ≤ ${limit}× Go`,
            value: ratio(t.nsPerOp, g.nsPerOp),
            met: t.nsPerOp <= limit * g.nsPerOp,
          })
      }
  }
  if (smst) {
    for (const r of smst.memory.filter((m) => m.name === 'update+root' || m.name === 'update')) {
      const g = r.goOpsPerSec ?? undefined
      rows.push([
        `SMST ${r.name}, ops/s`,
        r.opsPerSec.toFixed(0),
        g ? `Go smt ${g.toFixed(0)}` : '—',
        g ? ratio(r.opsPerSec, g) : '',
      ])
      if (r.name === 'update+root' && g)
        targets.push({
          target: 'SMST update+root ≥ 0.8× Go smt',
          value: ratio(r.opsPerSec, g),
          met: r.opsPerSec >= 0.8 * g,
        })
    }
  }
  const width = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), 6))
  console.log(
    `| ${['what', 'ours', 'reference (same run)', 'ratio'].map((h, i) => h.padEnd(width[i]!)).join(' | ')} |`,
  )
  console.log(`| ${width.map((w) => '-'.repeat(w)).join(' | ')} |`)
  for (const r of rows) console.log(`| ${r.map((v, i) => v.padEnd(width[i]!)).join(' | ')} |`)
  console.log('\nTargets (issue 19):')
  for (const t of targets) console.log(`  ${t.met ? 'met   ' : 'missed'}  ${t.target}: ${t.value}`)
  if (relay)
    console.log(
      `\nProbes (a fresh relay verified before and after the runs): ${JSON.stringify(relay.probes)}`,
    )
  results['targets'] = targets
  writeFileSync(join(root, 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`)
  console.log('\nWritten to bench-results.json')
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
