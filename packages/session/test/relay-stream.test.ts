import { verifySupplierSignature } from '@decai/crypto'
import { clone, RelayResponseSchema, RelaySchema, unmarshal } from '@decai/protocol'
import { describe, expect, it } from 'vitest'
import {
  createPoktHttpResponse,
  createRelayStreamSigner,
  createRelayStreamVerifier,
  encodeRelayStreamFrame,
  getRelayResponseSignableBytesHash,
  isSessionError,
  parseRelayResponse,
  type RelayStreamPart,
  signRelayRequest,
  verifyRelayResponse,
} from '../src/index.js'
import { createRelayFixture } from './relay-fixture.js'

const f = createRelayFixture()
const utf8 = (s: string) => new TextEncoder().encode(s)

function sampleStream(request = f.request) {
  const signer = createRelayStreamSigner({ request, privateKey: f.supplier.privateKey })
  const frames = [
    signer.head(
      createPoktHttpResponse({ status: 200, headers: { 'content-type': 'text/event-stream' } }),
    ),
    ...['data: {"t":"Hel"}\n\n', 'data: {"t":"lo"}\n\n', 'data: [DONE]\n\n'].map((e) =>
      signer.data(utf8(e)),
    ),
    signer.end(),
  ]
  return { signer, frames }
}

const verifier = () =>
  createRelayStreamVerifier({
    request: f.request,
    supplierOperatorAddress: f.supplier.address,
    supplierPublicKey: f.supplier.publicKey,
  })

const codeOf = (run: () => unknown) => {
  try {
    run()
  } catch (e) {
    if (isSessionError(e)) return e.code
    throw e
  }
  return 'OK'
}

// A frame's body (without its length prefix).
const body = (frame: Uint8Array) => frame.subarray(1 + (frame[0]! >= 0x80 ? 1 : 0))

describe('streamed relay responses', () => {
  it('verifies every part as it arrives, whatever the transport splits', () => {
    const { frames } = sampleStream()
    const all = new Uint8Array(frames.reduce((n, x) => n + x.length, 0))
    let o = 0
    for (const x of frames) {
      all.set(x, o)
      o += x.length
    }
    for (const step of [1, 7, 64, all.length]) {
      const v = verifier()
      const parts: RelayStreamPart[] = []
      for (let i = 0; i < all.length; i += step) parts.push(...v.push(all.subarray(i, i + step)))
      v.finish()
      expect(parts.map((p) => p.kind)).toEqual(['head', 'data', 'data', 'data', 'end'])
      const text = parts
        .map((p) => (p.kind === 'data' ? new TextDecoder().decode(p.bytes) : ''))
        .join('')
      expect(text).toBe('data: {"t":"Hel"}\n\ndata: {"t":"lo"}\n\ndata: [DONE]\n\n')
      const head = parts[0]
      expect(head?.kind === 'head' && head.response.statusCode).toBe(200)
    }
  })

  it('leaves a minable relay that the chain rules accept', () => {
    const { signer, frames } = sampleStream()
    const relay = unmarshal(RelaySchema, signer.relay())
    const final = parseRelayResponse(body(frames.at(-1)!))
    expect(relay.res).toEqual(final)
    // What the chain checks at proof time: the supplier signature over the signable bytes.
    const signature = relay.res!.meta!.supplierOperatorSignature
    const hash = getRelayResponseSignableBytesHash(relay.res!)
    expect(verifySupplierSignature(signature, hash, f.supplier.publicKey)).toBe(true)
    // As a whole response it is not acceptable: its payload hash is a chain link.
    const asWhole = verifyRelayResponse(relay.res!, {
      sessionHeader: f.session.header,
      supplierOperatorAddress: f.supplier.address,
      supplierPublicKey: f.supplier.publicKey,
    })
    expect(asWhole.ok || asWhole.error.code).toBe('RELAY_RESPONSE_PAYLOAD_HASH_MISMATCH')
  })

  it('rejects reordered, spliced, extra and truncated streams with their codes', () => {
    const { frames } = sampleStream()
    // The same request signed again (ring signatures are randomized): another relay.
    const again = signRelayRequest(f.unsigned, { signer: f.gateway.privateKey, ring: f.ring })
    const other = sampleStream(again).frames
    const run =
      (list: Uint8Array[], finish = true) =>
      () => {
        const v = verifier()
        for (const x of list) v.push(x)
        if (finish) v.finish()
      }
    expect(codeOf(run(frames))).toBe('OK')
    expect(codeOf(run([frames[0]!, frames[2]!]))).toBe('RELAY_STREAM_CHAIN_MISMATCH')
    // Frames answering another request do not continue this stream, even with equal content.
    expect(codeOf(run([frames[0]!, other[1]!]))).toBe('RELAY_STREAM_CHAIN_MISMATCH')
    expect(codeOf(run([...frames, frames[1]!]))).toBe('RELAY_STREAM_AFTER_END')
    expect(codeOf(run(frames.slice(0, 3)))).toBe('RELAY_STREAM_TRUNCATED')
    expect(codeOf(run([Uint8Array.of(0)]))).toBe('RELAY_STREAM_MALFORMED')
    const tampered = clone(RelayResponseSchema, parseRelayResponse(body(frames[1]!)))
    tampered.payload = utf8('data: {"t":"Bye"}\n\n')
    expect(codeOf(run([frames[0]!, encodeRelayStreamFrame(tampered)]))).toBe(
      'RELAY_STREAM_CHAIN_MISMATCH',
    )
    const unsigned = clone(RelayResponseSchema, parseRelayResponse(body(frames[1]!)))
    unsigned.meta!.supplierOperatorSignature = f.supplier.publicKey
      .slice(0, 33)
      .fill(1)
      .subarray(0, 64)
    expect(codeOf(run([frames[0]!, encodeRelayStreamFrame(unsigned)]))).toBe(
      'RELAY_RESPONSE_SIGNATURE_INVALID',
    )
  })

  it('refuses to sign out of order', () => {
    const signer = createRelayStreamSigner({
      request: f.request,
      privateKey: f.supplier.privateKey,
    })
    expect(codeOf(() => signer.data(utf8('x')))).toBe('RELAY_STREAM_MALFORMED')
    signer.head(createPoktHttpResponse({ status: 200 }))
    expect(codeOf(() => signer.relay())).toBe('RELAY_STREAM_TRUNCATED')
    expect(codeOf(() => signer.data(new Uint8Array()))).toBe('RELAY_STREAM_MALFORMED')
    signer.end()
    expect(codeOf(() => signer.data(utf8('x')))).toBe('RELAY_STREAM_AFTER_END')
  })
})
