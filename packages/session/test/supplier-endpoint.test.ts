import { create, RPCType, SessionSchema } from '@decai/protocol'
import { describe, expect, it } from 'vitest'
import {
  getSessionSupplierEndpoints,
  getSupplierEndpointUrl,
  isRelayStreamContentType,
  RELAY_STREAM_CONTENT_TYPE,
} from '../src/index.js'

const session = create(SessionSchema, {
  suppliers: [
    {
      operatorAddress: 'pokt1a',
      services: [
        {
          serviceId: 'llm',
          endpoints: [
            { url: 'wss://a.example/ws', rpcType: RPCType.WEBSOCKET },
            { url: 'https://a.example/comet', rpcType: RPCType.COMET_BFT },
            { url: 'https://a.example/json', rpcType: RPCType.JSON_RPC },
          ],
        },
      ],
    },
    {
      operatorAddress: 'pokt1b',
      services: [
        { serviceId: 'other', endpoints: [{ url: 'http://b.example', rpcType: RPCType.REST }] },
      ],
    },
    {
      operatorAddress: 'pokt1c',
      services: [
        {
          serviceId: 'llm',
          endpoints: [
            { url: 'grpc://c.example', rpcType: RPCType.GRPC },
            { url: 'http://c.example/rest', rpcType: RPCType.REST },
          ],
        },
      ],
    },
  ],
})

describe('supplier endpoints', () => {
  it('prefers REST, then JSON-RPC, then unknown, then CometBFT, http(s) only', () => {
    expect(getSupplierEndpointUrl(session.suppliers[0]!, 'llm')).toBe('https://a.example/json')
    expect(getSupplierEndpointUrl(session.suppliers[2]!, 'llm')).toBe('http://c.example/rest')
    expect(getSupplierEndpointUrl(session.suppliers[1]!, 'llm')).toBeUndefined()
  })

  it('lists the suppliers that can take a relay, in session order', () => {
    expect(getSessionSupplierEndpoints(session, 'llm')).toEqual([
      { operatorAddress: 'pokt1a', url: 'https://a.example/json' },
      { operatorAddress: 'pokt1c', url: 'http://c.example/rest' },
    ])
  })
})

describe('isRelayStreamContentType', () => {
  it('matches the media type whatever its parameters and case', () => {
    expect(isRelayStreamContentType(RELAY_STREAM_CONTENT_TYPE)).toBe(true)
    expect(isRelayStreamContentType('Application/X-Pokt-Relay-Stream')).toBe(true)
    expect(isRelayStreamContentType('application/octet-stream')).toBe(false)
    expect(isRelayStreamContentType('application/x-pokt-relay-streamer')).toBe(false)
    expect(isRelayStreamContentType(null)).toBe(false)
  })
})
