import { create, ServiceSchema } from '@decai/protocol'
import { describe, expect, it } from 'vitest'
import { isSameMetering, readServiceCard, readServiceCardMetering } from '../src/index.js'

const service = (card: unknown) =>
  create(ServiceSchema, {
    id: 'llm',
    metadata: {
      card: new TextEncoder().encode(typeof card === 'string' ? card : JSON.stringify(card)),
    },
  })

describe('readServiceCardMetering', () => {
  it("reads the card's token_metering, a weight left out being 1", () => {
    expect(
      readServiceCardMetering(
        service({ token_metering: { quantum: 100, input_weight: 1, output_weight: 4 } }),
      ),
    ).toEqual({ quantum: 100, inputWeight: 1, outputWeight: 4 })
    expect(
      readServiceCardMetering(service({ token_metering: { quantum: 50, output_weight: 3 } })),
    ).toEqual({ quantum: 50, inputWeight: 1, outputWeight: 3 })
  })

  it('is undefined without a card, a JSON card or a declaration', () => {
    expect(readServiceCardMetering(create(ServiceSchema, { id: 'llm' }))).toBeUndefined()
    expect(readServiceCardMetering(service('not json'))).toBeUndefined()
    expect(readServiceCardMetering(service([1, 2]))).toBeUndefined()
    expect(readServiceCardMetering(service({ models: ['m'] }))).toBeUndefined()
    expect(readServiceCard(service('not json'))).toBeUndefined()
  })

  it.each([
    { quantum: 0 },
    { quantum: 1.5 },
    { quantum: '100' },
    { quantum: 100, input_weight: -1 },
    { quantum: 100, output_weight: 0.5 },
    {},
    7,
    null,
  ])('refuses a declaration that is not integers: %j', (declared) => {
    expect(() => readServiceCardMetering(service({ token_metering: declared }))).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMS' }),
    )
  })

  it('compares meterings', () => {
    const m = { quantum: 100, inputWeight: 1, outputWeight: 4 }
    expect(isSameMetering(m, { ...m })).toBe(true)
    expect(isSameMetering(m, { ...m, outputWeight: 2 })).toBe(false)
    expect(isSameMetering(m, undefined)).toBe(false)
    expect(isSameMetering(undefined, undefined)).toBe(true)
  })
})
