// A devnet started from the example config file: service, gateway, application (delegated) and
// suppliers exist at genesis, and the first session already has both suppliers.

import { fileURLToPath } from 'node:url'
import {
  QueryGetApplicationRequestSchema,
  QueryGetApplicationResponseSchema,
} from '@decai/protocol/gen/pocket/application/query_pb'
import {
  QueryGetServiceRequestSchema,
  QueryGetServiceResponseSchema,
} from '@decai/protocol/gen/pocket/service/query_pb'
import {
  QueryGetSessionRequestSchema,
  QueryGetSessionResponseSchema,
} from '@decai/protocol/gen/pocket/session/query_pb'
import {
  QueryGetSupplierRequestSchema,
  QueryGetSupplierResponseSchema,
} from '@decai/protocol/gen/pocket/supplier/query_pb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfigFile } from '../src/config/load.js'
import { resolveGenesis } from '../src/config/resolve.js'
import { type Devnet, startDevnet } from '../src/devnet.js'
import { isDevnetError } from '../src/errors.js'
import { mustQuery } from './helpers.js'

const examplePath = fileURLToPath(new URL('../examples/devnet.yaml', import.meta.url))

describe('genesis from a config file', () => {
  let devnet: Devnet
  const address = (name: string) => devnet.accounts.find((a) => a.name === name)!.address
  beforeAll(async () => {
    devnet = await startDevnet({
      config: examplePath,
      port: 0,
      blockTimeMs: 0,
      dataDir: ':memory:',
    })
  })
  afterAll(async () => {
    await devnet.stop()
  })

  it('registers the service, the actors and their delegation', async () => {
    const { service } = await mustQuery(
      devnet.rpcUrl,
      '/pocket.service.Query/Service',
      QueryGetServiceRequestSchema,
      { id: 'llm-qwen' },
      QueryGetServiceResponseSchema,
    )
    expect(service).toMatchObject({ computeUnitsPerRelay: 7n, ownerAddress: address('owner') })
    const { application } = await mustQuery(
      devnet.rpcUrl,
      '/pocket.application.Query/Application',
      QueryGetApplicationRequestSchema,
      { address: address('application') },
      QueryGetApplicationResponseSchema,
    )
    expect(application?.stake?.amount).toBe('100000000')
    expect(application?.delegateeGatewayAddresses).toEqual([address('gateway')])
    const { supplier } = await mustQuery(
      devnet.rpcUrl,
      '/pocket.supplier.Query/Supplier',
      QueryGetSupplierRequestSchema,
      { operatorAddress: address('supplier1') },
      QueryGetSupplierResponseSchema,
    )
    expect(supplier?.services[0]?.revShare.map((r) => [r.address, r.revSharePercentage])).toEqual([
      [address('supplier1'), 70n],
      [address('owner'), 30n],
    ])
  })

  it('puts the genesis suppliers in the first session', async () => {
    await devnet.produceBlock()
    const { session } = await mustQuery(
      devnet.rpcUrl,
      '/pocket.session.Query/GetSession',
      QueryGetSessionRequestSchema,
      { applicationAddress: address('application'), serviceId: 'llm-qwen', blockHeight: 2n },
      QueryGetSessionResponseSchema,
    )
    expect(session?.header?.sessionStartBlockHeight).toBe(1n)
    expect(session?.header?.sessionEndBlockHeight).toBe(4n)
    expect(session?.suppliers.map((s) => s.operatorAddress).sort()).toEqual(
      [address('supplier1'), address('supplier2')].sort(),
    )
  })

  it('rejects configs that name unknown accounts or services', () => {
    const config = loadConfigFile(examplePath)
    const bad = [
      { ...config, gateways: [{ address: 'nobody', stake: '1pokt' }] },
      { ...config, applications: [{ address: 'application', stake: '1pokt', serviceId: 'nope' }] },
      { ...config, params: { shared: { no_such_param: 1 } } },
      {
        ...config,
        suppliers: [
          {
            owner: 'supplier1',
            stake: '1pokt',
            services: [{ serviceId: 'llm-qwen', url: 'http://x', revShare: { supplier1: 90 } }],
          },
        ],
      },
    ]
    for (const c of bad) {
      let error: unknown
      try {
        resolveGenesis(c)
      } catch (e) {
        error = e
      }
      expect(isDevnetError(error) && error.code).toBe('INVALID_CONFIG')
    }
  })
})
