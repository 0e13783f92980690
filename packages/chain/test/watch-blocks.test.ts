// The block subscription against a real websocket (the devnet's, which serves `/websocket` only,
// as CometBFT), and what the watch does when that socket cannot connect or goes silent: report
// WEBSOCKET_FAILED and poll. Also `block_results` of a block still being executed.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { type Devnet, startDevnet } from '@decai/devnet'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type ChainError, createChainClient, getWebsocketUrl } from '../src/index.js'
import { getWebsocketBaseUrl } from '../src/websocket.js'
import { createFakeNode } from './helpers/fake-node.js'

let devnet: Devnet
const stops: (() => void | Promise<void>)[] = []

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 0 })
})
afterAll(async () => {
  await devnet?.stop()
})
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

/** Collects `count` heights and every error, then stops the watch. */
function watch(
  rpcUrl: string,
  options: { transport?: 'auto' | 'websocket'; pollingInterval: number; websocketTimeout?: number },
  count: number,
) {
  const heights: bigint[] = []
  const errors: ChainError[] = []
  const done = new Promise<void>((resolve) => {
    const unwatch = createChainClient({ rpcUrl }).watchBlocks({
      ...options,
      onError: (e) => errors.push(e),
      onBlock: (block) => {
        heights.push(block.height)
        if (heights.length === count) {
          unwatch()
          resolve()
        }
      },
    })
    stops.push(unwatch)
  })
  return { heights, errors, done }
}

/** Produces a block every `ms` on the devnet while the test runs. */
function produce(ms: number) {
  const timer = setInterval(() => void devnet.produceBlock(), ms)
  stops.push(() => clearInterval(timer))
}

/**
 * A proxy in front of the devnet: HTTP passes through; websocket upgrades are answered with 404,
 * or piped through until `freeze()` stops forwarding what the node sends.
 */
async function startProxy(mode: 'refuse-websocket' | 'pipe-websocket') {
  const target = new URL(devnet.rpcUrl)
  const sockets: (Socket | Duplex)[] = []
  let frozen = false
  const server: Server = createServer((req, res) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    req.pipe(upstream)
  })
  server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    if (mode === 'refuse-websocket') {
      // As CometBFT answers any path but /websocket.
      client.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    const upstream = connect(Number(target.port), target.hostname, () => {
      const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`)
      upstream.write(`GET ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`)
      upstream.write(head)
      upstream.on('data', (chunk) => {
        if (!frozen) client.write(chunk)
      })
      client.pipe(upstream)
    })
    sockets.push(upstream, client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.closeAllConnections()
      server.close(() => resolve())
    })
  stops.push(stop)
  return {
    rpcUrl: `http://127.0.0.1:${port}`,
    freeze: () => {
      frozen = true
    },
  }
}

describe('the websocket URL', () => {
  it('gives cosmjs the base URL, which appends /websocket itself', () => {
    expect(getWebsocketBaseUrl('http://127.0.0.1:26657')).toBe('ws://127.0.0.1:26657')
    expect(getWebsocketBaseUrl('https://rpc.example.com/pokt/')).toBe('wss://rpc.example.com/pokt')
    expect(getWebsocketUrl('http://127.0.0.1:26657')).toBe('ws://127.0.0.1:26657/websocket')
  })
})

describe('watching blocks over the websocket', () => {
  it('receives every block from the subscription, with no error', async () => {
    // Polls an hour apart: only the subscription can deliver these blocks.
    const { heights, errors, done } = watch(
      devnet.rpcUrl,
      { transport: 'websocket', pollingInterval: 3_600_000 },
      3,
    )
    await new Promise((r) => setTimeout(r, 300))
    produce(30)
    await done
    expect(heights[1]).toBe(heights[0]! + 1n)
    expect(heights[2]).toBe(heights[0]! + 2n)
    expect(errors).toEqual([])
  })

  it('reports WEBSOCKET_FAILED when the socket cannot open, and polls instead', async () => {
    const proxy = await startProxy('refuse-websocket')
    const { heights, errors, done } = watch(
      proxy.rpcUrl,
      { transport: 'websocket', pollingInterval: 20, websocketTimeout: 200 },
      4,
    )
    produce(60)
    await done
    expect(heights.slice(1)).toEqual([1n, 2n, 3n].map((n) => heights[0]! + n))
    expect(errors[0]).toMatchObject({ code: 'WEBSOCKET_FAILED' })
    expect(errors[0]!.details).toMatch(/\/websocket: could not open .* within 200 ms/)
  })

  it('reports WEBSOCKET_FAILED when the socket goes silent while the chain moves on', async () => {
    const proxy = await startProxy('pipe-websocket')
    const { heights, errors, done } = watch(
      proxy.rpcUrl,
      { transport: 'websocket', pollingInterval: 20, websocketTimeout: 150 },
      12,
    )
    await new Promise((r) => setTimeout(r, 300))
    produce(40)
    await new Promise((r) => setTimeout(r, 150))
    proxy.freeze()
    await done
    expect(heights.slice(1).every((h, i) => h === heights[i]! + 1n)).toBe(true)
    expect(errors[0]).toMatchObject({ code: 'WEBSOCKET_FAILED' })
    expect(errors[0]!.details).toMatch(/no NewBlock event for \d+ ms/)
  })
})

describe('block results of the newest block', () => {
  it('waits while the node has stored the block but not yet executed it', async () => {
    const node = createFakeNode()
    node.produceBlock()
    node.fail({ method: 'block_results', kind: 'results-pending' })
    node.fail({ method: 'block_results', kind: 'results-pending' })
    const client = createChainClient({ rpcUrl: 'http://fake-node:26657', fetch: node.fetch })
    const results = await client.getBlockResults({ height: BigInt(node.height) })
    expect(results.height).toBe(BigInt(node.height))
    expect(node.calls.block_results).toBe(3)
  })

  it('fails at once for an older height without results (a pruned node)', async () => {
    const node = createFakeNode()
    for (let i = 0; i < 3; i++) node.produceBlock()
    node.fail({ method: 'block_results', kind: 'results-pending' })
    const client = createChainClient({ rpcUrl: 'http://fake-node:26657', fetch: node.fetch })
    await expect(client.getBlockResults({ height: 2n })).rejects.toMatchObject({
      code: 'RPC_ERROR',
      details: 'could not find results for height #2',
    })
    expect(node.calls.block_results).toBe(1)
  })
})
