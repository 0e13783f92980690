import { getPlaceholderRingKey, getRingAddresses } from '@decai/crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { canonicalHeaderKey } from '../src/go-compat.js'
import {
  createPoktHttpRequest,
  getRelayRequestSignableBytesHash,
  getRelayResponseSignableBytesHash,
  parseRelayRequest,
  parseRelayResponse,
  serializePoktHttpRequest,
  serializeRelay,
  serializeRelayRequest,
  serializeRelayResponse,
  verifyRelayRequest,
  verifyRelayResponse,
} from '../src/index.js'
import { hex, loadVectors, toHex } from './vectors.js'

interface RelayVector {
  ring: {
    appAddress: string
    delegateeGatewayAddresses: string[]
    publicKeys: Record<string, string>
  }
  ringPublicKeys: string[]
  signerRole: 'application' | 'gateway'
  sessionHeader: {
    applicationAddress: string
    serviceId: string
    sessionId: string
    sessionStartBlockHeight: string
    sessionEndBlockHeight: string
  }
  supplierAddress: string
  supplierPublicKey: string
  http: { method: string; url: string; headers: [string, string][] | null; body: string }
  httpBytes: string
  request: string
  requestSignableHash: string
  responsePayload: string
  response: string
  responseSignableHash: string
  relay: string
  relayHash: string
}

const { headerKeys, relays } = loadVectors<{
  headerKeys: [string, string][]
  relays: RelayVector[]
}>('relay-protocol')

describe('relays built by the Go reference', () => {
  it('canonicalizes header names like net/http', () => {
    for (const [name, canonical] of headerKeys) expect(canonicalHeaderKey(name)).toBe(canonical)
  })

  it('builds the same POKTHTTPRequest bytes as shannon-sdk', () => {
    for (const v of relays) {
      const request = createPoktHttpRequest({
        method: v.http.method,
        url: v.http.url,
        headers: v.http.headers ?? [],
        body: hex(v.http.body),
      })
      expect(toHex(serializePoktHttpRequest(request))).toBe(v.httpBytes)
    }
  })

  it('verifies Go-signed requests as a supplier, with the same ring and signable bytes', async () => {
    const roles = new Set<string>()
    for (const v of relays) {
      const request = parseRelayRequest(hex(v.request))
      expect(toHex(serializeRelayRequest(request))).toBe(v.request)
      expect(toHex(getRelayRequestSignableBytesHash(request))).toBe(v.requestSignableHash)
      const header = {
        ...v.sessionHeader,
        sessionStartBlockHeight: BigInt(v.sessionHeader.sessionStartBlockHeight),
        sessionEndBlockHeight: BigInt(v.sessionHeader.sessionEndBlockHeight),
      }
      const placeholder = getPlaceholderRingKey()
      const ring = getRingAddresses({
        appAddress: v.ring.appAddress,
        delegateeGatewayAddresses: v.ring.delegateeGatewayAddresses,
        sessionEndHeight: header.sessionEndBlockHeight,
      }).map((a) =>
        a === placeholder.ringAddress ? placeholder.publicKey : hex(v.ring.publicKeys[a]!),
      )
      expect(ring.map(toHex)).toEqual(v.ringPublicKeys)
      const result = await verifyRelayRequest(hex(v.request), {
        currentHeight: header.sessionStartBlockHeight,
        serviceId: header.serviceId,
        supplierOperatorAddresses: [v.supplierAddress],
        getSharedParams: () => ({
          numBlocksPerSession: 10n,
          gracePeriodEndOffsetBlocks: 1n,
          claimWindowOpenOffsetBlocks: 1n,
          claimWindowCloseOffsetBlocks: 4n,
          proofWindowOpenOffsetBlocks: 0n,
          proofWindowCloseOffsetBlocks: 4n,
        }),
        getRingPublicKeys: () => ring,
        getSession: () => ({ header, supplierOperatorAddresses: [v.supplierAddress] }),
      })
      expect(result.ok || result.error.message).toBe(true)
      roles.add(v.signerRole)
    }
    expect([...roles].sort()).toEqual(['application', 'gateway'])
  })

  it('verifies Go-signed responses and rebuilds the mined relay', () => {
    for (const v of relays) {
      const response = parseRelayResponse(hex(v.response))
      expect(toHex(serializeRelayResponse(response))).toBe(v.response)
      expect(toHex(getRelayResponseSignableBytesHash(response))).toBe(v.responseSignableHash)
      const result = verifyRelayResponse(response, {
        sessionHeader: {
          ...v.sessionHeader,
          sessionStartBlockHeight: BigInt(v.sessionHeader.sessionStartBlockHeight),
          sessionEndBlockHeight: BigInt(v.sessionHeader.sessionEndBlockHeight),
        },
        supplierOperatorAddress: v.supplierAddress,
        supplierPublicKey: hex(v.supplierPublicKey),
      })
      expect(result.ok || result.error.message).toBe(true)
      const relay = serializeRelay(parseRelayRequest(hex(v.request)), response)
      expect(toHex(relay)).toBe(v.relay)
      expect(toHex(sha256(relay))).toBe(v.relayHash)
    }
  })
})
