import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  encodeRelayQuanta,
  type FetchedRelayQuanta,
  fetchRelayQuanta,
  getRelayQuantaUrl,
  getRelayRequestHash,
  signRelayQuanta,
} from '../src/index.js'
import { createRelayFixture } from './relay-fixture.js'

// `fetchRelayQuanta` against a real HTTP server playing the supplier's `GET /quanta/<hash>`.

const f = createRelayFixture()
const answerHash = sha256(new TextEncoder().encode('the answer'))
const wire = (count: number) =>
  encodeRelayQuanta(
    signRelayQuanta({
      request: f.request,
      answerHash,
      count,
      privateKey: f.supplier.privateKey,
    }).map((q) => q.response),
  )

/** What the server answers next: a status and a body. */
let answer: { status: number; body: Uint8Array } = { status: 200, body: new Uint8Array() }
let seenPath = ''
let server: Server
let url = ''

beforeAll(async () => {
  server = createServer((req, res) => {
    seenPath = req.url ?? ''
    res.writeHead(answer.status, { 'content-type': 'application/x-decai-quanta; version=1' })
    res.end(answer.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const fetchQuanta = (worstCase = 10, at = url) =>
  fetchRelayQuanta({
    url: at,
    request: f.request,
    answerHash,
    worstCase,
    sessionHeader: f.session.header,
    supplierOperatorAddress: f.supplier.address,
    supplierPublicKey: f.supplier.publicKey,
  })
const codeOf = (r: FetchedRelayQuanta) => (r.ok ? `OK ${r.count}` : r.error.code)

describe('fetchRelayQuanta', () => {
  it('reads the quanta beside the relay URL, by the request hash, and verifies them', async () => {
    answer = { status: 200, body: wire(3) }
    const fetched = await fetchQuanta()
    expect(codeOf(fetched)).toBe('OK 3')
    expect(seenPath).toBe(`/quanta/${bytesToHex(getRelayRequestHash(f.request))}`)
    expect(fetched.quanta).toHaveLength(3)
    expect(getRelayQuantaUrl('http://h:1/relay/', f.request)).toBe(
      `http://h:1/relay/quanta/${bytesToHex(getRelayRequestHash(f.request))}`,
    )
  })

  it('tells a supplier without quanta from one that cannot serve them', async () => {
    answer = { status: 404, body: new TextEncoder().encode('{"error":"unknown request"}') }
    expect(codeOf(await fetchQuanta())).toBe('QUANTA_NOT_FOUND')
    answer = { status: 503, body: new Uint8Array() }
    expect(codeOf(await fetchQuanta())).toBe('QUANTA_UNAVAILABLE')
    expect(codeOf(await fetchQuanta(10, 'http://127.0.0.1:1/'))).toBe('QUANTA_UNAVAILABLE')
  })

  it('refuses padded quanta with their code and keeps them as evidence', async () => {
    answer = { status: 200, body: wire(12) }
    const padded = await fetchQuanta(10)
    expect(codeOf(padded)).toBe('QUANTUM_BEYOND_WORST_CASE')
    expect(padded.quanta).toHaveLength(12)
    // Far more bytes than the worst case's quanta take: refused before decoding.
    answer = { status: 200, body: wire(200) }
    const flood = await fetchQuanta(2)
    expect(codeOf(flood)).toBe('QUANTUM_BEYOND_WORST_CASE')
    expect(flood.quanta).toHaveLength(0)
    answer = { status: 200, body: new Uint8Array([0x05, 1, 2]) }
    expect(codeOf(await fetchQuanta())).toBe('QUANTUM_RECORD_MALFORMED')
  })
})
