// A small network for the client's tests: the embedded devnet, a service, an application, and
// suppliers served by the relay handler below.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type ChainClient,
  createChainClient,
  createPrivateKeySigner,
  createSigningChainClient,
  type SigningChainClient,
} from '@decai/chain'
import { getRingAddresses, privateKeyFromHex, resolveRingPublicKeys } from '@decai/crypto'
import { type Devnet, startDevnet } from '@decai/devnet'
import { RPCType } from '@decai/protocol'
import { type RelaySupplierOptions, startRelaySupplier, type TestSupplier } from './supplier.js'

export const SERVICE_ID = 'llm'

export type TestNetwork = {
  devnet: Devnet
  chain: ChainClient
  appKey: Uint8Array
  appAddress: string
  /** The key of a gateway the application delegates to. */
  gatewayKey: Uint8Array
  ownerAddress: string
  suppliers: TestSupplier[]
  /** Resolves once the chain is at the start of a session in which every supplier is active. */
  waitForSuppliers(): Promise<void>
  stop(): Promise<void>
}

const keyOf = (devnet: Devnet, name: string) => {
  const account = devnet.accounts.find((a) => a.name === name)
  if (!account?.privateKey) throw new Error(`no devnet account ${name}`)
  return privateKeyFromHex(account.privateKey)
}

async function signer(devnet: Devnet, name: string): Promise<SigningChainClient> {
  return createSigningChainClient({
    rpcUrl: devnet.rpcUrl,
    signer: createPrivateKeySigner(keyOf(devnet, name)),
    gasPrice: '0upokt',
  })
}

/** Starts the devnet, registers the service, stakes the app and one supplier per option. */
export async function startTestNetwork(
  supplierOptions: Omit<RelaySupplierOptions, 'privateKey' | 'chain' | 'serviceId'>[],
): Promise<TestNetwork> {
  const devnet = await startDevnet({
    port: 0,
    blockTimeMs: 100,
    dataDir: ':memory:',
    config: { params: { shared: { numBlocksPerSession: '10' } } },
    onError: () => {},
  })
  const chain = createChainClient({ rpcUrl: devnet.rpcUrl })
  const owner = await signer(devnet, 'owner')
  const app = await signer(devnet, 'application')
  await owner.addService({ id: SERVICE_ID, name: 'LLM', computeUnitsPerRelay: 1n })
  await app.stakeApplication({ stake: 100_000_000n, serviceIds: [SERVICE_ID] })
  const gateway = await signer(devnet, 'gateway')
  await gateway.stakeGateway({ stake: 1_000_000n })
  await app.delegateToGateway({ gatewayAddress: gateway.address })

  const names = ['supplier1', 'supplier2', 'user1', 'user2']
  const suppliers: TestSupplier[] = []
  for (const [i, options] of supplierOptions.entries()) {
    const name = names[i]!
    const supplier = await startRelaySupplier({
      ...options,
      privateKey: keyOf(devnet, name),
      chain,
      serviceId: SERVICE_ID,
    })
    const client = await signer(devnet, name)
    await client.stakeSupplier({
      stake: 2_000_000n,
      services: [
        { serviceId: SERVICE_ID, endpoints: [{ url: supplier.url, rpcType: RPCType.JSON_RPC }] },
      ],
    })
    suppliers.push(supplier)
  }
  const stakedAt = await chain.getLatestHeight()
  const shared = await chain.getParams({ module: 'shared' })
  const n = shared.numBlocksPerSession
  return {
    devnet,
    chain,
    appKey: keyOf(devnet, 'application'),
    gatewayKey: keyOf(devnet, 'gateway'),
    appAddress: app.address,
    ownerAddress: owner.address,
    suppliers,
    // Supplier stakes activate at the next session start.
    waitForSuppliers: () => devnet.waitForHeight(((stakedAt + n) / n) * n + 1n, 30_000),
    async stop() {
      for (const s of suppliers) await s.stop()
      await devnet.stop()
    },
  }
}

/** The application's ring at a session end height, read from the chain. */
export async function readRing(
  chain: ChainClient,
  applicationAddress: string,
  sessionEndHeight: bigint,
): Promise<Uint8Array[]> {
  const app = await chain.getApplication({ address: applicationAddress })
  const addresses = getRingAddresses({
    appAddress: applicationAddress,
    delegateeGatewayAddresses: app.delegateeGatewayAddresses,
    pendingUndelegations: app.pendingUndelegations,
    sessionEndHeight,
  })
  return resolveRingPublicKeys(addresses, async (address) => {
    const account = await chain.getAccount({ address })
    if (!account.publicKey) throw new Error(`no public key for ${address}`)
    return account.publicKey
  })
}

/** An OpenAI-like backend that answers quickly with fixed text (streamed as three chunks). */
export type FakeBackend = { url: string; status: number; stop(): Promise<void> }

export async function startFakeBackend(): Promise<FakeBackend> {
  const state = { status: 200 }
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    if (req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          object: 'list',
          data: [{ id: 'fake', object: 'model', created: 0, owned_by: 'test' }],
        }),
      )
      return
    }
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
      stream?: boolean
      messages?: unknown[]
    }
    if (state.status !== 200) {
      res.writeHead(state.status, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({ error: { message: `fake ${state.status}`, type: 'test', code: null } }),
      )
      return
    }
    const words = ['Paris', ' is', ' the capital.']
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (const [i, word] of words.entries()) {
        const chunk = {
          id: 'c1',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'fake',
          choices: [
            {
              index: 0,
              delta: i === 0 ? { role: 'assistant', content: word } : { content: word },
              finish_reason: null,
            },
          ],
        }
        res.write(`data: ${JSON.stringify(chunk)}\n\n`)
        await new Promise((r) => setTimeout(r, 20))
      }
      res.write(
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'fake', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
      )
      res.end('data: [DONE]\n\n')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        id: 'c1',
        object: 'chat.completion',
        created: 1,
        model: 'fake',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: words.join('') },
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
      }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    get status() {
      return state.status
    },
    set status(value: number) {
      state.status = value
    },
    stop: () => closeServer(server),
  }
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })
}
