// A supplier-like relay handler built from @decai/session: it verifies each relay request as a
// relay miner must, forwards it to an OpenAI-like backend, and signs the answer (streamed answers
// as signed frames). Modes break it on purpose for the client's failover tests.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ChainClient } from '@decai/chain'
import { generatePrivateKey, getAddress } from '@decai/crypto'
import { create, POKTHTTPRequestSchema, RelayResponseSchema, unmarshal } from '@decai/protocol'
import {
  buildRelayResponse,
  createPoktHttpResponse,
  createRelayStreamSigner,
  RELAY_STREAM_CONTENT_TYPE,
  RELAY_STREAM_HEADER,
  RELAY_STREAM_VERSION,
  serializeRelayResponse,
  signRelayResponse,
  verifyRelayRequest,
} from '@decai/session'
import { closeServer, readRing } from './network.js'

export type SupplierMode =
  /** Verify, forward, sign. */
  | 'ok'
  /** Drop the connection. */
  | 'down'
  /** Sign with a key that is not the supplier's. */
  | 'bad-signature'
  /** Answer with a relay miner error. */
  | 'miner-error'
  /** Stream the head and one data frame, then close without the final frame. */
  | 'truncate'
  /** Stream with the second data frame's payload altered after signing. */
  | 'tamper'
  /** Stream the head and one data frame, then drop the connection. */
  | 'cut'
  /** Answer with an endless unstreamed body (64 KiB writes, as fast as the client reads). */
  | 'flood'
  /** Stream the head, then signed data frames without end. */
  | 'flood-stream'

export type RelaySupplierOptions = {
  privateKey: Uint8Array
  chain: ChainClient
  serviceId: string
  backendUrl: string
  mode?: SupplierMode
}

export type TestSupplier = {
  url: string
  operatorAddress: string
  mode: SupplierMode
  /** Relays verified and answered. */
  readonly served: number
  /** Errors met verifying relay requests (should stay empty). */
  readonly rejected: string[]
  /** In the flood modes: bytes written before the client closed the connection. */
  readonly flooded: Promise<number>
  stop(): Promise<void>
}

export async function startRelaySupplier(options: RelaySupplierOptions): Promise<TestSupplier> {
  const { privateKey, chain, serviceId, backendUrl } = options
  const operatorAddress = getAddress(privateKey)
  const state = { mode: options.mode ?? 'ok', served: 0, rejected: [] as string[] }
  // `flooded` resolves with the first flood's count since the mode was last set.
  let floodDone: (bytes: number) => void = () => {}
  let flooded: Promise<number>
  const resetFlood = () => {
    flooded = new Promise<number>((resolve) => {
      floodDone = resolve
    })
  }
  resetFlood()
  // Writes `next()` until the client goes away (never ends on its own; gives up after 1 GiB).
  const flood = async (res: ServerResponse, next: () => Uint8Array) => {
    const done = floodDone
    let written = 0
    let closed = false
    res.on('close', () => {
      closed = true
    })
    while (!closed && written < 1 << 30) {
      const chunk = next()
      written += chunk.length
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            res.off('drain', go)
            res.off('close', go)
            resolve()
          }
          res.on('drain', go)
          res.on('close', go)
        })
      }
    }
    if (!closed) res.end()
    done(written)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (state.mode === 'down') {
      req.socket.destroy()
      return
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const bytes = new Uint8Array(Buffer.concat(chunks))
    const verified = await verifyRelayRequest(bytes, {
      currentHeight: await chain.getLatestHeight(),
      serviceId,
      supplierOperatorAddresses: [operatorAddress],
      getSharedParams: (height) => chain.getParams({ module: 'shared', height }),
      getRingPublicKeys: ({ applicationAddress, sessionEndHeight }) =>
        readRing(chain, applicationAddress, sessionEndHeight),
      getSession: async (p) => {
        const session = await chain.getSession(p)
        return {
          header: session.header!,
          supplierOperatorAddresses: session.suppliers.map((s) => s.operatorAddress),
        }
      },
    })
    if (!verified.ok) {
      state.rejected.push(verified.error.code)
      res.writeHead(400).end(verified.error.message)
      return
    }
    const request = verified.request
    const header = request.meta!.sessionHeader!
    if (state.mode === 'miner-error') {
      const response = create(RelayResponseSchema, {
        meta: { sessionHeader: header },
        relayMinerError: { codespace: 'relayer_proxy', code: 1, message: 'test refusal' },
      })
      res.writeHead(500).end(serializeRelayResponse(response))
      return
    }
    if (state.mode === 'flood') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      await flood(res, () => new Uint8Array(64 * 1024).fill(0x41))
      return
    }
    if (state.mode === 'flood-stream') {
      const signer = createRelayStreamSigner({ request, privateKey })
      res.writeHead(200, { 'content-type': RELAY_STREAM_CONTENT_TYPE })
      res.write(signer.head(createPoktHttpResponse({ status: 200, headers: [] })))
      const chunk = {
        id: 'flood',
        object: 'chat.completion.chunk',
        created: 0,
        model: 'flood',
        choices: [{ index: 0, delta: { content: 'x'.repeat(16 * 1024) }, finish_reason: null }],
      }
      const data = new TextEncoder().encode(`data: ${JSON.stringify(chunk)}\n\n`)
      await flood(res, () => signer.data(data))
      return
    }
    const http = unmarshal(POKTHTTPRequestSchema, request.payload)
    const upstream = await fetch(new URL(http.url, backendUrl), {
      method: http.method,
      headers: Object.values(http.header).flatMap(({ key, values }) =>
        values.map((v) => [key, v] as [string, string]),
      ),
      ...(http.bodyBz.length > 0 ? { body: http.bodyBz as Uint8Array<ArrayBuffer> } : {}),
    })
    const key = state.mode === 'bad-signature' ? generatePrivateKey() : privateKey
    const streaming =
      req.headers[RELAY_STREAM_HEADER.toLowerCase()] === RELAY_STREAM_VERSION &&
      (upstream.headers.get('content-type') ?? '').startsWith('text/event-stream')
    if (!streaming) {
      const body = new Uint8Array(await upstream.arrayBuffer())
      const response = signRelayResponse(
        buildRelayResponse({
          sessionHeader: header,
          payload: createPoktHttpResponse({
            status: upstream.status,
            headers: headerPairs(upstream.headers),
            body,
          }),
        }),
        key,
      )
      state.served++
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.end(serializeRelayResponse(response))
      return
    }
    const signer = createRelayStreamSigner({ request, privateKey: key })
    res.writeHead(200, { 'content-type': RELAY_STREAM_CONTENT_TYPE })
    res.write(
      signer.head(
        createPoktHttpResponse({ status: upstream.status, headers: headerPairs(upstream.headers) }),
      ),
    )
    let frames = 0
    const reader = upstream.body!.getReader()
    for (;;) {
      const { done, value: chunk } = await reader.read()
      if (done) break
      const frame = signer.data(chunk)
      frames++
      if (state.mode === 'tamper' && frames === 2) frame[frame.length - 1]! ^= 1
      res.write(frame)
      if (state.mode === 'truncate' && frames === 1) {
        res.end()
        return
      }
      if (state.mode === 'cut' && frames === 1) {
        await new Promise((r) => setTimeout(r, 50))
        res.socket?.destroy()
        return
      }
    }
    res.end(signer.end())
    state.served++
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      state.rejected.push(String(error))
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    operatorAddress,
    get mode() {
      return state.mode
    },
    set mode(mode: SupplierMode) {
      state.mode = mode
      resetFlood()
    },
    get served() {
      return state.served
    },
    get rejected() {
      return state.rejected
    },
    get flooded() {
      return flooded
    },
    stop: () => closeServer(server),
  }
}

function headerPairs(headers: Headers): [string, string][] {
  const pairs: [string, string][] = []
  headers.forEach((value, key) => {
    pairs.push([key, value])
  })
  return pairs
}
