// Genesis params judged as pocketd judges them. The vectors are pocketd v0.1.35's own verdicts
// (`pnpm pocketd genesis-vectors`: its localnet genesis with one change at a time, through
// `pocketd genesis validate`); the devnet must accept the same params and refuse the others with
// the same error text. Its default params must be the localnet's, so one config means the same
// chain on both backends.
import { fromJson, toJson } from '@decai/protocol'
import { ParamsSchema as ApplicationParamsSchema } from '@decai/protocol/gen/pocket/application/params_pb'
import { ParamsSchema as GatewayParamsSchema } from '@decai/protocol/gen/pocket/gateway/params_pb'
import { ParamsSchema as ProofParamsSchema } from '@decai/protocol/gen/pocket/proof/params_pb'
import { ParamsSchema as ServiceParamsSchema } from '@decai/protocol/gen/pocket/service/params_pb'
import { ParamsSchema as SessionParamsSchema } from '@decai/protocol/gen/pocket/session/params_pb'
import { ParamsSchema as SharedParamsSchema } from '@decai/protocol/gen/pocket/shared/params_pb'
import { ParamsSchema as SupplierParamsSchema } from '@decai/protocol/gen/pocket/supplier/params_pb'
import { ParamsSchema as TokenomicsParamsSchema } from '@decai/protocol/gen/pocket/tokenomics/params_pb'
import { describe, expect, it } from 'vitest'
import { formatGoFixed, formatGoFloat } from '../src/app/go-format.js'
import { resolveGenesis } from '../src/config/resolve.js'
import type { DevnetConfig } from '../src/config/types.js'
import { isDevnetError } from '../src/errors.js'
import type { ModuleParams } from '../src/modules/params.js'
import vectors from './vectors/genesis-params.json' with { type: 'json' }

const schemas = {
  shared: SharedParamsSchema,
  session: SessionParamsSchema,
  proof: ProofParamsSchema,
  tokenomics: TokenomicsParamsSchema,
  service: ServiceParamsSchema,
  application: ApplicationParamsSchema,
  gateway: GatewayParamsSchema,
  supplier: SupplierParamsSchema,
}

/** The verdict of `resolveGenesis`: null, or the module's error text. */
function judge(params: NonNullable<DevnetConfig['params']>): string | null {
  try {
    resolveGenesis({ params })
    return null
  } catch (error) {
    if (!isDevnetError(error) || error.code !== 'INVALID_CONFIG') throw error
    return error.details ?? error.message
  }
}

describe('genesis params', () => {
  it("defaults to the pocketd localnet's params, module by module", () => {
    const { params } = resolveGenesis({})
    for (const [module, schema] of Object.entries(schemas) as [keyof ModuleParams, never][]) {
      const localnet = fromJson(
        schema,
        (vectors.base as unknown as Record<string, never>)[module] as never,
      )
      expect({ module, params: toJson(schema, params[module] as never) }).toEqual({
        module,
        params: toJson(schema, localnet),
      })
    }
  })

  it.each(vectors.cases)('$name: as pocketd genesis validate', ({ params, error }) => {
    const module = Object.keys(params)[0]
    expect(judge(params as NonNullable<DevnetConfig['params']>)).toBe(
      error === null ? null : `params.${module}: ${error}`,
    )
  })
})

describe('genesis actors', () => {
  const base: DevnetConfig = {
    services: [{ id: 'llm', owner: 'owner' }],
    gateways: [{ address: 'gateway', stake: '1pokt' }],
    applications: [{ address: 'application', stake: '1pokt', serviceId: 'llm' }],
    suppliers: [
      { owner: 'supplier1', stake: '1pokt', services: [{ serviceId: 'llm', url: 'http://x:1' }] },
    ],
  }
  const judgeActors = (config: DevnetConfig) => {
    try {
      resolveGenesis(config)
      return null
    } catch (error) {
      if (!isDevnetError(error)) throw error
      return error.details ?? null
    }
  }

  it('accepts a valid set', () => {
    expect(judgeActors(base)).toBeNull()
  })

  // Texts from poktroll's GenesisState.Validate of each module.
  it.each([
    [
      'a zero application stake',
      { applications: [{ address: 'application', stake: 0, serviceId: 'llm' }] },
      'applications: invalid stake amount for application: 0upokt <= 0: invalid application stake',
    ],
    [
      'a zero gateway stake',
      { gateways: [{ address: 'gateway', stake: 0 }] },
      'gateways: invalid stake amount for gateway: 0upokt <= 0: invalid gateway stake',
    ],
    [
      'a gateway twice',
      {
        gateways: [
          { address: 'gateway', stake: 1 },
          { address: 'gateway', stake: 2 },
        ],
      },
      'gateways: duplicated index for gateway: invalid gateway address',
    ],
    [
      'two services with one name',
      {
        services: [
          { id: 'llm', name: 'LLM', owner: 'owner' },
          { id: 'llm2', name: 'LLM', owner: 'owner' },
        ],
      },
      expect.stringMatching(
        /^services: duplicated name for service: \{llm2 LLM 1 pokt1\w+ <nil>\}: duplicate index when adding a new service$/,
      ),
    ],
    [
      'a service with too many compute units per relay',
      { services: [{ id: 'llm', owner: 'owner', computeUnitsPerRelay: 2 ** 22 }] },
      'services: compute units per relay must be less than 2097152: invalid compute units per relay: invalid service',
    ],
    [
      'a supplier endpoint without a host',
      {
        suppliers: [{ owner: 'supplier1', stake: 1, services: [{ serviceId: 'llm', url: 'x' }] }],
      },
      'suppliers: invalid endpoint.Url: x: invalid service config',
    ],
  ] as [string, DevnetConfig, unknown][])('refuses %s', (_name, change, expected) => {
    expect(judgeActors({ ...base, ...change })).toEqual(expected)
  })
})

describe("Go's float formatting", () => {
  it('prints %v and %f as Go does', () => {
    expect([1.5, -0.25, 0, 1, 123456, 1e6, 1234567, 1e-4, 1e-5, 0.1].map(formatGoFloat)).toEqual([
      '1.5',
      '-0.25',
      '0',
      '1',
      '123456',
      '1e+06',
      '1.234567e+06',
      '0.0001',
      '1e-05',
      '0.1',
    ])
    expect([0, 1.5, -0.1, 1e-10].map(formatGoFixed)).toEqual([
      '0.000000',
      '1.500000',
      '-0.100000',
      '0.000000',
    ])
  })
})
