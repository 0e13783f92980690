import { createHash } from 'node:crypto'
import type { Registry } from '@bufbuild/protobuf'
import { create } from '@bufbuild/protobuf'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  isProtocolError,
  marshal,
  POKTHTTPRequestSchema,
  RelayRequestSchema,
  RelayResponseSchema,
  RelaySchema,
  unmarshal,
} from '../src/index.js'
import { loadRegistry } from './registry.js'
import { fromHex, readVectors, toHex } from './vectors.js'

type MessageCase = { type: string; bytes: string }
type RelayFixtures = {
  target: string
  fixtures: { minable: boolean; bytes: string; relayHash: string; reencodedEqual: boolean }[]
}

let registry: Registry
beforeAll(async () => {
  registry = await loadRegistry()
})

function schemaOf(typeName: string) {
  const schema = registry.getMessage(typeName)
  if (!schema) throw new Error(`no schema for ${typeName}`)
  return schema
}

describe('marshal matches gogoproto (vectors from the Go reference)', () => {
  const cases = readVectors<MessageCase[]>('messages.json')

  it('covers every pocket.* message and the HTTP envelope', () => {
    const types = new Set(cases.map((c) => c.type))
    expect(types.size).toBeGreaterThan(200)
    expect(types).toContain('pocket.service.RelayResponse')
    expect(types).toContain('sdk.types.POKTHTTPRequest')
  })

  it('re-encodes every Go encoding byte for byte', () => {
    const mismatches: string[] = []
    for (const [i, c] of cases.entries()) {
      const bytes = fromHex(c.bytes)
      const again = toHex(marshal(schemaOf(c.type), unmarshal(schemaOf(c.type), bytes)))
      if (again !== c.bytes) mismatches.push(`#${i} ${c.type}: ${again} != ${c.bytes}`)
    }
    expect(mismatches).toEqual([])
  })

  it('encodes a freshly created (empty) message as Go encodes its zero value', () => {
    const zeroCases = cases.filter((c, i) => cases.findIndex((d) => d.type === c.type) === i)
    const mismatches: string[] = []
    for (const c of zeroCases) {
      const got = toHex(marshal(schemaOf(c.type), create(schemaOf(c.type))))
      if (got !== c.bytes) mismatches.push(`${c.type}: ${got} != ${c.bytes}`)
    }
    expect(mismatches).toEqual([])
    // RelayRequest's non-nullable meta is always written, even when empty.
    expect(toHex(marshal(RelayRequestSchema, create(RelayRequestSchema)))).toBe('0a00')
  })
})

describe("poktroll's relay fixtures", () => {
  const { target, fixtures } = readVectors<RelayFixtures>('relay-fixtures.json')

  it('decode and re-encode byte-identically', () => {
    expect(fixtures).toHaveLength(10)
    for (const f of fixtures) {
      expect(f.reencodedEqual).toBe(true)
      expect(toHex(marshal(RelaySchema, unmarshal(RelaySchema, fromHex(f.bytes))))).toBe(f.bytes)
    }
  })

  it('hash below the 0000ff…ff target exactly when upstream says they are minable', () => {
    const minable = fixtures.filter((f) => {
      const hash = createHash('sha256').update(fromHex(f.bytes)).digest('hex')
      expect(hash).toBe(f.relayHash)
      return hash < target
    })
    expect(minable).toHaveLength(5)
    expect(minable.every((f) => f.minable)).toBe(true)
  })
})

describe('gogoproto details', () => {
  it('writes RelayResponse fields as 1, 2, 3, 4 although the .proto declares 1, 2, 4, 3', () => {
    const res = create(RelayResponseSchema, {
      payload: new Uint8Array([0xaa]),
      payloadHash: new Uint8Array([0xbb]),
      relayMinerError: { codespace: 'x', code: 1 },
    })
    // meta (empty, always written) | payload | relay_miner_error | payload_hash
    expect(toHex(marshal(RelayResponseSchema, res))).toBe(
      '0a00' + '1201aa' + '1a050a01781001' + '2201bb',
    )
  })

  it('sorts map keys bytewise whatever the insertion order', () => {
    const header = (key: string) => ({ key, values: ['v'] })
    const a = create(POKTHTTPRequestSchema, {
      header: { b: header('b'), A: header('A'), a: header('a') },
    })
    const b = create(POKTHTTPRequestSchema, {
      header: { a: header('a'), b: header('b'), A: header('A') },
    })
    const bytes = marshal(POKTHTTPRequestSchema, a)
    expect(toHex(bytes)).toBe(toHex(marshal(POKTHTTPRequestSchema, b)))
    const keys = Object.keys(unmarshal(POKTHTTPRequestSchema, bytes).header)
    expect(keys).toEqual(['A', 'a', 'b'])
  })

  it('drops unknown fields, as gogo types do', () => {
    const withUnknown = Uint8Array.from([0x12, 0x01, 0xaa, 0xf8, 0x01, 0x01]) // payload + field 31
    expect(toHex(marshal(RelayRequestSchema, unmarshal(RelayRequestSchema, withUnknown)))).toBe(
      '0a001201aa',
    )
  })
})

describe('errors', () => {
  it('reports malformed bytes as a typed DECODE_FAILED error', () => {
    for (const bad of [[0x0a, 0x05, 0x01], [0xff], [0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]) {
      let caught: unknown
      try {
        unmarshal(RelaySchema, Uint8Array.from(bad))
      } catch (error) {
        caught = error
      }
      expect(isProtocolError(caught)).toBe(true)
      expect((caught as { code: string }).code).toBe('DECODE_FAILED')
    }
  })
})
