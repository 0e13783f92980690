import { clone, RelayResponseSchema, RelaySchema, unmarshal } from '@decai/protocol'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import {
  countQuanta,
  decodeQuantumRecord,
  decodeRelayQuanta,
  encodeQuantumRecord,
  encodeRelayQuanta,
  getRelayRequestHash,
  getWorstCaseQuanta,
  isSessionError,
  type RelayQuantaVerification,
  serializeRelayResponse,
  signQuantumResponses,
  signRelayQuanta,
  type TokenMetering,
  verifyRelayQuanta,
} from '../src/index.js'
import { createRelayFixture, key } from './relay-fixture.js'

const f = createRelayFixture()
const metering: TokenMetering = { quantum: 100, inputWeight: 1, outputWeight: 4 }
const answerHash = sha256(new TextEncoder().encode('the answer'))

const sign = (count: number, privateKey = f.supplier.privateKey) =>
  signRelayQuanta({ request: f.request, answerHash, count, privateKey })

const verify = (quanta: Parameters<typeof verifyRelayQuanta>[0], worstCase = 10) =>
  verifyRelayQuanta(quanta, {
    request: f.request,
    answerHash,
    worstCase,
    sessionHeader: f.session.header,
    supplierOperatorAddress: f.supplier.address,
    supplierPublicKey: f.supplier.publicKey,
  })

const codeOf = (result: RelayQuantaVerification) => (result.ok ? 'OK' : result.error.code)
const thrown = (run: () => unknown) => {
  try {
    run()
  } catch (e) {
    if (isSessionError(e)) return e.code
    throw e
  }
  return 'OK'
}

describe('token quanta', () => {
  it('counts ceil((prompt × w_in + completion × w_out) / Q), at least one', () => {
    expect(countQuanta({ promptTokens: 20, completionTokens: 5 }, metering)).toBe(1)
    expect(countQuanta({ promptTokens: 20, completionTokens: 20 }, metering)).toBe(1)
    expect(countQuanta({ promptTokens: 21, completionTokens: 20 }, metering)).toBe(2)
    expect(countQuanta({ promptTokens: 20, completionTokens: 2000 }, metering)).toBe(81)
    expect(countQuanta({ promptTokens: 0, completionTokens: 0 }, metering)).toBe(1)
    expect(getWorstCaseQuanta({ promptTokens: 20, maxTokens: 2000 }, metering)).toBe(81)
    expect(
      thrown(() =>
        countQuanta({ promptTokens: 1, completionTokens: 1 }, { ...metering, quantum: 0 }),
      ),
    ).toBe('INVALID_PARAMS')
    expect(
      thrown(() =>
        countQuanta({ promptTokens: 1, completionTokens: 1 }, { ...metering, inputWeight: 0.5 }),
      ),
    ).toBe('INVALID_PARAMS')
    expect(thrown(() => countQuanta({ promptTokens: -1, completionTokens: 1 }, metering))).toBe(
      'INVALID_ARGUMENT',
    )
  })

  it('round-trips a record and refuses anything else', () => {
    const record = { requestHash: getRelayRequestHash(f.request), answerHash, index: 2, count: 3 }
    expect(decodeQuantumRecord(encodeQuantumRecord(record))).toEqual(record)
    const bytes = encodeQuantumRecord(record)
    expect(thrown(() => decodeQuantumRecord(bytes.subarray(1)))).toBe('QUANTUM_RECORD_MALFORMED')
    const bad = bytes.slice()
    bad.set([0, 0, 0, 3], bad.length - 8) // index 3 of 3
    expect(thrown(() => decodeQuantumRecord(bad))).toBe('QUANTUM_RECORD_MALFORMED')
    expect(thrown(() => encodeQuantumRecord({ ...record, index: 3 }))).toBe('INVALID_ARGUMENT')
  })

  it('signs one relay per quantum: same request, distinct relay hashes, payload dropped', () => {
    const quanta = sign(5)
    expect(quanta).toHaveLength(5)
    const hashes = new Set(quanta.map((q) => Buffer.from(sha256(q.relay)).toString('hex')))
    expect(hashes.size).toBe(5)
    for (const q of quanta) {
      const relay = unmarshal(RelaySchema, q.relay)
      expect(relay.req?.meta?.signature).toEqual(f.request.meta?.signature)
      expect(relay.res?.payload).toHaveLength(0)
      expect(relay.res?.payloadHash).toEqual(sha256(q.response.payload))
    }
  })

  it('verifies a complete, ordered set of quanta (objects or wire bytes)', () => {
    const quanta = sign(4)
    const result = verify(quanta.map((q) => serializeRelayResponse(q.response)))
    expect(result.ok && result.count).toBe(4)
    expect(codeOf(verify(quanta.map((q) => q.response)))).toBe('OK')
    // Over the wire, and signed again later from the hashes alone: the same bytes.
    const wire = encodeRelayQuanta(quanta.map((q) => q.response))
    expect(codeOf(verify(decodeRelayQuanta(wire)))).toBe('OK')
    const again = signQuantumResponses({
      sessionHeader: f.session.header,
      requestHash: getRelayRequestHash(f.request),
      answerHash,
      count: 4,
      privateKey: f.supplier.privateKey,
    })
    expect(encodeRelayQuanta(again)).toEqual(wire)
    expect(thrown(() => decodeRelayQuanta(wire.subarray(0, wire.length - 1)))).toBe(
      'QUANTUM_RECORD_MALFORMED',
    )
  })

  it('refuses indices out of order, duplicated, beyond the worst case, or missing', () => {
    const q = sign(4).map((x) => x.response)
    expect(codeOf(verify([q[0]!, q[2]!, q[1]!, q[3]!]))).toBe('QUANTUM_INDEX_OUT_OF_ORDER')
    expect(codeOf(verify([q[0]!, q[1]!, q[1]!, q[2]!, q[3]!]))).toBe('QUANTUM_INDEX_DUPLICATE')
    expect(codeOf(verify(q, 3))).toBe('QUANTUM_BEYOND_WORST_CASE')
    expect(codeOf(verify(q.slice(0, 3)))).toBe('QUANTA_INCOMPLETE')
    expect(codeOf(verify([]))).toBe('QUANTA_INCOMPLETE')
    // Quanta of two counts mixed: the supplier restated the answer's worth.
    const other = sign(5).map((x) => x.response)
    expect(codeOf(verify([q[0]!, other[1]!]))).toBe('QUANTUM_RECORD_MISMATCH')
  })

  it('refuses quanta that do not verify or answer something else', () => {
    const q = sign(2).map((x) => x.response)
    const stranger = key()
    expect(codeOf(verify(sign(2, stranger.privateKey).map((x) => x.response)))).toBe(
      'RELAY_RESPONSE_SIGNATURE_INVALID',
    )
    const tampered = clone(RelayResponseSchema, q[1]!)
    tampered.payload = tampered.payload.slice()
    tampered.payload[tampered.payload.length - 1] = 1
    expect(codeOf(verify([q[0]!, tampered]))).toBe('RELAY_RESPONSE_PAYLOAD_HASH_MISMATCH')
    const forOther = signRelayQuanta({
      request: f.request,
      answerHash: sha256(answerHash),
      count: 2,
      privateKey: f.supplier.privateKey,
    }).map((x) => x.response)
    expect(codeOf(verify(forOther))).toBe('QUANTUM_RECORD_MISMATCH')
    expect(codeOf(verify([new Uint8Array([0xff, 0xff])]))).toBe('RELAY_RESPONSE_MALFORMED')
  })
})
