// Both backends start from the same genesis params, and serve them alike: pocketd's own localnet
// genesis (as `pnpm pocketd genesis-vectors` recorded it) with the suite's params over it.
import { readFileSync } from 'node:fs'
import { fromJson, toJson } from '@decai/protocol'
import { ParamsSchema as ApplicationParamsSchema } from '@decai/protocol/gen/pocket/application/params_pb'
import { ParamsSchema as GatewayParamsSchema } from '@decai/protocol/gen/pocket/gateway/params_pb'
import { ParamsSchema as ProofParamsSchema } from '@decai/protocol/gen/pocket/proof/params_pb'
import { ParamsSchema as ServiceParamsSchema } from '@decai/protocol/gen/pocket/service/params_pb'
import { ParamsSchema as SessionParamsSchema } from '@decai/protocol/gen/pocket/session/params_pb'
import { ParamsSchema as SharedParamsSchema } from '@decai/protocol/gen/pocket/shared/params_pb'
import { ParamsSchema as SupplierParamsSchema } from '@decai/protocol/gen/pocket/supplier/params_pb'
import { ParamsSchema as TokenomicsParamsSchema } from '@decai/protocol/gen/pocket/tokenomics/params_pb'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Backend, startBackend } from './backend.js'

const schemas = {
  shared: SharedParamsSchema,
  session: SessionParamsSchema,
  proof: ProofParamsSchema,
  tokenomics: TokenomicsParamsSchema,
  service: ServiceParamsSchema,
  application: ApplicationParamsSchema,
  gateway: GatewayParamsSchema,
  supplier: SupplierParamsSchema,
} as const

// pocketd v0.1.35's localnet genesis params, recorded from pocketd itself.
const localnet = JSON.parse(
  readFileSync(
    new URL('../../../devnet/test/vectors/genesis-params.json', import.meta.url),
    'utf8',
  ),
).base as Record<keyof typeof schemas, Record<string, unknown>>

let backend: Backend
beforeAll(async () => {
  backend = await startBackend()
})
afterAll(async () => {
  await backend?.stop()
})

it("serves the localnet's genesis params with the suite's over them, module by module", async (context) => {
  const suite = backend.genesisParams
  // A node started elsewhere has its own genesis.
  if (!suite) return context.skip()
  for (const module of Object.keys(schemas) as (keyof typeof schemas)[]) {
    const schema = schemas[module] as never
    const expected = fromJson(schema, { ...localnet[module], ...suite[module] } as never)
    const served = await backend.client.getParams({ module })
    expect({ module, params: toJson(schema, served as never) }).toEqual({
      module,
      params: toJson(schema, expected),
    })
  }
})
