// Gateway replicas as deployed: separate processes started from the gateway's CLI on one
// config (one store, one Redis), behind a small round-robin HTTP balancer on loopback.
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { Agent, createServer, request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { GatewayConfigInput } from '../src/index.js'
import { freePort, listenHttp } from './helpers.js'

const gatewayDir = fileURLToPath(new URL('..', import.meta.url))

export type Replica = { url: string; port: number; process: ChildProcess; stderr: () => string }

export type Replicas = {
  replicas: Replica[]
  stop(): Promise<void>
}

/** Starts `count` gateway processes on `config` (each on its own port); resolves when all serve `/healthz`. */
export async function startReplicas(
  count: number,
  config: GatewayConfigInput,
  dir: string,
  /** What differs per replica (e.g. its own spend outbox). */
  own: (index: number) => Partial<GatewayConfigInput> = () => ({}),
): Promise<Replicas> {
  const replicas: Replica[] = []
  const stop = async () => {
    await Promise.all(
      replicas.map(
        (r) =>
          new Promise<void>((resolve) => {
            if (r.process.exitCode !== null || r.process.signalCode !== null) return resolve()
            r.process.once('exit', () => resolve())
            r.process.kill('SIGTERM')
            setTimeout(() => r.process.kill('SIGKILL'), 5000).unref()
          }),
      ),
    )
  }
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort()
      const configPath = join(dir, `gateway-${i}.json`)
      writeFileSync(
        configPath,
        JSON.stringify({ ...config, ...own(i), listen: { host: '127.0.0.1', port } }),
      )
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/main.ts', 'start', '--config', configPath],
        { cwd: gatewayDir, stdio: ['ignore', 'ignore', 'pipe'] },
      )
      let stderr = ''
      child.stderr?.on('data', (chunk) => {
        stderr = (stderr + chunk).slice(-20_000)
      })
      replicas.push({ url: `http://127.0.0.1:${port}`, port, process: child, stderr: () => stderr })
    }
    await Promise.all(replicas.map((r) => waitForHealth(r)))
    return { replicas, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

async function waitForHealth(replica: Replica, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (replica.process.exitCode !== null)
      throw new Error(`gateway replica exited at start:\n${replica.stderr()}`)
    try {
      if ((await fetch(`${replica.url}/healthz`)).ok) return
    } catch {}
    if (Date.now() > deadline)
      throw new Error(`gateway replica ${replica.url} did not come up:\n${replica.stderr()}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 256 })

export type Balancer = {
  url: string
  /** Requests sent to each upstream, in order. */
  readonly sent: number[]
  stop(): Promise<void>
}

/** A round-robin HTTP reverse proxy over `upstreams` (origins), streaming both ways. */
export async function startBalancer(upstreams: string[]): Promise<Balancer> {
  const sent = upstreams.map(() => 0)
  let next = 0
  const server = createServer((req, res) => {
    const i = next++ % upstreams.length
    sent[i]!++
    const target = new URL(req.url ?? '/', upstreams[i])
    const upstream = httpRequest(
      target,
      { method: req.method, headers: req.headers, agent: keepAlive },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502)
      res.end()
    })
    req.pipe(upstream)
  })
  const listening = await listenHttp(server)
  return { url: listening.url, sent, stop: () => listening.stop() }
}
