// Paginated list answers, byte for byte. A scripted state (services, gateways, applications and
// suppliers of fixed keys, so the same addresses on both backends) is built on the backend under
// test; every list query is then asked with no pagination, limit 0, a limit with and without
// count_total, offsets (one past the end), reverse, a limit-1 walk by next_key both ways, key
// with offset, and reverse from the last key, and the raw `abci_query` answers are kept. On the
// devnet the answers are checked against the pagination contract; with `--backend pocketd` the
// same script also runs on an embedded devnet in the same invocation and every answer must
// equal pocketd's, byte for byte.
import { createHash } from 'node:crypto'
import {
  create,
  type DescMessage,
  type MessageInitShape,
  marshal,
  unmarshal,
} from '@decai/protocol'
import * as authQuery from '@decai/protocol/gen/cosmos/auth/v1beta1/query_pb'
import * as bankQuery from '@decai/protocol/gen/cosmos/bank/v1beta1/query_pb'
import {
  PageRequestSchema,
  type PageResponse,
} from '@decai/protocol/gen/cosmos/base/query/v1beta1/pagination_pb'
import * as applicationQuery from '@decai/protocol/gen/pocket/application/query_pb'
import * as gatewayQuery from '@decai/protocol/gen/pocket/gateway/query_pb'
import * as proofQuery from '@decai/protocol/gen/pocket/proof/query_pb'
import * as serviceQuery from '@decai/protocol/gen/pocket/service/query_pb'
import * as supplierQuery from '@decai/protocol/gen/pocket/supplier/query_pb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCoinAmount } from '../../src/index.js'
import {
  type Actor,
  type Backend,
  createActors,
  startBackend,
  startEmbeddedDevnet,
} from './backend.js'

const ACTORS = [
  'owner',
  'gw1',
  'gw2',
  'gw3',
  'app1',
  'app2',
  'app3',
  'sup1',
  'sup2',
  'sup3',
  'sup3Owner',
] as const
type Name = (typeof ACTORS)[number]

/** Fixed TEST keys: the same accounts on every backend, hence the same store keys. */
const keyOf = (name: Name) =>
  new Uint8Array(createHash('sha256').update(`decai pagination test ${name}`).digest())

const SERVICES = ['pgsvca', 'pgsvcb', 'pgsvcc'] as const

/** One `abci_query` answer, as compared between backends. */
type Answer = { code: number; codespace: string; log: string; value: string }

/** Every answer of the script, by a name saying what was asked. */
type Answers = Record<string, Answer>

let backend: Backend
beforeAll(async () => {
  backend = await startBackend()
})
afterAll(async () => {
  await backend?.stop()
})

describe('paginated list queries', () => {
  it('page, count and walk as query.Paginate does (and, beside pocketd, byte for byte as pocketd)', async (context) => {
    // The script needs the suite's genesis (its session length) to line the stakes up.
    if (!backend.genesisParams) return context.skip()
    const answers = await runPaginationScript(backend)
    checkContract(answers)
    if (backend.kind === 'pocketd') {
      const devnet = await startEmbeddedDevnet()
      try {
        const devnetAnswers = await runPaginationScript(devnet)
        expect(Object.keys(devnetAnswers)).toEqual(Object.keys(answers))
        for (const [name, answer] of Object.entries(answers))
          expect(devnetAnswers[name], name).toEqual(answer)
      } finally {
        await devnet.stop()
      }
    }
  })
})

/** The devnet's answers against the contract alone (pocketd's are the reference for the rest). */
function checkContract(answers: Answers): void {
  const page = (name: string) => {
    const answer = answers[name]
    expect(answer, name).toBeDefined()
    expect(answer!.code, `${name}: ${answer!.log}`).toBe(0)
    return answer!
  }
  const total = (list: ListQuery, label: string) =>
    decodePagination(list, page(`${list.name} | ${label}`).value)?.total
  for (const list of LISTS) {
    // A request its handler refuses is refused whatever its pagination.
    const refused = answers[`${list.name} | limit 0`]
    if (refused && refused.code !== 0) {
      const all = Object.entries(answers).filter(([n]) => n.startsWith(`${list.name} | `))
      for (const [name, answer] of all) expect(answer, name).toEqual(refused)
      continue
    }
    const counted = total(list, 'limit 0') ?? 0n
    // A walk of limit 1 takes one page per stored entry (an empty list, one empty page).
    const pages = Object.keys(answers).filter((n) => n.startsWith(`${list.name} | walk forward `))
    expect(
      Object.keys(answers).filter((n) => n.startsWith(`${list.name} | walk reverse `)),
    ).toHaveLength(pages.length)
    // A lookup by operator alone does not page at all, upstream as here.
    if (list.name === 'supplier by operator') continue
    expect(BigInt(pages.length), list.name).toBe(counted > 0n ? counted : 1n)
    expect(answers[`${list.name} | key with offset`]?.log, list.name).toContain(
      'invalid request, either offset or key is expected, got both',
    )
  }
  const byName = (name: string) => LISTS.find((l) => l.name === name)!
  expect(total(byName('accounts'), 'no pagination')).toBeGreaterThan(20n)
  expect(total(byName('suppliers'), 'limit 0')).toBe(3n)
  expect(total(byName('suppliers of pgsvca'), 'limit 0')).toBe(2n)
  // The delegatee filter runs inside the page: all three applications are counted.
  expect(total(byName('applications delegating to gw1'), 'limit 0')).toBe(3n)
  expect(total(byName('total supply'), 'limit 2 count_total')).toBe(1n)
  expect(total(byName('total supply'), 'limit 2')).toBe(0n)
  // AllClaims takes any filter; AllProofs refuses a malformed address (InvalidArgument: sdk 18).
  expect(page('claims of a malformed supplier | limit 0').code).toBe(0)
  expect(page('claims of an empty session | limit 0').code).toBe(0)
  expect(answers['proofs of a malformed supplier | limit 0']).toMatchObject({
    code: 18,
    codespace: 'sdk',
  })
}

function decodePagination(list: ListQuery, value: string): PageResponse | undefined {
  const response = unmarshal(list.response, Buffer.from(value, 'hex')) as {
    pagination?: PageResponse
  }
  return response.pagination
}

// --- the script ---------------------------------------------------------------------------

type ListQuery = {
  name: string
  path: string
  request: DescMessage
  response: DescMessage
  fields: Record<string, unknown>
}

/** The list queries the script asks, with the schema each answer decodes with. */
let LISTS: ListQuery[] = []

async function runPaginationScript(target: Backend): Promise<Answers> {
  const actors = await buildState(target)
  LISTS = listQueries(actors)
  const answers: Answers = {}
  for (const list of LISTS) Object.assign(answers, await askList(target, list))
  return answers
}

/** Funds the actors, adds services, stakes gateways, then applications and suppliers in one session. */
async function buildState(target: Backend): Promise<Record<Name, Actor>> {
  const client = target.client
  const shared = await client.getParams({ module: 'shared' })
  const amount = (coin: { amount: string } | undefined) =>
    parseCoinAmount(coin?.amount ?? '0').amount
  const appStake = amount((await client.getParams({ module: 'application' })).minStake)
  const gatewayStake = amount((await client.getParams({ module: 'gateway' })).minStake)
  const supplierParams = await client.getParams({ module: 'supplier' })
  const supplierStake = amount(supplierParams.minStake)
  const serviceFee = amount((await client.getParams({ module: 'service' })).addServiceFee)
  const spare = 10_000_000n
  const funds = (n: Name): bigint =>
    n === 'owner'
      ? serviceFee * 3n + spare
      : n.startsWith('gw')
        ? gatewayStake + spare
        : n.startsWith('app')
          ? appStake + spare
          : n === 'sup3Owner'
            ? 1n
            : supplierStake + amount(supplierParams.stakingFee) + spare
  const actors = await createActors(
    target,
    Object.fromEntries(ACTORS.map((n) => [n, funds(n)])) as Record<Name, bigint>,
    Object.fromEntries(ACTORS.map((n) => [n, keyOf(n)])) as Record<Name, Uint8Array>,
  )

  // One signer's transactions land in sequence order; different signers' in any order, so each
  // wave below creates at most one module account and account numbers match between backends.
  for (const id of SERVICES) {
    await actors.owner.client.addService({ id, name: `paging ${id}`, computeUnitsPerRelay: 3n })
  }
  await Promise.all(
    (['gw1', 'gw2', 'gw3'] as const).map((n) =>
      actors[n].client.stakeGateway({ stake: gatewayStake }),
    ),
  )

  // Applications and suppliers record the session their stake activates in: stake both in the
  // same session on every backend, one that starts after the setup above.
  const blocks = shared.numBlocksPerSession
  const sessionStart = 4n * blocks + 1n
  const before = await client.getLatestHeight()
  if (before >= sessionStart - 1n)
    throw new Error(`the setup reached height ${before}, past the session at ${sessionStart}`)
  await client.waitForHeight({ height: sessionStart, timeout: 60_000, pollingInterval: 50 })
  const txs = await Promise.all([
    actors.app1.client.stakeApplication({ stake: appStake, serviceIds: ['pgsvca'] }),
    actors.app2.client.stakeApplication({ stake: appStake, serviceIds: ['pgsvcb'] }),
    actors.app3.client.stakeApplication({ stake: appStake, serviceIds: ['pgsvca'] }),
  ])
  const endpoint = (port: number) => [{ url: `http://127.0.0.1:${port}`, rpcType: 3 }]
  txs.push(
    ...(await Promise.all([
      actors.sup1.client.stakeSupplier({
        stake: supplierStake,
        services: [{ serviceId: 'pgsvca', endpoints: endpoint(9001) }],
      }),
      actors.sup2.client.stakeSupplier({
        stake: supplierStake,
        services: [
          { serviceId: 'pgsvca', endpoints: endpoint(9002) },
          { serviceId: 'pgsvcb', endpoints: endpoint(9002) },
        ],
      }),
      actors.sup3.client.stakeSupplier({
        stake: supplierStake,
        ownerAddress: actors.sup3Owner.address,
        services: [{ serviceId: 'pgsvcb', endpoints: endpoint(9003) }],
      }),
    ])),
  )
  for (const tx of txs) {
    if (tx.height >= sessionStart + blocks)
      throw new Error(`a stake landed at ${tx.height}, after the session at ${sessionStart}`)
  }
  await actors.app1.client.delegateToGateway({ gatewayAddress: actors.gw1.address })
  await actors.app3.client.delegateToGateway({ gatewayAddress: actors.gw1.address })
  // Active from the next session.
  await client.waitForHeight({
    height: sessionStart + blocks + 1n,
    timeout: 60_000,
    pollingInterval: 50,
  })
  return actors
}

function listQueries(actors: Record<Name, Actor>): ListQuery[] {
  const q = (name: string, path: string, request: DescMessage, fields = {}): ListQuery => {
    // Each Query service's responses sit beside its requests: QueryXRequest -> QueryXResponse.
    const response = RESPONSES.get(request.typeName.replace(/Request$/, 'Response'))
    if (!response) throw new Error(`no response schema for ${request.typeName}`)
    return { name, path, request, response, fields }
  }
  return [
    q('accounts', '/cosmos.auth.v1beta1.Query/Accounts', authQuery.QueryAccountsRequestSchema),
    q(
      'total supply',
      '/cosmos.bank.v1beta1.Query/TotalSupply',
      bankQuery.QueryTotalSupplyRequestSchema,
    ),
    q(
      'balances',
      '/cosmos.bank.v1beta1.Query/AllBalances',
      bankQuery.QueryAllBalancesRequestSchema,
      {
        address: actors.sup1.address,
      },
    ),
    q(
      'spendable balances',
      '/cosmos.bank.v1beta1.Query/SpendableBalances',
      bankQuery.QuerySpendableBalancesRequestSchema,
      { address: actors.app1.address },
    ),
    q('services', '/pocket.service.Query/AllServices', serviceQuery.QueryAllServicesRequestSchema),
    q(
      'compute units history',
      '/pocket.service.Query/ComputeUnitsPerRelayHistory',
      serviceQuery.QueryComputeUnitsPerRelayHistoryRequestSchema,
      { serviceId: 'pgsvca' },
    ),
    q(
      'difficulties',
      '/pocket.service.Query/RelayMiningDifficultyAll',
      serviceQuery.QueryAllRelayMiningDifficultyRequestSchema,
    ),
    q(
      'applications',
      '/pocket.application.Query/AllApplications',
      applicationQuery.QueryAllApplicationsRequestSchema,
    ),
    q(
      'applications delegating to gw1',
      '/pocket.application.Query/AllApplications',
      applicationQuery.QueryAllApplicationsRequestSchema,
      { delegateeGatewayAddress: actors.gw1.address },
    ),
    q('gateways', '/pocket.gateway.Query/AllGateways', gatewayQuery.QueryAllGatewaysRequestSchema),
    q(
      'suppliers',
      '/pocket.supplier.Query/AllSuppliers',
      supplierQuery.QueryAllSuppliersRequestSchema,
    ),
    q(
      'suppliers of pgsvca',
      '/pocket.supplier.Query/AllSuppliers',
      supplierQuery.QueryAllSuppliersRequestSchema,
      { serviceId: 'pgsvca' },
    ),
    q(
      'suppliers of sup3Owner',
      '/pocket.supplier.Query/AllSuppliers',
      supplierQuery.QueryAllSuppliersRequestSchema,
      { ownerAddress: actors.sup3Owner.address },
    ),
    q(
      'supplier by operator',
      '/pocket.supplier.Query/AllSuppliers',
      supplierQuery.QueryAllSuppliersRequestSchema,
      { operatorAddress: actors.sup2.address, dehydrated: true },
    ),
    q('claims', '/pocket.proof.Query/AllClaims', proofQuery.QueryAllClaimsRequestSchema),
    // x/proof checks the filters of AllProofs, not those of AllClaims.
    q(
      'claims of a malformed supplier',
      '/pocket.proof.Query/AllClaims',
      proofQuery.QueryAllClaimsRequestSchema,
      { filter: { case: 'supplierOperatorAddress', value: 'pokt1malformed' } },
    ),
    q(
      'claims of an empty session',
      '/pocket.proof.Query/AllClaims',
      proofQuery.QueryAllClaimsRequestSchema,
      { filter: { case: 'sessionId', value: '' } },
    ),
    q('proofs', '/pocket.proof.Query/AllProofs', proofQuery.QueryAllProofsRequestSchema),
    q(
      'proofs of a malformed supplier',
      '/pocket.proof.Query/AllProofs',
      proofQuery.QueryAllProofsRequestSchema,
      { filter: { case: 'supplierOperatorAddress', value: 'pokt1malformed' } },
    ),
  ]
}

const RESPONSES = new Map<string, DescMessage>(
  [authQuery, bankQuery, serviceQuery, applicationQuery, gatewayQuery, supplierQuery, proofQuery]
    .flatMap((file) => Object.values(file))
    .filter(
      (v): v is DescMessage =>
        typeof v === 'object' &&
        v !== null &&
        'typeName' in v &&
        (v as { kind?: string }).kind === 'message',
    )
    .map((schema) => [schema.typeName, schema]),
)

type PageInit = MessageInitShape<typeof PageRequestSchema>

const PAGES: Record<string, PageInit | undefined> = {
  'no pagination': undefined,
  'limit 0': { limit: 0n },
  'limit 0 reverse': { limit: 0n, reverse: true },
  'limit 2': { limit: 2n },
  'limit 2 count_total': { limit: 2n, countTotal: true },
  'offset 1 limit 2 count_total': { offset: 1n, limit: 2n, countTotal: true },
  'offset past the end': { offset: 1000n, limit: 2n, countTotal: true },
  'offset at the end': { offset: 3n, countTotal: true },
  'reverse limit 2 count_total': { reverse: true, limit: 2n, countTotal: true },
}

/** The answers to one list query: the fixed pages, both walks and the two odd requests. */
async function askList(target: Backend, list: ListQuery): Promise<Answers> {
  const answers: Answers = {}
  const ask = async (label: string, pagination: PageInit | undefined) => {
    const request = create(list.request, {
      ...list.fields,
      ...(pagination ? { pagination: create(PageRequestSchema, pagination) } : {}),
    } as never)
    const res = await target.client.comet.abciQuery({
      path: list.path,
      data: marshal(list.request, request),
    })
    const answer: Answer = {
      code: res.code ?? 0,
      codespace: res.codespace ?? '',
      log: res.log ?? '',
      value: Buffer.from(res.value).toString('hex'),
    }
    answers[`${list.name} | ${label}`] = answer
    return answer
  }
  for (const [label, page] of Object.entries(PAGES)) await ask(label, page)

  let lastKey: Uint8Array | undefined
  for (const reverse of [false, true]) {
    let key: Uint8Array | undefined
    for (let i = 0; i < 50; i++) {
      const answer = await ask(`walk ${reverse ? 'reverse' : 'forward'} ${i}`, {
        limit: 1n,
        reverse,
        countTotal: true,
        ...(key ? { key } : {}),
      })
      const next = answer.code === 0 ? decodePagination(list, answer.value)?.nextKey : undefined
      if (!next || next.length === 0) break
      key = next
      if (!reverse) lastKey = next
    }
  }
  await ask('key with offset', { key: new Uint8Array([1]), offset: 1n })
  if (lastKey) await ask('reverse from the last key', { key: lastKey, reverse: true, limit: 1n })
  return answers
}
