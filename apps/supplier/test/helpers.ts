// Test harness: a devnet with one LLM service, an application and a supplier staked at genesis,
// and an application-side client that signs relays with @decai/session exactly as a gateway
// does, sends them over HTTP and verifies the signed answers.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ChainClient, createChainClient } from '@decai/chain'
import { getRingAddresses, hexToBytes, resolveRingPublicKeys } from '@decai/crypto'
import { type Devnet, type DevnetConfig, startDevnet } from '@decai/devnet'
import type { RelayRequest, RelayResponse, SessionHeader } from '@decai/protocol'
import { POKTHTTPResponseSchema, unmarshal } from '@decai/protocol'
import {
  buildRelayRequest,
  createPoktHttpRequest,
  createRelayStreamVerifier,
  isRelayStreamContentType,
  parseRelayResponse,
  RELAY_STREAM_HEADER,
  RELAY_STREAM_VERSION,
  type RelayStreamPart,
  serializeRelay,
  serializeRelayRequest,
  signRelayRequest,
  verifyRelayResponse,
} from '@decai/session'
import type { SupplierConfigInput } from '../src/index.js'

export const SERVICE_ID = 'llm'
export const MODEL = 'smollm2-135m-instruct'

/** Devnet accounts by name (the public TEST mnemonic). */
export function account(devnet: Devnet, name: string): { address: string; privateKey: Uint8Array } {
  const a = devnet.accounts.find((x) => x.name === name)
  if (!a?.privateKey) throw new Error(`no devnet account ${name}`)
  return { address: a.address, privateKey: hexToBytes(a.privateKey) }
}

export type ChainOptions = {
  /** Extra devnet params (merged over a proof threshold of 1 uPOKT: every claim is proven). */
  params?: DevnetConfig['params']
  /** Application stake in uPOKT. */
  appStake?: bigint
  computeUnitsPerRelay?: number
  dataDir?: string
  /** More services and applications staked at genesis. */
  services?: NonNullable<DevnetConfig['services']>
  applications?: NonNullable<DevnetConfig['applications']>
}

/** A devnet with the service, the application and `supplier1` staked from genesis. */
export function startChain(options: ChainOptions = {}): Promise<Devnet> {
  return startDevnet({
    port: 0,
    blockTimeMs: 0,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    onError: () => {},
    config: {
      params: {
        proof: { proof_requirement_threshold: { denom: 'upokt', amount: '1' } },
        ...options.params,
      },
      services: [
        {
          id: SERVICE_ID,
          name: 'LLM',
          computeUnitsPerRelay: options.computeUnitsPerRelay ?? 10,
          owner: 'owner',
        },
        ...(options.services ?? []),
      ],
      applications: [
        {
          address: 'application',
          stake: (options.appStake ?? 100_000_000n).toString(),
          serviceId: SERVICE_ID,
        },
        { address: 'user2', stake: '1000000', serviceId: SERVICE_ID },
        ...(options.applications ?? []),
      ],
      suppliers: [
        {
          owner: 'supplier1',
          stake: '2000000',
          services: [{ serviceId: SERVICE_ID, url: 'http://127.0.0.1:1' }],
        },
      ],
    },
  })
}

export function tempDir(prefix = 'decai-supplier-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** A supplier config for the devnet's `supplier1` in front of `backendUrl`. */
export function supplierConfig(
  devnet: Devnet,
  backendUrl: string,
  overrides: Partial<SupplierConfigInput> & { service?: Record<string, unknown> } = {},
): SupplierConfigInput {
  const { service, ...rest } = overrides
  return {
    operator: { privateKey: Buffer.from(account(devnet, 'supplier1').privateKey).toString('hex') },
    chain: { rpcUrl: devnet.rpcUrl, gasPrice: '0upokt', pollingInterval: '50ms' },
    listenAddress: '127.0.0.1:0',
    metricsAddress: '127.0.0.1:0',
    storage: { dir: tempDir() },
    services: [{ id: SERVICE_ID, backendUrl, timeout: '60s', ...service }],
    log: { level: (process.env['SUPPLIER_LOG'] ?? 'silent') as 'silent' },
    ...(process.env['SUPPLIER_VERIFY_WORKERS']
      ? { verifyWorkers: Number(process.env['SUPPLIER_VERIFY_WORKERS']) }
      : {}),
    ...rest,
  } as SupplierConfigInput
}

/**
 * Produces blocks until `done()` holds, one at a time: the next block comes only once every
 * supplier has seen the last one and either finished what that block made due or put its
 * transaction in the mempool (so each lifecycle step is observable).
 */
export async function driveUntil(
  devnet: Devnet,
  done: () => boolean | Promise<boolean>,
  { maxBlocks = 40, suppliers = [] as { height: bigint; busy: boolean }[], pauseMs = 100 } = {},
): Promise<void> {
  for (let i = 0; i <= maxBlocks; i++) {
    if (suppliers.length === 0) await new Promise((r) => setTimeout(r, pauseMs))
    else
      await waitUntil(
        () =>
          suppliers.every(
            (s) => s.height >= devnet.height && (!s.busy || devnet.node.pendingTxs.length > 0),
          ),
        30_000,
      )
    if (await done()) return
    if (i < maxBlocks) await devnet.produceBlock()
  }
  throw new Error(`condition not met after ${maxBlocks} blocks (height ${devnet.height})`)
}

/** Waits (without producing blocks) until `done()` holds. */
export async function waitUntil(
  done: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition')
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** The application's side: signs relays for its current session and checks the answers. */
export class AppClient {
  readonly client: ChainClient
  constructor(
    readonly devnet: Devnet,
    readonly app: { address: string; privateKey: Uint8Array },
    readonly supplierAddress: string,
    readonly supplierPublicKey: Uint8Array,
  ) {
    this.client = createChainClient({ rpcUrl: devnet.rpcUrl })
  }

  /** The devnet account `name` (the application by default) relaying to `supplier`. */
  static for(
    devnet: Devnet,
    supplier: { operatorAddress: string; publicKey: Uint8Array },
    name = 'application',
  ): AppClient {
    return new AppClient(
      devnet,
      account(devnet, name),
      supplier.operatorAddress,
      supplier.publicKey,
    )
  }

  async session(): Promise<SessionHeader> {
    const session = await this.client.getSession({
      applicationAddress: this.app.address,
      serviceId: SERVICE_ID,
    })
    return session.header!
  }

  async ring(header: SessionHeader): Promise<Uint8Array[]> {
    const app = await this.client.getApplication({ address: this.app.address })
    const addresses = getRingAddresses({
      appAddress: app.address,
      delegateeGatewayAddresses: app.delegateeGatewayAddresses,
      pendingUndelegations: app.pendingUndelegations,
      sessionEndHeight: header.sessionEndBlockHeight,
    })
    return resolveRingPublicKeys(addresses, async (address) => {
      const { publicKey } = await this.client.getAccount({ address })
      if (!publicKey) throw new Error(`${address} has no public key`)
      return publicKey
    })
  }

  /** A signed relay request carrying an HTTP request for the backend. */
  async signRelay(
    http: { method?: string; path: string; body?: unknown; headers?: Record<string, string> },
    header?: SessionHeader,
  ): Promise<RelayRequest> {
    const h = header ?? (await this.session())
    return signRelayRequest(
      buildRelayRequest({
        sessionHeader: h,
        supplierOperatorAddress: this.supplierAddress,
        payload: createPoktHttpRequest({
          method: http.method ?? 'POST',
          url: http.path,
          headers: { 'content-type': 'application/json', ...http.headers },
          body: http.body === undefined ? '' : JSON.stringify(http.body),
        }),
      }),
      { signer: this.app.privateKey, ring: await this.ring(h) },
    )
  }

  /** POSTs a relay (base protocol) and returns the verified response with its HTTP payload. */
  async send(url: string, request: RelayRequest): Promise<RelayResult> {
    const res = await fetch(url, {
      method: 'POST',
      body: serializeRelayRequest(request) as Uint8Array<ArrayBuffer>,
    })
    const bytes = new Uint8Array(await res.arrayBuffer())
    const response = parseRelayResponse(bytes)
    if (response.relayMinerError)
      return { ok: false, response, minerError: response.relayMinerError }
    const verified = verifyRelayResponse(bytes, {
      sessionHeader: request.meta!.sessionHeader!,
      supplierOperatorAddress: this.supplierAddress,
      supplierPublicKey: this.supplierPublicKey,
    })
    if (!verified.ok) throw verified.error
    const http = unmarshal(POKTHTTPResponseSchema, response.payload)
    return {
      ok: true,
      response,
      status: http.statusCode,
      body: new TextDecoder().decode(http.bodyBz),
      relay: serializeRelay(request, response),
    }
  }

  /** POSTs a relay asking for a signed stream, verifying each frame as it arrives. */
  async stream(
    url: string,
    request: RelayRequest,
    onPart?: (part: RelayStreamPart, at: number) => void,
  ): Promise<StreamResult> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { [RELAY_STREAM_HEADER]: RELAY_STREAM_VERSION },
      body: serializeRelayRequest(request) as Uint8Array<ArrayBuffer>,
    })
    if (!isRelayStreamContentType(res.headers.get('content-type'))) {
      const bytes = new Uint8Array(await res.arrayBuffer())
      return { streamed: false, parts: [], text: '', response: parseRelayResponse(bytes) }
    }
    const verifier = createRelayStreamVerifier({
      request,
      supplierOperatorAddress: this.supplierAddress,
      supplierPublicKey: this.supplierPublicKey,
    })
    const parts: RelayStreamPart[] = []
    let text = ''
    let error: unknown
    const reader = res.body!.getReader()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        for (const part of verifier.push(value)) {
          parts.push(part)
          onPart?.(part, performance.now())
          if (part.kind === 'data') text += new TextDecoder().decode(part.bytes)
        }
      }
      verifier.finish()
    } catch (e) {
      error = e
    }
    const end = parts.find((p) => p.kind === 'end')
    return {
      streamed: true,
      parts,
      text,
      error,
      ...(end ? { relay: serializeRelay(request, end.frame) } : {}),
    }
  }
}

export type RelayResult =
  | {
      ok: true
      response: RelayResponse
      status: number
      body: string
      /** The relay bytes the supplier mines (request + response without payload). */
      relay: Uint8Array
    }
  | {
      ok: false
      response: RelayResponse
      minerError: NonNullable<RelayResponse['relayMinerError']>
    }

export type StreamResult = {
  streamed: boolean
  parts: RelayStreamPart[]
  text: string
  error?: unknown
  relay?: Uint8Array
  response?: RelayResponse
}

/** OpenAI-style chat body for the real model (greedy, a few tokens). */
export function chatBody(content: string, extra: Record<string, unknown> = {}) {
  return {
    model: MODEL,
    messages: [{ role: 'user', content }],
    max_tokens: 8,
    temperature: 0,
    ...extra,
  }
}

/** The data of an SSE body's `data:` lines, `[DONE]` excluded, parsed. */
export function sseChunks(text: string): Record<string, unknown>[] {
  return text
    .split(/\n\n/)
    .map((e) => e.replace(/^data: ?/, '').trim())
    .filter((d) => d !== '' && d !== '[DONE]')
    .map((d) => JSON.parse(d) as Record<string, unknown>)
}
