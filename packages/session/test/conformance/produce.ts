// Writes what @decai/session builds, for the Go reference to verify (`conformance verify`):
//   session-http-requests    POKTHTTPRequest / POKTHTTPResponse bytes from raw HTTP parts
//   session-relay-requests   ring-signed relay requests (application and gateway signers)
//   session-relay-responses  supplier-signed relay responses and the relays they mine
//   session-relay-streams    streamed responses (docs/streaming.md) and their mined relay
// Usage: pnpm exec tsx packages/session/test/conformance/produce.ts <outDir>
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  generatePrivateKey,
  getAddress,
  getPlaceholderRingKey,
  getPublicKey,
  getRingAddresses,
} from '@decai/crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  buildRelayRequest,
  buildRelayResponse,
  createPoktHttpRequest,
  createPoktHttpResponse,
  createRelayStreamSigner,
  getRelayRequestSignableBytesHash,
  getRelayResponseSignableBytesHash,
  getSessionEndHeight,
  getSessionId,
  getSessionStartHeight,
  type HttpRequestParts,
  serializePoktHttpRequest,
  serializePoktHttpResponse,
  serializeRelay,
  serializeRelayRequest,
  serializeRelayResponse,
  signRelayRequest,
  signRelayResponse,
} from '../../src/index.js'

const outDir = process.argv[2] ?? ''
if (outDir === '') throw new Error('usage: produce.ts <outDir>')
mkdirSync(outDir, { recursive: true })

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const utf8 = (s: string) => new TextEncoder().encode(s)
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!

function write(kind: string, cases: unknown[]) {
  writeFileSync(join(outDir, `${kind}.json`), JSON.stringify({ kind, cases }, null, 1))
  console.log(`${kind}: ${cases.length} cases`)
}

// --- HTTP payloads ---

const headerNames = [
  'content-type',
  'Content-Type',
  'ACCEPT',
  'x-request-id',
  'authorization',
  'x y',
  'ü-header',
  'a-b-c',
  'www-AUTHENTICATE',
  'te',
  'x_under',
  '1-2',
]
const words = ['application/json', 'text/event-stream', 'Bearer k', '', 'a, b', 'ü', 'gzip']

function randomHeaders(): [string, string][] {
  return Array.from({ length: Math.floor(Math.random() * 6) }, () => [
    pick(headerNames),
    pick(words),
  ])
}

const httpCases: unknown[] = []
for (let i = 0; i < 40; i++) {
  const headers = randomHeaders()
  const body = i % 5 === 0 ? new Uint8Array() : random(1 + Math.floor(Math.random() * 200))
  if (i % 2 === 0) {
    const parts: HttpRequestParts = {
      method: pick(['POST', 'GET', 'PUT']),
      url: pick(['/v1/chat/completions', 'http://llm:8080/v1/completions?stream=true', '']),
      headers,
      body,
    }
    const bytes = serializePoktHttpRequest(createPoktHttpRequest(parts))
    httpCases.push({ name: `http-request-${i}`, ...parts, body: hex(body), bytes: hex(bytes) })
  } else {
    const status = pick([200, 204, 429, 500])
    const bytes = serializePoktHttpResponse(createPoktHttpResponse({ status, headers, body }))
    httpCases.push({
      name: `http-response-${i}`,
      status,
      headers,
      body: hex(body),
      bytes: hex(bytes),
    })
  }
}
write('session-http-requests', httpCases)

// --- relays ---

function key() {
  const privateKey = generatePrivateKey()
  return { privateKey, publicKey: getPublicKey(privateKey), address: getAddress(privateKey) }
}

function scenario(gatewayCount: number, signerIsGateway: boolean) {
  const app = key()
  const gateways = Array.from({ length: gatewayCount }, key)
  const supplier = key()
  const params = { numBlocksPerSession: 10n }
  const height = BigInt(1 + Math.floor(Math.random() * 100_000))
  const serviceId = pick(['llm-qwen', 'anvil', 'svc_1', 'A-b_C'])
  const sessionHeader = {
    applicationAddress: app.address,
    serviceId,
    sessionId: getSessionId(params, {
      blockHash: random(32),
      serviceId,
      applicationAddress: app.address,
      height,
    }),
    sessionStartBlockHeight: getSessionStartHeight(params, height),
    sessionEndBlockHeight: getSessionEndHeight(params, height),
  }
  const publicKeys = Object.fromEntries(
    [app, ...gateways].map((k) => [k.address, hex(k.publicKey)]),
  )
  const placeholder = getPlaceholderRingKey()
  const ring = getRingAddresses({
    appAddress: app.address,
    delegateeGatewayAddresses: gateways.map((g) => g.address),
    sessionEndHeight: sessionHeader.sessionEndBlockHeight,
  }).map((a) =>
    a === placeholder.ringAddress ? placeholder.publicKey : Buffer.from(publicKeys[a]!, 'hex'),
  )
  const signer = signerIsGateway && gateways.length > 0 ? pick(gateways) : app
  const request = signRelayRequest(
    buildRelayRequest({
      sessionHeader,
      supplierOperatorAddress: supplier.address,
      payload: createPoktHttpRequest({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: randomHeaders(),
        body: `{"model":"m","stream":true,"messages":[{"role":"user","content":"${hex(random(8))}"}]}`,
      }),
    }),
    { signer: signer.privateKey, ring },
  )
  const ringInfo = {
    appAddress: app.address,
    delegateeGatewayAddresses: gateways.map((g) => g.address),
    publicKeys,
  }
  return { supplier, sessionHeader, request, ringInfo, role: signer === app ? 'app' : 'gateway' }
}

const requestCases: unknown[] = []
const responseCases: unknown[] = []
const streamCases: unknown[] = []
for (let i = 0; i < 24; i++) {
  const s = scenario(i % 4, i % 3 !== 0)
  const requestBytes = serializeRelayRequest(s.request)
  requestCases.push({
    name: `request-${i}-${s.role}`,
    ring: s.ringInfo,
    request: hex(requestBytes),
    signableHash: hex(getRelayRequestSignableBytesHash(s.request)),
  })

  const response = signRelayResponse(
    buildRelayResponse({
      sessionHeader: s.sessionHeader,
      payload: createPoktHttpResponse({
        status: pick([200, 200, 500]),
        headers: { 'content-type': 'application/json' },
        body: `{"choices":[{"text":"${hex(random(6))}"}]}`,
      }),
    }),
    s.supplier.privateKey,
  )
  const relay = serializeRelay(s.request, response)
  responseCases.push({
    name: `response-${i}`,
    request: hex(requestBytes),
    response: hex(serializeRelayResponse(response)),
    signableHash: hex(getRelayResponseSignableBytesHash(response)),
    supplierPublicKey: hex(s.supplier.publicKey),
    relay: hex(relay),
    relayHash: hex(sha256(relay)),
  })

  if (i % 3 === 0) {
    const signer = createRelayStreamSigner({
      request: s.request,
      privateKey: s.supplier.privateKey,
    })
    const initial = i % 2 === 0 ? utf8(': ok\n\n') : new Uint8Array()
    const frames = [
      signer.head(
        createPoktHttpResponse({
          status: 200,
          headers: { 'content-type': 'text/event-stream' },
          body: initial,
        }),
      ),
    ]
    const chunks = [
      ...Array.from({ length: 3 + i }, (_, t) => utf8(`data: {"token":${t}}\n\n`)),
      utf8(`data: ${'x'.repeat(20_000)}\n\n`), // a 3-byte length prefix
      utf8('data: [DONE]\n\n'),
    ]
    for (const c of chunks) frames.push(signer.data(c))
    frames.push(signer.end())
    const stream = Buffer.concat(frames)
    const minedRelay = signer.relay()
    streamCases.push({
      name: `stream-${i}`,
      ring: s.ringInfo,
      request: hex(requestBytes),
      stream: hex(stream),
      supplierPublicKey: hex(s.supplier.publicKey),
      body: hex(Buffer.concat([initial, ...chunks])),
      relay: hex(minedRelay),
      relayHash: hex(sha256(minedRelay)),
    })
  }
}
write('session-relay-requests', requestCases)
write('session-relay-responses', responseCases)
write('session-relay-streams', streamCases)
