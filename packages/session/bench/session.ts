// Timings of @decai/session's hot paths. Run: pnpm bench (in packages/session).
// Prints ns/op and ops/s; no assertions. The relay-stream numbers are the added latency per
// streamed frame (docs/streaming.md).

import { seededFloat64 } from '../src/go-compat.js'
import { getRngCooked } from '../src/go-rand-cooked.js'
import {
  buildRelayResponse,
  computeRelaysEma,
  createPoktHttpResponse,
  createRelayStreamSigner,
  createRelayStreamVerifier,
  getSessionId,
  hydrateSession,
  signRelayResponse,
  verifyRelayRequest,
  verifyRelayResponse,
} from '../src/index.js'
import { createRelayFixture } from '../test/relay-fixture.js'

function time(name: string, minMs: number, op: (i: number) => unknown) {
  for (let i = 0; i < 5; i++) op(i)
  let n = 0
  const start = performance.now()
  while (performance.now() - start < minMs) op(n++)
  const ns = ((performance.now() - start) * 1e6) / n
  console.log(
    `${name.padEnd(44)} ${ns.toFixed(0).padStart(10)} ns/op ${(1e9 / ns).toFixed(0).padStart(9)} ops/s`,
  )
}

async function timeAsync(name: string, minMs: number, op: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 3; i++) await op(i)
  let n = 0
  const start = performance.now()
  while (performance.now() - start < minMs) await op(n++)
  const ns = ((performance.now() - start) * 1e6) / n
  console.log(
    `${name.padEnd(44)} ${ns.toFixed(0).padStart(10)} ns/op ${(1e9 / ns).toFixed(0).padStart(9)} ops/s`,
  )
}

const t0 = performance.now()
getRngCooked()
console.log(
  `${'math/rand rngCooked derivation (once)'.padEnd(44)} ${(performance.now() - t0).toFixed(1)} ms`,
)

const params = { numBlocksPerSession: 60n }
const blockHash = new Uint8Array(32).fill(1)
time('getSessionId', 300, (i) =>
  getSessionId(params, {
    blockHash,
    serviceId: 'llm',
    applicationAddress: 'pokt1app',
    height: BigInt(i + 1),
  }),
)
const candidates = Array.from({ length: 1000 }, (_, i) => ({
  operatorAddress: `pokt1supplier${i.toString().padStart(6, '0')}`,
  activationHeight: 1n,
  deactivationHeight: 0n,
}))
time('hydrateSession (1000 candidates, 50 picked)', 500, (i) =>
  hydrateSession({
    params,
    numSuppliersPerSession: 50n,
    blockHash,
    serviceId: 'llm',
    applicationAddress: 'pokt1app',
    height: BigInt(i + 1),
    candidates,
  }),
)
const seed = new Uint8Array(64)
time('seededFloat64 (proof requirement sample)', 300, (i) => {
  seed[0] = i & 0xff
  seed[1] = i >> 8
  return seededFloat64(seed)
})
time('computeRelaysEma', 200, (i) => computeRelaysEma(BigInt(i) * 1000n, 123456n))

const f = createRelayFixture()
await timeAsync('verifyRelayRequest (ring of 2, supplier side)', 1000, () =>
  verifyRelayRequest(f.request, f.context),
)
const response = signRelayResponse(
  buildRelayResponse({
    sessionHeader: f.session.header,
    payload: createPoktHttpResponse({ status: 200, body: 'x'.repeat(2000) }),
  }),
  f.supplier.privateKey,
)
time('signRelayResponse (2 KB body)', 500, () => signRelayResponse(response, f.supplier.privateKey))
time('verifyRelayResponse (2 KB body)', 500, () =>
  verifyRelayResponse(response, {
    sessionHeader: f.session.header,
    supplierOperatorAddress: f.supplier.address,
    supplierPublicKey: f.supplier.publicKey,
  }),
)

// Streaming: one frame per token-sized SSE event.
const token = new TextEncoder().encode('data: {"choices":[{"delta":{"content":" token"}}]}\n\n')
const signer = createRelayStreamSigner({ request: f.request, privateKey: f.supplier.privateKey })
signer.head(
  createPoktHttpResponse({ status: 200, headers: { 'content-type': 'text/event-stream' } }),
)
const frames: Uint8Array[] = []
time('stream: sign one token frame (supplier)', 1000, () => frames.push(signer.data(token)))
const verifier = createRelayStreamVerifier({
  request: f.request,
  supplierOperatorAddress: f.supplier.address,
  supplierPublicKey: f.supplier.publicKey,
})
const head = createRelayStreamSigner({ request: f.request, privateKey: f.supplier.privateKey })
verifier.push(
  head.head(
    createPoktHttpResponse({ status: 200, headers: { 'content-type': 'text/event-stream' } }),
  ),
)
const replay = createRelayStreamSigner({ request: f.request, privateKey: f.supplier.privateKey })
replay.head(
  createPoktHttpResponse({ status: 200, headers: { 'content-type': 'text/event-stream' } }),
)
const ordered = Array.from({ length: 4000 }, () => replay.data(token))
let k = 0
time('stream: verify one token frame (client)', 1000, () => verifier.push(ordered[k++]!))
