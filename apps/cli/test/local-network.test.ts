// The local network as a user runs it: `pnpm start` in a child process (own data directory and
// ports), the quickstart's curl line, chat through the gateway and straight to suppliers with
// @decai/sdk, settlement on the devnet, and the champion's balance checked against the
// tokenomics formulas applied to the settled claims. Then Ctrl-C and a restart that resumes.

import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { type ChainClient, type ClaimSettlement, createChainClient } from '@decai/chain'
import { createClient } from '@decai/sdk'
import { getSettlementHeight } from '@decai/session'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NetworkInfo } from '../src/index.js'
import { runDecai } from './helpers.js'

const root = join(import.meta.dirname, '../../..')
const run = promisify(execFile)

let dataDir: string
let stack: Stack
let info: NetworkInfo
let chain: ChainClient
let ports: { rpc: number; gateway: number; supplier: number }

type Stack = { child: ChildProcess; output: () => string; startedAt: number; readyAt: number }

async function freePorts(count: number): Promise<number> {
  // `count` consecutive free ports, for the suppliers (supplier i on base + i).
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000)
    const servers = []
    try {
      for (let i = 0; i < count; i++) {
        const server = createServer()
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject)
          server.listen(base + i, '127.0.0.1', resolve)
        })
        servers.push(server)
      }
      return base
    } catch {
      // taken: try another base
    } finally {
      for (const s of servers) await new Promise((r) => s.close(r))
    }
  }
}

/** `pnpm start` as the quickstart says, with this test's data directory and ports. */
async function startStack(): Promise<Stack> {
  const startedAt = Date.now()
  const child = spawn(
    'pnpm',
    [
      'start',
      '--',
      '--data-dir',
      dataDir,
      '--rpc-port',
      String(ports.rpc),
      '--gateway-port',
      String(ports.gateway),
      '--supplier-port',
      String(ports.supplier),
    ],
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in 180 s:\n${output}`)), 180_000)
    const check = () => {
      if (/ready in [\d.]+ s/.test(output)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout!.on('data', check)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`pnpm start exited with ${code}:\n${output}`))
    })
  })
  return { child, output: () => output, startedAt, readyAt: Date.now() }
}

/** Ctrl-C as a terminal sends it: SIGINT to the whole process group; resolves once all exited. */
async function interrupt(s: Stack): Promise<void> {
  const exited = new Promise<void>((resolve) => s.child.once('exit', () => resolve()))
  process.kill(-s.child.pid!, 'SIGINT')
  await exited
  // pnpm exits as soon as its child does; wait for the rest of the group.
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-s.child.pid!, 0)
    } catch {
      return
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** `float64` to an exact rational through its shortest decimal string, as poktroll's Float64ToRat. */
function toRational(x: number): [bigint, bigint] {
  const [mantissa, exponent = '0'] = x.toString().split('e')
  const [whole, fraction = ''] = mantissa!.split('.')
  let numerator = BigInt(whole! + fraction)
  let denominator = 10n ** BigInt(fraction.length)
  const e = Number(exponent)
  if (e > 0) numerator *= 10n ** BigInt(e)
  else denominator *= 10n ** BigInt(-e)
  return [numerator, denominator]
}
const floorMul = (amount: bigint, [n, d]: [bigint, bigint]) => (amount * n) / d
const ceilMul = (amount: bigint, [n, d]: [bigint, bigint]) => (amount * n + d - 1n) / d

/** The champion's balance at a height (the devnet answers queries at the latest height only). */
async function balanceAtSomeHeight(address: string): Promise<{ height: bigint; upokt: bigint }> {
  for (;;) {
    const before = await chain.getLatestHeight()
    const upokt = await chain.getBalance({ address })
    if ((await chain.getLatestHeight()) === before) return { height: before, upokt }
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'decai-local-network-'))
  const rpc = await freePorts(1)
  const gateway = await freePorts(1)
  ports = { rpc, gateway, supplier: await freePorts(2) }
  stack = await startStack()
  info = JSON.parse(readFileSync(join(dataDir, 'network.json'), 'utf8')) as NetworkInfo
  chain = createChainClient({ rpcUrl: info.rpcUrl })
}, 240_000)

afterAll(async () => {
  if (stack?.child.exitCode === null) await interrupt(stack)
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('pnpm start', () => {
  let from: { height: bigint; upokt: bigint }
  const sessionEnds = new Set<bigint>()

  it('prints what runs, the API key and a curl line; writes network.json', () => {
    const out = stack.output()
    expect(info.gateway.baseUrl).toBe(`http://127.0.0.1:${ports.gateway}/v1`)
    // A free gRPC port beside a non-default RPC port; printed and written down.
    expect(info.grpcAddress).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(out).toContain(`gRPC        ${info.grpcAddress}`)
    expect(info.suppliers).toHaveLength(2)
    expect(out).toContain(info.gateway.apiKey)
    expect(out).toContain(`curl -s ${info.gateway.baseUrl}/chat/completions`)
    expect(out).toContain(info.champion.address)
    for (const s of info.suppliers) expect(out).toContain(s.operatorAddress)
    console.log(
      `pnpm start → ready (first completion through the gateway): ${((stack.readyAt - stack.startedAt) / 1000).toFixed(1)} s`,
    )
  })

  it("answers the README's curl line with a real completion", async () => {
    from = await balanceAtSomeHeight(info.champion.address)
    const curlBlock = /```sh\n(curl -s http:\/\/127\.0\.0\.1:3069[\s\S]*?)\n```/
    const curl = curlBlock.exec(readFileSync(join(root, 'README.md'), 'utf8'))?.[1]
    expect(curl).toBeDefined()
    // The quickstart walks through the same line; keep the two copies identical.
    expect(curlBlock.exec(readFileSync(join(root, 'docs/quickstart.md'), 'utf8'))?.[1]).toBe(curl)
    const line = curl!
      .replaceAll('http://127.0.0.1:3069', info.gateway.url)
      .replaceAll('./.decai/network.json', join(dataDir, 'network.json'))
    const { stdout } = await run('sh', ['-c', line], { cwd: root })
    const completion = JSON.parse(stdout) as {
      choices: { message: { content: string } }[]
      usage: { completion_tokens: number }
    }
    expect(completion.choices[0]!.message.content.length).toBeGreaterThan(0)
    expect(completion.usage.completion_tokens).toBeGreaterThan(0)
    console.log(`curl answered: ${JSON.stringify(completion.choices[0]!.message.content)}`)
    const session = await chain.getSession({
      applicationAddress: info.application.address,
      serviceId: info.serviceId,
    })
    sessionEnds.add(session.header!.sessionEndBlockHeight)
  })

  it('streams through the gateway with the CLI', async () => {
    const out = await runDecai(['chat', 'Name a color.', '--max-tokens', '12'], {
      env: { DECAI_HOME: dataDir },
      cwd: root,
    })
    expect(out.code).toBe(0)
    expect(out.stdout.trim().length).toBeGreaterThan(0)
    expect(out.stderr).toContain(`gateway ${info.gateway.baseUrl}`)
  })

  it('chats straight to the suppliers with @decai/sdk, verified, streamed and not', async () => {
    const appKey = JSON.parse(readFileSync(join(dataDir, 'keys', 'application.json'), 'utf8')) as {
      privateKey: string
    }
    const client = createClient({
      chain: info.rpcUrl,
      key: appKey.privateKey,
      service: info.serviceId,
    })
    const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }]
    const completion = await client.chat.completions.create({
      model: info.model,
      messages,
      max_tokens: 16,
    })
    expect(completion.choices[0]!.message.content!.length).toBeGreaterThan(0)
    const stream = await client.chat.completions.create({
      model: info.model,
      messages,
      max_tokens: 16,
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(stream.response.relay.streamed).toBe(true)
    expect(info.suppliers.map((s) => s.operatorAddress)).toContain(
      stream.response.relay.supplierOperatorAddress,
    )
    let text = ''
    let tokens = 0
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      tokens = chunk.usage?.completion_tokens ?? tokens
    }
    expect(text.length).toBeGreaterThan(0)
    expect(tokens).toBeGreaterThan(0)
    sessionEnds.add(stream.response.relay.sessionEndHeight)
    const direct = await runDecai(
      ['chat', '--from', 'application', 'Say yes.', '--max-tokens', '4'],
      {
        env: { DECAI_HOME: dataDir },
        cwd: root,
      },
    )
    expect(direct.code).toBe(0)
    expect(direct.stderr).toMatch(/supplier pokt1\w+ \(verified stream\)/)
  })

  it("serves each supplier's /metrics, as docs/supplier.md describes", async () => {
    for (const s of info.suppliers) {
      expect(s.metricsUrl, s.name).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(stack.output()).toContain(s.metricsUrl)
      const res = await fetch(`${s.metricsUrl}/metrics`)
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('# TYPE')
      const health = (await (await fetch(`${s.metricsUrl}/healthz`)).json()) as {
        operatorAddress: string
      }
      expect(health.operatorAddress).toBe(s.operatorAddress)
    }
  })

  it('shows the context length of the local model in /v1/models', async () => {
    const res = await fetch(`${info.gateway.baseUrl}/models`, {
      headers: { Authorization: `Bearer ${info.gateway.apiKey}` },
    })
    const { data } = (await res.json()) as { data: { id: string; context_length?: number }[] }
    expect(data.find((m) => m.id === info.model)?.context_length).toBe(2048)
  })

  it('lets a browser page of any origin call the RPC, the suppliers and the gateway', async () => {
    const origin = 'http://localhost:5173'
    for (const [url, headers] of [
      [info.rpcUrl, 'content-type'],
      [info.suppliers[0]!.url, 'content-type,pokt-relay-stream'],
      [`${info.gateway.baseUrl}/chat/completions`, 'authorization,content-type'],
    ] as const) {
      const res = await fetch(url, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': headers,
        },
      })
      expect(res.status, url).toBe(204)
      expect(res.headers.get('access-control-allow-origin'), url).toBe('*')
    }
  })

  it("settles the claims, and the champion's balance grows by exactly the owner's share", async () => {
    const shared = await chain.getParams({ module: 'shared' })
    const lastEnd = [...sessionEnds].sort((a, b) => (a < b ? -1 : 1)).at(-1)!
    // Every claim of our sessions settles at its settlement height; wait one block more.
    const until = getSettlementHeight(shared, lastEnd) + 1n
    await chain.waitForHeight({ height: until, timeout: 120_000 })
    // And until no claim of the service is pending at or before our last session.
    for (;;) {
      const pending = (await chain.getClaims({})).filter(
        (c) =>
          c.sessionHeader!.serviceId === info.serviceId &&
          c.sessionHeader!.sessionEndBlockHeight <= lastEnd,
      )
      if (pending.length === 0) break
      await new Promise((r) => setTimeout(r, 1000))
    }
    const to = await balanceAtSomeHeight(info.champion.address)
    const settlements: ClaimSettlement[] = await chain.getClaimSettlements({
      fromHeight: from.height + 1n,
      toHeight: to.height,
      serviceId: info.serviceId,
    })
    const settled = settlements.filter((s) => s.status === 'settled')
    expect(settled.length).toBeGreaterThan(0)
    expect(settled.reduce((n, s) => n + s.numRelays, 0n)).toBeGreaterThanOrEqual(4n)

    const tokenomics = await chain.getParams({ module: 'tokenomics' })
    const mintRatio = toRational(tokenomics.mintRatio)
    const ownerShare = toRational(tokenomics.mintEqualsBurnClaimDistribution!.sourceOwner)
    const inflation = toRational(tokenomics.globalInflationPerClaim)
    const ownerMintShare = toRational(tokenomics.mintAllocationPercentages!.sourceOwner)
    let expected = 0n
    for (const s of settled) {
      // Relay burn equals mint: M = floor(settled × mint_ratio), the owner gets floor(M × share).
      const minted = floorMul(s.settledUpokt, mintRatio)
      expect(minted).toBe(s.mintedUpokt)
      expected += floorMul(minted, ownerShare)
      // Global mint: I = ceil(settled × inflation), the owner gets floor(I × allocation).
      if (inflation[0] > 0n)
        expected += floorMul(ceilMul(s.settledUpokt, inflation), ownerMintShare)
    }
    const paid = settled
      .flatMap((s) => s.rewards)
      .filter((r) => r.recipient === info.champion.address)
      .reduce((sum, r) => sum + r.amount, 0n)
    expect(expected).toBeGreaterThan(0n)
    expect(paid).toBe(expected)
    expect(to.upokt - from.upokt).toBe(expected)
    console.log(
      `${settled.length} claims settled (${settled.map((s) => s.numRelays).join('+')} relays); champion +${expected} upokt`,
    )

    const claims = await runDecai(
      ['claims', '--supplier', info.suppliers[0]!.name, '--from-height', String(from.height + 1n)],
      {
        env: { DECAI_HOME: dataDir },
        cwd: root,
      },
    )
    expect(claims.code).toBe(0)
    expect(claims.stdout).toMatch(/settled since height/)
  })

  it('stops cleanly on Ctrl-C and resumes the same chain on the next start', async () => {
    const heightBefore = await chain.getLatestHeight()
    await interrupt(stack)
    expect(stack.output()).toContain('stopped; state kept for the next start.')
    stack = await startStack()
    const again = JSON.parse(readFileSync(join(dataDir, 'network.json'), 'utf8')) as NetworkInfo
    expect(again.gateway.apiKey).toBe(info.gateway.apiKey)
    expect(await chain.getLatestHeight()).toBeGreaterThan(heightBefore)
    expect(stack.output()).not.toMatch(/error/i)
    console.log(`restart → ready: ${((stack.readyAt - stack.startedAt) / 1000).toFixed(1)} s`)
  })
})
