// The supplier-key check of responses and stream frames remembers each key's address: deriving
// it decompresses the key, which a relayer would otherwise pay on every frame of every answer.
import * as crypto from '@decai/crypto'
import { describe, expect, it, vi } from 'vitest'
import { buildRelayResponse, createPoktHttpResponse, signRelayResponse } from '../src/index.js'
import { verifyRelayResponse } from '../src/relay-response.js'
import { createRelayFixture } from './relay-fixture.js'

vi.mock('@decai/crypto', async (importOriginal) => {
  const original = await importOriginal<typeof crypto>()
  return { ...original, pubkeyToAddress: vi.fn(original.pubkeyToAddress) }
})

describe('the supplier-key check', () => {
  const f = createRelayFixture()
  const response = signRelayResponse(
    buildRelayResponse({
      sessionHeader: f.request.meta!.sessionHeader!,
      payload: createPoktHttpResponse({ status: 200, body: 'ok' }),
    }),
    f.supplier.privateKey,
  )
  const expected = {
    sessionHeader: f.request.meta!.sessionHeader!,
    supplierOperatorAddress: f.supplier.address,
    supplierPublicKey: f.supplier.publicKey,
  }

  it('derives a key’s address once, and still refuses a key of another address', () => {
    const derive = vi.mocked(crypto.pubkeyToAddress)
    derive.mockClear()
    for (let i = 0; i < 5; i++) expect(verifyRelayResponse(response, expected).ok).toBe(true)
    expect(derive).toHaveBeenCalledTimes(1)
    // The remembered address is the key's own: another supplier's address does not match it,
    // and another key (equal bytes copied or not) is judged by its own address.
    const wrongAddress = verifyRelayResponse(response, {
      ...expected,
      supplierOperatorAddress: f.other.address,
    })
    expect(!wrongAddress.ok && wrongAddress.error.code).toBe('RELAY_RESPONSE_SUPPLIER_KEY_MISMATCH')
    const otherKey = verifyRelayResponse(response, {
      ...expected,
      supplierPublicKey: f.other.publicKey,
    })
    expect(!otherKey.ok && otherKey.error.code).toBe('RELAY_RESPONSE_SUPPLIER_KEY_MISMATCH')
    expect(
      verifyRelayResponse(response, {
        ...expected,
        supplierPublicKey: Uint8Array.from(f.supplier.publicKey),
      }).ok,
    ).toBe(true)
    expect(derive).toHaveBeenCalledTimes(2)
  })
})
