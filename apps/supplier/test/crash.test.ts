// Crash test: the supplier runs as its own process (the CLI) and is SIGKILLed while it serves
// real completions to several clients at once. Afterwards its trie holds every relay a client
// had received a complete answer for; restarted, it claims a root covering all of them.
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createChainClient } from '@decai/chain'
import type { Devnet } from '@decai/devnet'
import { type LlmServer, startLlmServer } from '@decai/llm-server'
import { getRelayHash, getRootCount } from '@decai/relay-mining'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { openSessionStore } from '../src/session-store.js'
import {
  AppClient,
  account,
  chatBody,
  driveUntil,
  startChain,
  supplierConfig,
  tempDir,
  waitUntil,
} from './helpers.js'

let devnet: Devnet
let llm: LlmServer
let child: ChildProcess | undefined
let url: string
let configPath: string
let storageDir: string

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

async function startChild(): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', configPath], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  await waitUntil(async () => {
    if (proc.exitCode !== null) throw new Error(`the supplier exited with ${proc.exitCode}`)
    return fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
  }, 30_000)
  return proc
}

function kill(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
    proc.once('exit', () => resolve())
    proc.kill(signal)
  })
}

beforeAll(async () => {
  ;[devnet, llm] = await Promise.all([
    startChain(),
    startLlmServer({ port: 0, threads: 1, parallel: 2, embeddings: false }),
  ])
  await devnet.produceBlock()
  const dir = tempDir()
  storageDir = join(dir, 'state')
  const port = await freePort()
  url = `http://127.0.0.1:${port}`
  const config = supplierConfig(devnet, llm.url, {
    listenAddress: `127.0.0.1:${port}`,
    metricsAddress: false,
    storage: { dir: storageDir },
    log: { level: 'warn' },
  })
  configPath = join(dir, 'supplier.yaml')
  writeFileSync(configPath, stringify(config))
  child = await startChild()
})

afterAll(async () => {
  if (child) await kill(child, 'SIGKILL')
  await Promise.all([llm?.stop(), devnet?.stop()])
})

describe('SIGKILL while serving', () => {
  it('keeps every answered relay, and the claim after restart covers all of them', async () => {
    const supplier = account(devnet, 'supplier1')
    const chain = createChainClient({ rpcUrl: devnet.rpcUrl })
    const { publicKey } = await chain.getAccount({ address: supplier.address })
    const client = new AppClient(
      devnet,
      account(devnet, 'application'),
      supplier.address,
      publicKey!,
    )
    const header = await client.session()
    const answered: Uint8Array[] = []
    let killed: Promise<void> | undefined
    let sent = 0

    // Three clients at once, alternating plain and streamed relays, until the kill.
    const worker = async (id: number) => {
      for (let i = 0; !killed; i++) {
        const streamed = (id + i) % 2 === 1
        const body = chatBody(`Client ${id}, question ${i}: name a color.`, {
          max_tokens: 6,
          ...(streamed ? { stream: true } : {}),
        })
        const request = await client.signRelay({ path: '/v1/chat/completions', body }, header)
        sent++
        try {
          if (streamed) {
            const result = await client.stream(url, request)
            if (result.relay && !result.error) answered.push(result.relay)
          } else {
            const result = await client.send(url, request)
            if (result.ok) answered.push(result.relay)
          }
        } catch {
          // The connection died with the process: that relay was never answered.
        }
        if (answered.length >= 7 && !killed) killed = kill(child!, 'SIGKILL')
      }
    }
    await Promise.all([worker(0), worker(1), worker(2)])
    await killed
    expect(child!.signalCode).toBe('SIGKILL')
    expect(sent).toBeGreaterThan(answered.length)

    // What the killed process left on disk: every answered relay, byte for byte.
    const store = openSessionStore(storageDir, { synchronous: 'normal' })
    let root: Uint8Array
    try {
      for (const relay of answered)
        expect(
          store.getRelay(supplier.address, header.sessionId, getRelayHash(relay))?.value,
        ).toEqual(relay)
      root = store.getRoot(supplier.address, header.sessionId)
      // In-flight relays may have been mined without their answer arriving; never fewer.
      expect(getRootCount(root)).toBeGreaterThanOrEqual(BigInt(answered.length))
      expect(getRootCount(root)).toBeLessThanOrEqual(BigInt(sent))
    } finally {
      store.close()
    }

    // Restarted, it claims exactly that root.
    child = await startChild()
    await driveUntil(devnet, async () => {
      try {
        await client.client.getClaim({
          sessionId: header.sessionId,
          supplierOperatorAddress: supplier.address,
        })
        return true
      } catch {
        return false
      }
    })
    const claim = await client.client.getClaim({
      sessionId: header.sessionId,
      supplierOperatorAddress: supplier.address,
    })
    expect(claim.rootHash).toEqual(root)
  })
})
