import { Registry } from '@cosmjs/proto-signing'
import { describe, expect, it } from 'vitest'
import {
  create,
  getTypeUrl,
  isProtocolError,
  MsgCreateClaimSchema,
  MsgSubmitProofSchema,
  marshal,
  packAny,
  toCosmjsRegistryEntry,
  unpackAny,
} from '../src/index.js'

const claim = create(MsgCreateClaimSchema, {
  supplierOperatorAddress: 'pokt1supplier',
  sessionHeader: { applicationAddress: 'pokt1app', serviceId: 'llm', sessionStartBlockHeight: 1n },
  rootHash: new Uint8Array(48).fill(7),
})

describe('cosmjs interop', () => {
  it('uses Cosmos type URLs', () => {
    expect(getTypeUrl(MsgCreateClaimSchema)).toBe('/pocket.proof.MsgCreateClaim')
    expect(packAny(MsgCreateClaimSchema, claim).typeUrl).toBe('/pocket.proof.MsgCreateClaim')
  })

  it('lets a cosmjs Registry encode and decode pocket messages with canonical bytes', () => {
    const registry = new Registry([toCosmjsRegistryEntry(MsgCreateClaimSchema)])
    const encoded = registry.encode({ typeUrl: '/pocket.proof.MsgCreateClaim', value: claim })
    expect(encoded).toEqual(marshal(MsgCreateClaimSchema, claim))
    const any = registry.encodeAsAny({ typeUrl: '/pocket.proof.MsgCreateClaim', value: claim })
    const decoded = registry.decode(any)
    expect(decoded.supplierOperatorAddress).toBe('pokt1supplier')
    expect(decoded.sessionHeader.sessionStartBlockHeight).toBe(1n)
    // cosmjs passes plain objects through fromPartial before encoding.
    const fromPlain = registry.encode({
      typeUrl: '/pocket.proof.MsgCreateClaim',
      value: { supplierOperatorAddress: 'pokt1supplier' },
    })
    expect(fromPlain).toEqual(
      marshal(
        MsgCreateClaimSchema,
        create(MsgCreateClaimSchema, { supplierOperatorAddress: 'pokt1supplier' }),
      ),
    )
  })

  it('unpacks an Any by its type URL, with typed errors', () => {
    const any = packAny(MsgCreateClaimSchema, claim)
    const { schema, message } = unpackAny(any, [MsgSubmitProofSchema, MsgCreateClaimSchema])
    expect(schema).toBe(MsgCreateClaimSchema)
    expect(marshal(MsgCreateClaimSchema, message as typeof claim)).toEqual(any.value)
    let caught: unknown
    try {
      unpackAny(any, [MsgSubmitProofSchema])
    } catch (error) {
      caught = error
    }
    expect(isProtocolError(caught) && caught.code).toBe('UNKNOWN_TYPE_URL')
  })
})
