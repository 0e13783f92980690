import { describe, expect, it } from 'vitest'
import { pocketModuleParams, pocketModules } from '../src/index.js'

describe('pocketModuleParams', () => {
  it("pairs each module's Params message with the query that serves it", () => {
    expect(pocketModules).toEqual([
      'application',
      'gateway',
      'migration',
      'proof',
      'service',
      'session',
      'shared',
      'supplier',
      'tokenomics',
    ])
    for (const module of pocketModules) {
      const { params, service, request, response } = pocketModuleParams[module]
      expect(params.typeName).toBe(`pocket.${module}.Params`)
      expect(service).toBe(`pocket.${module}.Query`)
      expect(request.typeName).toBe(`pocket.${module}.QueryParamsRequest`)
      expect(response.typeName).toBe(`pocket.${module}.QueryParamsResponse`)
      // The response carries exactly this Params message.
      expect(response.fields.find((f) => f.localName === 'params')?.message).toBe(params)
    }
  })
})
