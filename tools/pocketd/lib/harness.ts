// What the pocketd checks share: an echo backend, poktroll's RelayMiner as a child process,
// the TEST accounts' signing clients, an application's ring, waiting for a session, a proof and
// chain state, and small statistics. (Pass/fail bookkeeping: checks.mjs.)
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import { join } from 'node:path'
import {
  createPublicKeyCache,
  resolveApplicationRing,
} from '../../../packages/app-kit/src/chain-cache.js'
import {
  type ChainClient,
  createPrivateKeySigner,
  createSigningChainClient,
  EventProofSubmittedSchema,
  findEvents,
  type SigningChainClient,
} from '../../../packages/chain/src/index.js'
import { ProofRequirementReason } from '../../../packages/protocol/src/index.js'
import {
  type BuildRelayRequestParameters,
  buildRelayRequest,
  createPoktHttpRequest,
  serializeRelayRequest,
  signRelayRequest,
} from '../../../packages/session/src/index.js'
import { CHAIN_ID, type PocketdNode } from '../localnet.mjs'

export type SessionHeaderFields = {
  applicationAddress: string
  serviceId: string
  sessionId: string
  sessionStartBlockHeight: bigint
  sessionEndBlockHeight: bigint
}

/**
 * A JSON backend that echoes the request it got (`url`, `body`, the repeated `x-decai-relay`
 * header) and sets a response header. Its answer is also an OpenAI chat completion (one
 * assistant message, `usage`), so a gateway in front of it sees a well-formed model.
 */
export async function startBackend(): Promise<{ url: string; close(): void }> {
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = []
    try {
      for await (const chunk of request) chunks.push(chunk as Buffer)
    } catch {
      // The client went away mid-request (a load generator stopping): nothing to answer.
      return
    }
    const body = Buffer.concat(chunks).toString('utf8')
    response.setHeader('content-type', 'application/json')
    response.setHeader('x-decai-backend', 'yes')
    response.end(
      JSON.stringify({
        id: 'chatcmpl-echo',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: 'echo',
        choices: [
          { index: 0, message: { role: 'assistant', content: 'echo' }, finish_reason: 'stop' },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        url: request.url,
        body,
        relayHeader: request.headersDistinct['x-decai-relay'] ?? [],
      }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('no backend address')
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() }
}

/** Where a RelayMiner runs: pocketd's binary and a home with the supplier's key, and a chain. */
export type RelayMinerChain = Pick<PocketdNode, 'binary' | 'home' | 'rpcUrl'> & {
  /** The chain's gRPC, `host:port`. */
  grpcUrl: string
}

/**
 * Starts `pocketd relayminer start` for a supplier key, serving one service per entry of
 * `services` (or the single `serviceId` on `listenPort`), against `chain`'s RPC and gRPC.
 */
export async function startRelayMiner(
  chain: RelayMinerChain,
  options: {
    supplierKey: string
    backendUrl: string
  } & (
    | { serviceId: string; listenPort: number }
    | { services: { serviceId: string; listenPort: number }[] }
  ),
): Promise<{ url: string; pid: number | undefined; stop(): Promise<void> }> {
  const services = 'services' in options ? options.services : [options]
  const first = services[0]
  if (!first) throw new Error('the RelayMiner needs a service')
  const name = services.map((s) => s.serviceId).join('-')
  const rpc = new URL(chain.rpcUrl)
  const metricsPort = first.listenPort + 1
  const config = join(chain.home, `relayminer-${name}.yaml`)
  writeFileSync(
    config,
    [
      `default_signing_key_names: [${options.supplierKey}]`,
      `smt_store_path: ${join(chain.home, `smt-${name}`)}`,
      'metrics:',
      '  enabled: true',
      `  addr: 127.0.0.1:${metricsPort}`,
      'pocket_node:',
      `  query_node_rpc_url: tcp://${rpc.host}`,
      `  query_node_grpc_url: tcp://${chain.grpcUrl}`,
      `  tx_node_rpc_url: tcp://${rpc.host}`,
      'suppliers:',
      ...services.flatMap((s) => [
        `  - service_id: ${s.serviceId}`,
        `    listen_url: http://127.0.0.1:${s.listenPort}`,
        '    service_config:',
        `      backend_url: ${options.backendUrl}`,
      ]),
      '',
    ].join('\n'),
  )
  const logFile = join(chain.home, `relayminer-${name}.log`)
  const log = openSync(logFile, 'a')
  const child = spawn(
    chain.binary,
    [
      'relayminer',
      'start',
      '--config',
      config,
      '--home',
      chain.home,
      '--keyring-backend',
      'test',
      '--chain-id',
      CHAIN_ID,
    ],
    { stdio: ['ignore', log, log] },
  )
  closeSync(log)
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  const stop = async () => {
    if (exited) return
    child.kill('SIGTERM')
    await Promise.race([new Promise((resolve) => child.on('exit', resolve)), sleep(10_000)])
    if (!exited) child.kill('SIGKILL')
  }
  const tail = () => readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n')
  for (let waited = 0; waited < 60_000; waited += 250) {
    if (exited) throw new Error(`the RelayMiner exited:\n${tail()}`)
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined)
    if (metrics?.ok) return { url: `http://127.0.0.1:${first.listenPort}`, pid: child.pid, stop }
    await sleep(250)
  }
  await stop()
  throw new Error(`the RelayMiner did not start within 60 s:\n${tail()}`)
}

/** Waits for a session start at which every supplier is in the application's session. */
export async function waitForSessionWithSuppliers(
  client: ChainClient,
  query: { applicationAddress: string; serviceId: string; supplierAddresses: string[] },
): Promise<SessionHeaderFields> {
  const { applicationAddress, serviceId, supplierAddresses } = query
  let lastStart = -1n
  for (let waited = 0; waited < 60_000; waited += 100) {
    const height = await client.getLatestHeight()
    const session = await client
      .getSession({ applicationAddress, serviceId, height })
      .catch(() => undefined)
    const header = session?.header
    const listed = new Set(session?.suppliers.map((s) => s.operatorAddress))
    if (header && supplierAddresses.every((a) => listed.has(a))) {
      // Skip a session already under way: catch the next one at its first block.
      if (
        lastStart >= 0n &&
        header.sessionStartBlockHeight !== lastStart &&
        height === header.sessionStartBlockHeight
      ) {
        return header
      }
      if (lastStart < 0n) lastStart = header.sessionStartBlockHeight
    }
    await sleep(100)
  }
  throw new Error('the supplier never appeared at a session start')
}

export async function poll<T>(
  timeoutMs: number,
  attempt: () => Promise<T | undefined>,
): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const value = await attempt()
    if (value !== undefined) return value
    await sleep(250)
  }
  throw new Error(`not within ${timeoutMs / 1000} s`)
}

export function proofReasonName(reason: ProofRequirementReason): string {
  return ProofRequirementReason[reason] ?? String(reason)
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A funded TEST account with a signing client on the chain. */
export type Actor = { key: Uint8Array; address: string; client: SigningChainClient }

/** Opens a signing client (zero gas price, fast polling) for the chain's account `name`. */
export async function loadActor(
  chain: {
    rpcUrl: string
    accounts: readonly { name: string; address: string; privateKey?: string | undefined }[]
  },
  name: string,
): Promise<Actor> {
  const account = chain.accounts.find((a) => a.name === name)
  if (!account?.privateKey) throw new Error(`no account ${name}`)
  const key = Uint8Array.from(Buffer.from(account.privateKey, 'hex'))
  const client = await createSigningChainClient({
    rpcUrl: chain.rpcUrl,
    signer: createPrivateKeySigner(key),
    gasPrice: '0upokt',
    pollingInterval: 100,
  })
  return { key, address: account.address, client }
}

/**
 * The public keys of an application's ring for the session ending at `sessionEndHeight`: the
 * application and the gateways it delegates to, as read from the chain.
 */
export async function getRing(
  client: ChainClient,
  applicationAddress: string,
  sessionEndHeight: bigint,
): Promise<Uint8Array[]> {
  const application = await client.getApplication({ address: applicationAddress })
  return resolveApplicationRing(application, sessionEndHeight, createPublicKeyCache(client))
}

/**
 * A relay of a JSON POST (an OpenAI request by default) for one supplier, ring-signed by an
 * application or a gateway of its ring, serialized as it goes on the wire.
 */
export function signJsonRelay(p: {
  session: BuildRelayRequestParameters['sessionHeader']
  supplier: string
  signer: Uint8Array
  ring: Uint8Array[]
  body: unknown
  url?: string
  headers?: Record<string, string | string[]>
}): Uint8Array {
  return serializeRelayRequest(
    signRelayRequest(
      buildRelayRequest({
        sessionHeader: p.session,
        supplierOperatorAddress: p.supplier,
        payload: createPoktHttpRequest({
          method: 'POST',
          url: p.url ?? '/v1/chat/completions',
          headers: { 'content-type': 'application/json', ...p.headers },
          body: JSON.stringify(p.body),
        }),
      }),
      { signer: p.signer, ring: p.ring },
    ),
  )
}

/**
 * Waits (up to a minute) for a supplier's accepted proof of the session. Settlement deletes
 * proofs, so this reads the EventProofSubmitted of the proof's transaction instead.
 */
export async function findProof(
  client: ChainClient,
  session: SessionHeaderFields,
  supplierAddress: string,
): Promise<{ height: bigint; numRelays: bigint }> {
  let height = session.sessionEndBlockHeight
  return poll(60_000, async () => {
    // block_results of the newest height can lag /status for a moment: stop one short.
    for (const latest = await client.getLatestHeight(); height < latest; height++) {
      const results = await client.getBlockResults({ height })
      for (const tx of results.txResults) {
        if (tx.code !== 0) continue
        const event = findEvents(tx.events, EventProofSubmittedSchema).find(
          (e) =>
            e.supplierOperatorAddress === supplierAddress &&
            e.applicationAddress === session.applicationAddress &&
            e.serviceId === session.serviceId &&
            e.sessionEndBlockHeight === session.sessionEndBlockHeight,
        )
        if (event) return { height, numRelays: event.numRelays }
      }
    }
    return undefined
  })
}
