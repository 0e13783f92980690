import { describe, expect, it } from 'vitest'
import { moduleQueryRoutes } from '../src/app/module-manager.js'
import { QueryRouter } from '../src/app/query-router.js'

describe('query router', () => {
  it("keys every module's query methods by their full gRPC path", () => {
    const paths = new QueryRouter(moduleQueryRoutes()).paths()
    for (const path of paths) expect(path).toMatch(/^\/(cosmos|pocket)\.[\w.]+\.Query\/\w+$/)
    expect(paths).toEqual(
      expect.arrayContaining([
        '/cosmos.auth.v1beta1.Query/Account',
        '/cosmos.bank.v1beta1.Query/Balance',
        '/pocket.shared.Query/ParamsAtHeight',
        '/pocket.session.Query/GetSession',
        '/pocket.service.Query/RelayMiningDifficulty',
        '/pocket.application.Query/AllApplications',
        '/pocket.gateway.Query/Gateway',
        '/pocket.supplier.Query/AllSuppliers',
        '/pocket.proof.Query/Claim',
        '/pocket.tokenomics.Query/Params',
        '/pocket.migration.Query/Params',
      ]),
    )
  })

  it('refuses a path served twice', () => {
    const [route] = moduleQueryRoutes()
    expect(() => new QueryRouter([route!, route!])).toThrow(/registered twice/)
  })

  it("answers an unknown path with the SDK router's error", () => {
    const router = new QueryRouter([])
    expect(router.handler('/pocket.proof.Query/Nope')).toBeUndefined()
    expect(() =>
      router.run(undefined as never, '/pocket.proof.Query/Nope', new Uint8Array()),
    ).toThrow(expect.objectContaining({ codespace: 'sdk', code: 6 }))
  })
})
