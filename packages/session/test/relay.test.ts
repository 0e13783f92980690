import { getPublicKey } from '@decai/crypto'
import {
  clone,
  create,
  knownRelayMinerErrors,
  RelayRequestSchema,
  RelayResponseSchema,
} from '@decai/protocol'
import { describe, expect, it } from 'vitest'
import {
  buildRelay,
  buildRelayResponse,
  checkRelayRewardEligibility,
  createPoktHttpResponse,
  getRelayRequestSignableBytesHash,
  getRelayResponseSignableBytesHash,
  isSessionError,
  parseRelayRequest,
  serializeRelayRequest,
  serializeRelayResponse,
  signRelayRequest,
  signRelayResponse,
  type VerifyRelayRequestContext,
  verifyRelayRequest,
  verifyRelayResponse,
} from '../src/index.js'
import { createRelayFixture, key, params } from './relay-fixture.js'

const f = createRelayFixture()

async function codeOfRequest(
  request: Parameters<typeof verifyRelayRequest>[0],
  context: Partial<VerifyRelayRequestContext> = {},
) {
  const result = await verifyRelayRequest(request, { ...f.context, ...context })
  return result.ok ? 'OK' : result.error.code
}

const mutate = (edit: (r: typeof f.request) => void) => {
  const r = clone(RelayRequestSchema, f.request)
  edit(r)
  return r
}

describe('relay requests', () => {
  it('round-trips through bytes and verifies as the supplier', async () => {
    const bytes = serializeRelayRequest(f.request)
    expect(parseRelayRequest(bytes)).toEqual(f.request)
    const result = await verifyRelayRequest(bytes, f.context)
    expect(result.ok).toBe(true)
    if (result.ok) expect(result.sessionHeight).toBe(f.context.currentHeight)
  })

  it('signs the request with the signature emptied', () => {
    expect(getRelayRequestSignableBytesHash(f.request)).toEqual(
      getRelayRequestSignableBytesHash(f.unsigned),
    )
  })

  it('signs a copy: the request signed, and its hash, leave the original as it was', () => {
    const original = clone(RelayRequestSchema, f.request)
    const before = serializeRelayRequest(original)
    getRelayRequestSignableBytesHash(original)
    const resigned = signRelayRequest(original, { signer: f.gateway.privateKey, ring: f.ring })
    expect(serializeRelayRequest(original)).toEqual(before)
    expect(resigned.meta!.signature).not.toEqual(original.meta!.signature)
    expect(resigned.meta).not.toBe(original.meta)
  })

  it('accepts the application itself as signer', async () => {
    const request = signRelayRequest(f.unsigned, { signer: f.app.privateKey, ring: f.ring })
    expect(await codeOfRequest(request)).toBe('OK')
  })

  it('serves a just-ended session until its grace period ends, at the session end height', async () => {
    const end = f.session.header.sessionEndBlockHeight
    const result = await verifyRelayRequest(f.request, { ...f.context, currentHeight: end + 2n })
    expect(result.ok && result.sessionHeight).toBe(end)
    expect(await codeOfRequest(f.request, { currentHeight: end + 3n })).toBe(
      'RELAY_SESSION_EXPIRED',
    )
  })

  it('RELAY_SIGNING_FAILED when the signer is not in the ring', () => {
    let caught: unknown
    try {
      signRelayRequest(f.unsigned, { signer: key().privateKey, ring: f.ring })
    } catch (e) {
      caught = e
    }
    expect(isSessionError(caught) && caught.code).toBe('RELAY_SIGNING_FAILED')
  })

  it('has a distinct code for every failure', async () => {
    const header = f.request.meta!.sessionHeader!
    const cases: [string, Promise<string>][] = [
      ['RELAY_REQUEST_MALFORMED', codeOfRequest(Uint8Array.of(0x0a, 0xff))],
      [
        'RELAY_REQUEST_MISSING_SESSION_HEADER',
        codeOfRequest(mutate((r) => delete r.meta!.sessionHeader)),
      ],
      [
        'RELAY_REQUEST_INVALID_APPLICATION_ADDRESS',
        codeOfRequest(mutate((r) => (r.meta!.sessionHeader!.applicationAddress = 'cosmos1xyz'))),
      ],
      [
        'RELAY_REQUEST_INVALID_SESSION_ID',
        codeOfRequest(mutate((r) => (r.meta!.sessionHeader!.sessionId = ''))),
      ],
      [
        'RELAY_REQUEST_INVALID_SERVICE_ID',
        codeOfRequest(mutate((r) => (r.meta!.sessionHeader!.serviceId = 'no spaces'))),
      ],
      [
        'RELAY_REQUEST_INVALID_SESSION_HEIGHTS',
        codeOfRequest(
          mutate(
            (r) => (r.meta!.sessionHeader!.sessionEndBlockHeight = header.sessionStartBlockHeight),
          ),
        ),
      ],
      ['RELAY_REQUEST_MISSING_SIGNATURE', codeOfRequest(f.unsigned)],
      [
        'RELAY_REQUEST_MISSING_SUPPLIER',
        codeOfRequest(mutate((r) => (r.meta!.supplierOperatorAddress = ''))),
      ],
      [
        'RELAY_SESSION_EXPIRED',
        codeOfRequest(f.request, { currentHeight: header.sessionEndBlockHeight + 100n }),
      ],
      [
        'RELAY_RING_UNAVAILABLE',
        codeOfRequest(f.request, {
          getRingPublicKeys: () => Promise.reject(new Error('no account')),
        }),
      ],
      [
        'RELAY_SIGNATURE_MALFORMED',
        codeOfRequest(mutate((r) => (r.meta!.signature = Uint8Array.of(0, 0, 0, 2, 1)))),
      ],
      [
        'RELAY_RING_MISMATCH',
        codeOfRequest(f.request, { getRingPublicKeys: () => [f.app.publicKey, key().publicKey] }),
      ],
      [
        'RELAY_SIGNATURE_INVALID',
        codeOfRequest(mutate((r) => (r.payload = Uint8Array.of(1, 2, 3)))),
      ],
      [
        'RELAY_SESSION_UNAVAILABLE',
        codeOfRequest(f.request, {
          getSession: () => {
            throw new Error('node down')
          },
        }),
      ],
      [
        'RELAY_SESSION_ID_MISMATCH',
        codeOfRequest(f.request, {
          getSession: () => ({
            header: { ...header, sessionId: 'ab'.repeat(32) },
            supplierOperatorAddresses: [f.supplier.address],
          }),
        }),
      ],
      [
        'RELAY_SESSION_HEADER_MISMATCH',
        codeOfRequest(f.request, {
          getSession: () => ({
            header: { ...header, sessionStartBlockHeight: header.sessionStartBlockHeight - 10n },
            supplierOperatorAddresses: [f.supplier.address],
          }),
        }),
      ],
      [
        'RELAY_UNKNOWN_SUPPLIER',
        codeOfRequest(f.request, { supplierOperatorAddresses: [f.other.address] }),
      ],
      [
        'RELAY_SUPPLIER_NOT_IN_SESSION',
        codeOfRequest(f.request, {
          getSession: () => ({ header, supplierOperatorAddresses: [f.other.address] }),
        }),
      ],
    ]
    for (const [code, got] of cases) expect([code, await got]).toEqual([code, code])
  })

  it('RELAY_NOT_REWARD_ELIGIBLE once the claim window opens', () => {
    const end = f.session.header.sessionEndBlockHeight
    expect(checkRelayRewardEligibility(f.request, end + 1n, params)).toBeUndefined()
    expect(checkRelayRewardEligibility(f.request, end + 2n, params)?.code).toBe(
      'RELAY_NOT_REWARD_ELIGIBLE',
    )
  })
})

describe('relay responses', () => {
  const header = f.session.header
  const unsigned = buildRelayResponse({
    sessionHeader: header,
    payload: createPoktHttpResponse({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"choices":[]}',
    }),
  })
  const response = signRelayResponse(unsigned, f.supplier.privateKey)
  const expected = {
    sessionHeader: header,
    supplierOperatorAddress: f.supplier.address,
    supplierPublicKey: f.supplier.publicKey,
  }
  const codeOf = (r: Parameters<typeof verifyRelayResponse>[0], extra = {}) => {
    const result = verifyRelayResponse(r, { ...expected, ...extra })
    return result.ok ? 'OK' : result.error.code
  }
  const edit = (change: (r: typeof response) => void, resign = false) => {
    const r = clone(RelayResponseSchema, response)
    change(r)
    return resign ? signRelayResponse(r, f.supplier.privateKey) : r
  }

  it('verifies as the gateway, from bytes too', () => {
    expect(codeOf(response)).toBe('OK')
    expect(codeOf(serializeRelayResponse(response))).toBe('OK')
  })

  it('signs a copy, and mines a relay, leaving the response and request as they were', () => {
    const before = [serializeRelayResponse(response), serializeRelayRequest(f.request)]
    getRelayResponseSignableBytesHash(response)
    signRelayResponse(response, f.other.privateKey)
    const relay = buildRelay(f.request, response)
    expect(relay.res!.payload).toEqual(new Uint8Array())
    expect([serializeRelayResponse(response), serializeRelayRequest(f.request)]).toEqual(before)
    expect(response.payload.length).toBeGreaterThan(0)
  })

  it('signs without the payload once the payload hash is set', () => {
    const other = clone(RelayResponseSchema, unsigned)
    other.payload = Uint8Array.of(9)
    expect(getRelayResponseSignableBytesHash(other)).toEqual(
      getRelayResponseSignableBytesHash(unsigned),
    )
  })

  it('mines the relay without the response payload', () => {
    const relay = buildRelay(f.request, response)
    expect(relay.res!.payload.length).toBe(0)
    expect(relay.res!.payloadHash).toEqual(response.payloadHash)
  })

  it('accepts legacy responses without a payload hash only when asked to', () => {
    const legacy = edit((r) => (r.payloadHash = new Uint8Array()), true)
    expect(codeOf(legacy)).toBe('RELAY_RESPONSE_MISSING_PAYLOAD_HASH')
    expect(codeOf(legacy, { requirePayloadHash: false })).toBe('OK')
  })

  it("carries the relay miner's registered error as data, from bytes too", () => {
    const known = knownRelayMinerErrors.relay_authenticator.ErrRelayAuthenticatorInvalidSession
    const refusal = create(RelayResponseSchema, {
      meta: { sessionHeader: response.meta!.sessionHeader! },
      payload: Uint8Array.of(1),
      relayMinerError: {
        codespace: known.codespace,
        code: known.abciCode,
        description: known.description,
        message: `session mismatch: ${known.description}`,
      },
    })
    for (const r of [refusal, serializeRelayResponse(refusal)]) {
      const result = verifyRelayResponse(r, expected)
      expect(result.ok).toBe(false)
      if (result.ok) return
      expect(result.error.code).toBe('RELAY_RESPONSE_MINER_ERROR')
      expect(result.error.relayMinerError).toEqual({
        codespace: 'relay_authenticator',
        code: 1,
        description: 'invalid session in relayer request',
        message: 'session mismatch: invalid session in relayer request',
      })
      expect(result.error.details).toBe(
        'relay_authenticator/1: session mismatch: invalid session in relayer request',
      )
    }
    // Every other failure carries none.
    const other = verifyRelayResponse(
      edit((r) => delete r.meta!.sessionHeader),
      expected,
    )
    expect(!other.ok && other.error.relayMinerError).toBeUndefined()
  })

  it('has a distinct code for every failure', () => {
    const cases: [string, string][] = [
      ['RELAY_RESPONSE_MALFORMED', codeOf(Uint8Array.of(0x12, 0x05))],
      [
        'RELAY_RESPONSE_MINER_ERROR',
        codeOf(
          create(RelayResponseSchema, {
            meta: { sessionHeader: response.meta!.sessionHeader! },
            payload: Uint8Array.of(1),
            relayMinerError: { codespace: 'relayer_proxy', code: 3, message: 'overloaded' },
          }),
        ),
      ],
      ['RELAY_RESPONSE_MISSING_SESSION_HEADER', codeOf(edit((r) => delete r.meta!.sessionHeader))],
      [
        'RELAY_RESPONSE_SESSION_HEADER_MISMATCH',
        codeOf(edit((r) => (r.meta!.sessionHeader!.sessionEndBlockHeight += 1n), true)),
      ],
      ['RELAY_RESPONSE_MISSING_SIGNATURE', codeOf(unsigned)],
      [
        'RELAY_RESPONSE_MISSING_PAYLOAD_HASH',
        codeOf(edit((r) => (r.payloadHash = new Uint8Array()), true)),
      ],
      ['RELAY_RESPONSE_PAYLOAD_HASH_MISMATCH', codeOf(edit((r) => (r.payload = Uint8Array.of(1))))],
      [
        'RELAY_RESPONSE_SUPPLIER_KEY_MISMATCH',
        codeOf(response, { supplierPublicKey: getPublicKey(key().privateKey) }),
      ],
      [
        'RELAY_RESPONSE_SIGNATURE_INVALID',
        codeOf(signRelayResponse(unsigned, f.other.privateKey), {}),
      ],
    ]
    for (const [code, got] of cases) expect([code, got]).toEqual([code, code])
  })
})
