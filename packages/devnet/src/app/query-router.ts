// gRPC query services served through `abci_query`, with the SDK's error mapping.

import { create, type DescMessage, type MessageShape, marshal, unmarshal } from '@decai/protocol'
import { ParamsSchema as AuthParamsSchema } from '@decai/protocol/gen/cosmos/auth/v1beta1/auth_pb'
import * as authQuery from '@decai/protocol/gen/cosmos/auth/v1beta1/query_pb'
import { ParamsSchema as BankParamsSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/bank_pb'
import * as bankQuery from '@decai/protocol/gen/cosmos/bank/v1beta1/query_pb'
import {
  type PageRequest,
  PageResponseSchema,
} from '@decai/protocol/gen/cosmos/base/query/v1beta1/pagination_pb'
import * as applicationQuery from '@decai/protocol/gen/pocket/application/query_pb'
import * as gatewayQuery from '@decai/protocol/gen/pocket/gateway/query_pb'
import { ParamsSchema as MigrationParamsSchema } from '@decai/protocol/gen/pocket/migration/params_pb'
import * as migrationQuery from '@decai/protocol/gen/pocket/migration/query_pb'
import * as proofQuery from '@decai/protocol/gen/pocket/proof/query_pb'
import { ClaimSchema, ProofSchema } from '@decai/protocol/gen/pocket/proof/types_pb'
import * as serviceQuery from '@decai/protocol/gen/pocket/service/query_pb'
import * as sessionQuery from '@decai/protocol/gen/pocket/session/query_pb'
import * as sharedQuery from '@decai/protocol/gen/pocket/shared/query_pb'
import * as supplierQuery from '@decai/protocol/gen/pocket/supplier/query_pb'
import * as tokenomicsQuery from '@decai/protocol/gen/pocket/tokenomics/query_pb'
import { getAllApplications, getApplication } from '../modules/application/msg-server.js'
import {
  accountToAny,
  authParams,
  getAccount,
  getAllAccounts,
  moduleAddressBytes,
} from '../modules/auth/keeper.js'
import { getAllBalances, getBalance, getSupply, getTotalSupply } from '../modules/bank/keeper.js'
import { getAllGateways, getGateway } from '../modules/gateway/msg-server.js'
import { getParams } from '../modules/params.js'
import { getClaim, getProof, listRecords } from '../modules/proof/msg-server.js'
import {
  defaultDifficulty,
  getAllServices,
  getAllStoredDifficulties,
  getComputeUnitsPerRelayAtHeight,
  getComputeUnitsPerRelayHistory,
  getDifficultyAtHeight,
  getDifficultyHistory,
  getService,
  getStoredDifficulty,
} from '../modules/service/keeper.js'
import { getSession } from '../modules/session/keeper.js'
import { errorText } from '../modules/shared/validation.js'
import {
  getAllDehydratedSuppliers,
  getPartiallyHydratedSupplier,
  getSupplier,
  getSupplierConfigUpdates,
  isConfigActive,
} from '../modules/supplier/msg-server.js'
import { AbciError, type GrpcCode, grpcError } from './abci-error.js'
import { accAddressError, addressCodecError } from './bech32-errors.js'
import {
  appErrors,
  proofErrors,
  sdkErrors,
  serviceErrors,
  sessionErrors,
  supplierErrors,
} from './chain-errors.js'
import { addressBytes, coin, decode } from './codec.js'
import type { Context } from './context.js'

export type QueryHandler = (ctx: Context, request: Uint8Array) => Uint8Array

// Filled once, as this file loads; each App routes through its own copy (`createQueryRouter`).
const handlers = new Map<string, QueryHandler>()

function serve<Req extends DescMessage, Res extends DescMessage>(
  path: string,
  requestSchema: Req,
  responseSchema: Res,
  handle: (ctx: Context, request: MessageShape<Req>) => MessageShape<Res>,
): void {
  handlers.set(path, (ctx, bytes) => {
    let request: MessageShape<Req>
    try {
      request = unmarshal(requestSchema, bytes)
    } catch (error) {
      throw grpcError('InvalidArgument', errorText(error))
    }
    return encodeMessage(responseSchema, handle(ctx, request))
  })
}

// Responses are canonical (gogo) bytes, as the chain returns them.
function encodeMessage<D extends DescMessage>(schema: D, message: MessageShape<D>): Uint8Array {
  return marshal(schema, message)
}

/** One app's query table: every module's handlers plus the app's own (tx simulation). */
export function createQueryRouter(
  own: Record<string, QueryHandler>,
): ReadonlyMap<string, QueryHandler> {
  return new Map([...handlers, ...Object.entries(own)])
}

/** `gRPCErrorToSDKError`: how a query's gRPC status becomes an ABCI error. */
export function queryError(error: unknown): AbciError {
  if (error instanceof AbciError && error.grpc) {
    const map: Partial<Record<GrpcCode, typeof sdkErrors.keyNotFound>> = {
      NotFound: sdkErrors.keyNotFound,
      InvalidArgument: sdkErrors.invalidRequest,
      FailedPrecondition: sdkErrors.invalidRequest,
      Unauthenticated: sdkErrors.unauthorized,
    }
    return (map[error.grpc.code] ?? sdkErrors.unknownRequest).wrap(error.log)
  }
  if (error instanceof AbciError) return error
  return sdkErrors.invalidRequest.wrap(errorText(error))
}

/** Runs the query at `path`; unknown paths fail as the SDK's router does. */
export function runQuery(
  router: ReadonlyMap<string, QueryHandler>,
  ctx: Context,
  path: string,
  data: Uint8Array,
): Uint8Array {
  const handler = router.get(path)
  if (!handler) throw sdkErrors.unknownRequest.wrap('unknown query path')
  try {
    return handler(ctx, data)
  } catch (error) {
    throw queryError(error)
  }
}

/** Paginates a keyed list the way `query.Paginate` does (key or offset, limit, total). */
function paginate<T>(items: [string, T][], page: PageRequest | undefined) {
  const limit = page && page.limit > 0n ? Number(page.limit) : 100
  let ordered = items
  if (page?.reverse) ordered = [...items].reverse()
  let start = 0
  if (page && page.key.length > 0) {
    const key = Buffer.from(page.key).toString('latin1')
    start = ordered.findIndex(([k]) => (page.reverse ? k <= key : k >= key))
    if (start < 0) start = ordered.length
  } else if (page && page.offset > 0n) start = Number(page.offset)
  const slice = ordered.slice(start, start + limit)
  const next = ordered[start + limit]
  const pagination = create(PageResponseSchema, {
    nextKey: next ? Buffer.from(next[0], 'latin1') : new Uint8Array(),
    total: page?.countTotal && !(page.key.length > 0) ? BigInt(items.length) : 0n,
  })
  return { items: slice.map(([, v]) => v), pagination }
}

const withKeys = <T>(items: T[], keyOf: (t: T) => string): [string, T][] =>
  items.map((t) => [keyOf(t), t])

/** x/bank's check: the address codec's error in an InvalidArgument status. */
function requireAddress(address: string): void {
  const problem = addressCodecError(address)
  if (problem) throw grpcError('InvalidArgument', `invalid address: ${problem}`)
}

// --- cosmos.auth ---

serve(
  '/cosmos.auth.v1beta1.Query/Account',
  authQuery.QueryAccountRequestSchema,
  authQuery.QueryAccountResponseSchema,
  (ctx, req) => {
    if (req.address === '') throw grpcError('InvalidArgument', 'Address cannot be empty')
    // x/auth returns the codec's plain error, which the query router reports as invalid request.
    const problem = addressCodecError(req.address)
    if (problem) throw sdkErrors.invalidRequest.wrap(problem)
    const account = getAccount(ctx, req.address)
    if (!account) throw grpcError('NotFound', `account ${req.address} not found`)
    return create(authQuery.QueryAccountResponseSchema, { account: accountToAny(account) })
  },
)

serve(
  '/cosmos.auth.v1beta1.Query/Accounts',
  authQuery.QueryAccountsRequestSchema,
  authQuery.QueryAccountsResponseSchema,
  (ctx, req) => {
    const all = withKeys(getAllAccounts(ctx), (a) =>
      Buffer.from(addressBytes(a.base.address)).toString('latin1'),
    )
    const { items, pagination } = paginate(all, req.pagination)
    return create(authQuery.QueryAccountsResponseSchema, {
      accounts: items.map(accountToAny),
      pagination,
    })
  },
)

serve(
  '/cosmos.auth.v1beta1.Query/Params',
  authQuery.QueryParamsRequestSchema,
  authQuery.QueryParamsResponseSchema,
  () =>
    create(authQuery.QueryParamsResponseSchema, {
      params: create(AuthParamsSchema, { ...authParams }),
    }),
)

serve(
  '/cosmos.auth.v1beta1.Query/ModuleAccountByName',
  authQuery.QueryModuleAccountByNameRequestSchema,
  authQuery.QueryModuleAccountByNameResponseSchema,
  (ctx, req) => {
    const account = getAccount(ctx, moduleAddressBytes(req.name))
    if (!account?.module) throw grpcError('NotFound', `account ${req.name} not found`)
    return create(authQuery.QueryModuleAccountByNameResponseSchema, {
      account: accountToAny(account),
    })
  },
)

// --- cosmos.bank ---

serve(
  '/cosmos.bank.v1beta1.Query/Balance',
  bankQuery.QueryBalanceRequestSchema,
  bankQuery.QueryBalanceResponseSchema,
  (ctx, req) => {
    requireAddress(req.address)
    if (req.denom === '') throw grpcError('InvalidArgument', 'invalid denom')
    return create(bankQuery.QueryBalanceResponseSchema, {
      balance: coin(getBalance(ctx, addressBytes(req.address), req.denom), req.denom),
    })
  },
)

function allBalances(ctx: Context, address: string, page: PageRequest | undefined) {
  requireAddress(address)
  const balances = getAllBalances(ctx, addressBytes(address)).map((b) => coin(b.amount, b.denom))
  return paginate(
    withKeys(balances, (b) => b.denom),
    page,
  )
}

serve(
  '/cosmos.bank.v1beta1.Query/AllBalances',
  bankQuery.QueryAllBalancesRequestSchema,
  bankQuery.QueryAllBalancesResponseSchema,
  (ctx, req) => {
    const { items, pagination } = allBalances(ctx, req.address, req.pagination)
    return create(bankQuery.QueryAllBalancesResponseSchema, { balances: items, pagination })
  },
)

serve(
  '/cosmos.bank.v1beta1.Query/SpendableBalances',
  bankQuery.QuerySpendableBalancesRequestSchema,
  bankQuery.QuerySpendableBalancesResponseSchema,
  (ctx, req) => {
    const { items, pagination } = allBalances(ctx, req.address, req.pagination)
    return create(bankQuery.QuerySpendableBalancesResponseSchema, { balances: items, pagination })
  },
)

serve(
  '/cosmos.bank.v1beta1.Query/TotalSupply',
  bankQuery.QueryTotalSupplyRequestSchema,
  bankQuery.QueryTotalSupplyResponseSchema,
  (ctx, req) => {
    const supply = getTotalSupply(ctx).map((s) => coin(s.amount, s.denom))
    const { items, pagination } = paginate(
      withKeys(supply, (s) => s.denom),
      req.pagination,
    )
    return create(bankQuery.QueryTotalSupplyResponseSchema, { supply: items, pagination })
  },
)

serve(
  '/cosmos.bank.v1beta1.Query/SupplyOf',
  bankQuery.QuerySupplyOfRequestSchema,
  bankQuery.QuerySupplyOfResponseSchema,
  (ctx, req) =>
    create(bankQuery.QuerySupplyOfResponseSchema, {
      amount: coin(getSupply(ctx, req.denom), req.denom),
    }),
)

serve(
  '/cosmos.bank.v1beta1.Query/Params',
  bankQuery.QueryParamsRequestSchema,
  bankQuery.QueryParamsResponseSchema,
  () =>
    create(bankQuery.QueryParamsResponseSchema, {
      params: create(BankParamsSchema, { defaultSendEnabled: true }),
    }),
)

// --- pocket params ---

serve(
  '/pocket.shared.Query/Params',
  sharedQuery.QueryParamsRequestSchema,
  sharedQuery.QueryParamsResponseSchema,
  (ctx) => create(sharedQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'shared') }),
)
serve(
  '/pocket.shared.Query/ParamsAtHeight',
  sharedQuery.QueryParamsAtHeightRequestSchema,
  sharedQuery.QueryParamsAtHeightResponseSchema,
  (ctx, req) => {
    if (req.height < 0n) throw grpcError('InvalidArgument', 'height must be non-negative')
    // The devnet's params never change, so every height has the genesis params.
    return create(sharedQuery.QueryParamsAtHeightResponseSchema, {
      params: getParams(ctx, 'shared'),
    })
  },
)
serve(
  '/pocket.session.Query/Params',
  sessionQuery.QueryParamsRequestSchema,
  sessionQuery.QueryParamsResponseSchema,
  (ctx) => create(sessionQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'session') }),
)
serve(
  '/pocket.proof.Query/Params',
  proofQuery.QueryParamsRequestSchema,
  proofQuery.QueryParamsResponseSchema,
  (ctx) => create(proofQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'proof') }),
)
serve(
  '/pocket.tokenomics.Query/Params',
  tokenomicsQuery.QueryParamsRequestSchema,
  tokenomicsQuery.QueryParamsResponseSchema,
  (ctx) =>
    create(tokenomicsQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'tokenomics') }),
)
serve(
  '/pocket.service.Query/Params',
  serviceQuery.QueryParamsRequestSchema,
  serviceQuery.QueryParamsResponseSchema,
  (ctx) => create(serviceQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'service') }),
)
serve(
  '/pocket.application.Query/Params',
  applicationQuery.QueryParamsRequestSchema,
  applicationQuery.QueryParamsResponseSchema,
  (ctx) =>
    create(applicationQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'application') }),
)
serve(
  '/pocket.gateway.Query/Params',
  gatewayQuery.QueryParamsRequestSchema,
  gatewayQuery.QueryParamsResponseSchema,
  (ctx) => create(gatewayQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'gateway') }),
)
serve(
  '/pocket.supplier.Query/Params',
  supplierQuery.QueryParamsRequestSchema,
  supplierQuery.QueryParamsResponseSchema,
  (ctx) => create(supplierQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'supplier') }),
)
serve(
  '/pocket.migration.Query/Params',
  migrationQuery.QueryParamsRequestSchema,
  migrationQuery.QueryParamsResponseSchema,
  () =>
    create(migrationQuery.QueryParamsResponseSchema, {
      params: create(MigrationParamsSchema, { morseAccountClaimingEnabled: true }),
    }),
)

// --- session ---

serve(
  '/pocket.session.Query/GetSession',
  sessionQuery.QueryGetSessionRequestSchema,
  sessionQuery.QueryGetSessionResponseSchema,
  (ctx, req) => {
    const appError = accAddressError(req.applicationAddress)
    if (appError) throw grpcError('InvalidArgument', sessionErrors.invalidAppAddress.wrap(appError))
    if (req.blockHeight < 0n) {
      throw grpcError(
        'InvalidArgument',
        `invalid block height for session being retrieved ${req.blockHeight};: invalid block height for session`,
      )
    }
    try {
      return create(sessionQuery.QueryGetSessionResponseSchema, {
        session: getSession(ctx, req.applicationAddress, req.serviceId, req.blockHeight),
      })
    } catch (error) {
      throw grpcError('Internal', errorText(error))
    }
  },
)

// --- service ---

serve(
  '/pocket.service.Query/Service',
  serviceQuery.QueryGetServiceRequestSchema,
  serviceQuery.QueryGetServiceResponseSchema,
  (ctx, req) => {
    const service = getService(ctx, req.id)
    if (!service) throw grpcError('NotFound', `service ID not found: "${req.id}"`)
    if (req.dehydrated) service.metadata = undefined
    return create(serviceQuery.QueryGetServiceResponseSchema, { service })
  },
)
serve(
  '/pocket.service.Query/AllServices',
  serviceQuery.QueryAllServicesRequestSchema,
  serviceQuery.QueryAllServicesResponseSchema,
  (ctx, req) => {
    const services = getAllServices(ctx)
    if (req.dehydrated) for (const s of services) s.metadata = undefined
    const { items, pagination } = paginate(
      withKeys(services, (s) => `${s.id}/`),
      req.pagination,
    )
    return create(serviceQuery.QueryAllServicesResponseSchema, { service: items, pagination })
  },
)

function requireService(ctx: Context, serviceId: string): void {
  if (!getService(ctx, serviceId)) {
    throw grpcError('NotFound', serviceErrors.notFound.wrap(`serviceID: ${serviceId}`))
  }
}

serve(
  '/pocket.service.Query/RelayMiningDifficulty',
  serviceQuery.QueryGetRelayMiningDifficultyRequestSchema,
  serviceQuery.QueryGetRelayMiningDifficultyResponseSchema,
  (ctx, req) => {
    requireService(ctx, req.serviceId)
    const stored = getStoredDifficulty(ctx, req.serviceId)
    // A service without a stored difficulty reports the base target seeded at target_num_relays.
    const difficulty = stored ?? {
      ...defaultDifficulty(ctx, req.serviceId),
      blockHeight: ctx.height,
    }
    return create(serviceQuery.QueryGetRelayMiningDifficultyResponseSchema, {
      relayMiningDifficulty: difficulty,
    })
  },
)
serve(
  '/pocket.service.Query/RelayMiningDifficultyAll',
  serviceQuery.QueryAllRelayMiningDifficultyRequestSchema,
  serviceQuery.QueryAllRelayMiningDifficultyResponseSchema,
  (ctx, req) => {
    const { items, pagination } = paginate(
      withKeys(getAllStoredDifficulties(ctx), (d) => `${d.serviceId}/`),
      req.pagination,
    )
    return create(serviceQuery.QueryAllRelayMiningDifficultyResponseSchema, {
      relayMiningDifficulty: items,
      pagination,
    })
  },
)
serve(
  '/pocket.service.Query/RelayMiningDifficultyAtHeight',
  serviceQuery.QueryGetRelayMiningDifficultyAtHeightRequestSchema,
  serviceQuery.QueryGetRelayMiningDifficultyAtHeightResponseSchema,
  (ctx, req) => {
    if (req.serviceId === '') throw grpcError('InvalidArgument', 'service ID is required')
    if (req.blockHeight < 0n)
      throw grpcError('InvalidArgument', 'block height must be non-negative')
    requireService(ctx, req.serviceId)
    return create(serviceQuery.QueryGetRelayMiningDifficultyAtHeightResponseSchema, {
      relayMiningDifficulty: getDifficultyAtHeight(ctx, req.serviceId, req.blockHeight),
    })
  },
)
serve(
  '/pocket.service.Query/RelayMiningDifficultyHistory',
  serviceQuery.QueryRelayMiningDifficultyHistoryRequestSchema,
  serviceQuery.QueryRelayMiningDifficultyHistoryResponseSchema,
  (ctx, req) => {
    if (req.serviceId === '') throw grpcError('InvalidArgument', 'service ID is required')
    requireService(ctx, req.serviceId)
    const { items, pagination } = paginate(
      withKeys(getDifficultyHistory(ctx, req.serviceId), (u) =>
        u.effectiveHeight.toString().padStart(20, '0'),
      ),
      req.pagination,
    )
    return create(serviceQuery.QueryRelayMiningDifficultyHistoryResponseSchema, {
      relayMiningDifficultyHistory: items,
      pagination,
    })
  },
)
serve(
  '/pocket.service.Query/ComputeUnitsPerRelayAtHeight',
  serviceQuery.QueryComputeUnitsPerRelayAtHeightRequestSchema,
  serviceQuery.QueryComputeUnitsPerRelayAtHeightResponseSchema,
  (ctx, req) => {
    if (req.serviceId === '') throw grpcError('InvalidArgument', 'service ID is required')
    if (req.blockHeight < 0n)
      throw grpcError('InvalidArgument', 'block height must be non-negative')
    requireService(ctx, req.serviceId)
    return create(serviceQuery.QueryComputeUnitsPerRelayAtHeightResponseSchema, {
      computeUnitsPerRelay:
        getComputeUnitsPerRelayAtHeight(ctx, req.serviceId, req.blockHeight) ?? 0n,
    })
  },
)
serve(
  '/pocket.service.Query/ComputeUnitsPerRelayHistory',
  serviceQuery.QueryComputeUnitsPerRelayHistoryRequestSchema,
  serviceQuery.QueryComputeUnitsPerRelayHistoryResponseSchema,
  (ctx, req) => {
    if (req.serviceId === '') throw grpcError('InvalidArgument', 'service ID is required')
    requireService(ctx, req.serviceId)
    const { items, pagination } = paginate(
      withKeys(getComputeUnitsPerRelayHistory(ctx, req.serviceId), (u) =>
        u.effectiveHeight.toString().padStart(20, '0'),
      ),
      req.pagination,
    )
    return create(serviceQuery.QueryComputeUnitsPerRelayHistoryResponseSchema, {
      computeUnitsPerRelayHistory: items,
      pagination,
    })
  },
)

// --- application ---

serve(
  '/pocket.application.Query/Application',
  applicationQuery.QueryGetApplicationRequestSchema,
  applicationQuery.QueryGetApplicationResponseSchema,
  (ctx, req) => {
    const application = getApplication(ctx, req.address)
    if (!application)
      throw grpcError('NotFound', appErrors.notFound.wrap(`app address: ${req.address}`))
    return create(applicationQuery.QueryGetApplicationResponseSchema, { application })
  },
)
serve(
  '/pocket.application.Query/AllApplications',
  applicationQuery.QueryAllApplicationsRequestSchema,
  applicationQuery.QueryAllApplicationsResponseSchema,
  (ctx, req) => {
    const gatewayError =
      req.delegateeGatewayAddress === '' ? undefined : accAddressError(req.delegateeGatewayAddress)
    if (gatewayError) {
      throw grpcError(
        'InvalidArgument',
        appErrors.queryAppsInvalidGatewayAddress.wrap(
          `${JSON.stringify(req.delegateeGatewayAddress)}; (${gatewayError})`,
        ),
      )
    }
    const apps = getAllApplications(ctx)
    const keyed = withKeys(apps, (a) => `${a.address}/`)
    const { items, pagination } = paginate(keyed, req.pagination)
    const filtered =
      req.delegateeGatewayAddress === ''
        ? items
        : items.filter((a) => a.delegateeGatewayAddresses.includes(req.delegateeGatewayAddress))
    return create(applicationQuery.QueryAllApplicationsResponseSchema, {
      applications: filtered,
      pagination,
    })
  },
)

// --- gateway ---

serve(
  '/pocket.gateway.Query/Gateway',
  gatewayQuery.QueryGetGatewayRequestSchema,
  gatewayQuery.QueryGetGatewayResponseSchema,
  (ctx, req) => {
    const gateway = getGateway(ctx, req.address)
    if (!gateway) throw grpcError('NotFound', `gateway not found: address ${req.address}`)
    if (req.dehydrated) gateway.metadata = undefined
    return create(gatewayQuery.QueryGetGatewayResponseSchema, { gateway })
  },
)
serve(
  '/pocket.gateway.Query/AllGateways',
  gatewayQuery.QueryAllGatewaysRequestSchema,
  gatewayQuery.QueryAllGatewaysResponseSchema,
  (ctx, req) => {
    const gateways = getAllGateways(ctx)
    if (req.dehydrated) for (const g of gateways) g.metadata = undefined
    const { items, pagination } = paginate(
      withKeys(gateways, (g) => `${g.address}/`),
      req.pagination,
    )
    return create(gatewayQuery.QueryAllGatewaysResponseSchema, { gateways: items, pagination })
  },
)

// --- supplier ---

serve(
  '/pocket.supplier.Query/Supplier',
  supplierQuery.QueryGetSupplierRequestSchema,
  supplierQuery.QueryGetSupplierResponseSchema,
  (ctx, req) => {
    const supplier = req.dehydrated
      ? getPartiallyHydratedSupplier(ctx, req.operatorAddress)
      : getSupplier(ctx, req.operatorAddress)
    if (!supplier) {
      throw grpcError(
        'NotFound',
        supplierErrors.notFound.wrap(`supplier with operator address: "${req.operatorAddress}"`),
      )
    }
    return create(supplierQuery.QueryGetSupplierResponseSchema, { supplier })
  },
)
serve(
  '/pocket.supplier.Query/AllSuppliers',
  supplierQuery.QueryAllSuppliersRequestSchema,
  supplierQuery.QueryAllSuppliersResponseSchema,
  (ctx, req) => {
    for (const [what, address] of [
      ['operator', req.operatorAddress],
      ['owner', req.ownerAddress],
    ] as const) {
      const problem = address === '' ? undefined : accAddressError(address)
      if (problem) {
        throw grpcError(
          'InvalidArgument',
          supplierErrors.invalidAddress.wrap(`invalid ${what} address ${address}; (${problem})`),
        )
      }
    }
    const hydrate = (op: string) =>
      req.dehydrated ? getPartiallyHydratedSupplier(ctx, op) : getSupplier(ctx, op)
    let operators = getAllDehydratedSuppliers(ctx)
      .filter((s) => req.ownerAddress === '' || s.ownerAddress === req.ownerAddress)
      .filter((s) => req.operatorAddress === '' || s.operatorAddress === req.operatorAddress)
      .map((s) => s.operatorAddress)
    if (req.serviceId !== '') {
      operators = operators.filter((op) =>
        getSupplierConfigUpdates(ctx, op, req.serviceId).some((u) => isConfigActive(u, ctx.height)),
      )
    }
    const suppliers = operators.map(hydrate).filter((s) => s !== undefined)
    const { items, pagination } = paginate(
      withKeys(suppliers, (s) => `${s.operatorAddress}/`),
      req.pagination,
    )
    return create(supplierQuery.QueryAllSuppliersResponseSchema, { supplier: items, pagination })
  },
)

// --- proof ---

function validateRecordRequest(
  req: { sessionId: string; supplierOperatorAddress: string },
  what: string,
): void {
  const problem = accAddressError(req.supplierOperatorAddress)
  if (problem) {
    throw grpcError(
      'InvalidArgument',
      proofErrors.invalidAddress.wrap(
        `invalid supplier operator address for ${what} being retrieved ${req.supplierOperatorAddress}; (${problem})`,
      ),
    )
  }
  if (req.sessionId === '') {
    throw grpcError(
      'InvalidArgument',
      proofErrors.invalidSessionId.wrap(`invalid empty session ID for ${what} being retrieved`),
    )
  }
}

serve(
  '/pocket.proof.Query/Claim',
  proofQuery.QueryGetClaimRequestSchema,
  proofQuery.QueryGetClaimResponseSchema,
  (ctx, req) => {
    validateRecordRequest(req, 'claim')
    const claim = getClaim(ctx, req.sessionId, req.supplierOperatorAddress)
    if (!claim) {
      throw grpcError(
        'NotFound',
        proofErrors.claimNotFound.wrap(
          `session ID "${req.sessionId}" and supplier "${req.supplierOperatorAddress}"`,
        ),
      )
    }
    return create(proofQuery.QueryGetClaimResponseSchema, { claim })
  },
)
serve(
  '/pocket.proof.Query/Proof',
  proofQuery.QueryGetProofRequestSchema,
  proofQuery.QueryGetProofResponseSchema,
  (ctx, req) => {
    validateRecordRequest(req, 'proof')
    const proof = getProof(ctx, req.sessionId, req.supplierOperatorAddress)
    if (!proof) {
      throw grpcError(
        'NotFound',
        proofErrors.proofNotFound.wrap(
          `session ID "${req.sessionId}" and supplier "${req.supplierOperatorAddress}"`,
        ),
      )
    }
    return create(proofQuery.QueryGetProofResponseSchema, { proof })
  },
)

function recordFilter(filter: proofQuery.QueryAllClaimsRequest['filter'], kind: 'claim' | 'proof') {
  switch (filter.case) {
    case 'supplierOperatorAddress':
      if (accAddressError(filter.value)) {
        throw grpcError(
          'InvalidArgument',
          proofErrors.invalidAddress.wrap(
            `invalid supplier operator address for ${kind}s being retrieved ${filter.value}; (${accAddressError(filter.value)})`,
          ),
        )
      }
      return { supplier: filter.value }
    case 'sessionId':
      if (filter.value === '')
        throw grpcError(
          'InvalidArgument',
          proofErrors.invalidSessionId.wrap(
            `invalid empty session ID for ${kind}s being retrieved`,
          ),
        )
      return { sessionId: filter.value }
    case 'sessionEndHeight':
      return { sessionEndHeight: filter.value }
    default:
      return {}
  }
}

serve(
  '/pocket.proof.Query/AllClaims',
  proofQuery.QueryAllClaimsRequestSchema,
  proofQuery.QueryAllClaimsResponseSchema,
  (ctx, req) => {
    const claims = listRecords(ctx, 'claim', recordFilter(req.filter, 'claim')).map((b) =>
      decode(ClaimSchema, b),
    )
    const { items, pagination } = paginate(
      withKeys(claims, (c) => `${c.sessionHeader?.sessionId}/${c.supplierOperatorAddress}`),
      req.pagination,
    )
    return create(proofQuery.QueryAllClaimsResponseSchema, { claims: items, pagination })
  },
)
serve(
  '/pocket.proof.Query/AllProofs',
  proofQuery.QueryAllProofsRequestSchema,
  proofQuery.QueryAllProofsResponseSchema,
  (ctx, req) => {
    // Upstream formats the height filter as decimal text against binary keys, so it matches nothing.
    const filter =
      req.filter.case === 'sessionEndHeight' ? undefined : recordFilter(req.filter, 'proof')
    const proofs = filter
      ? listRecords(ctx, 'proof', filter).map((b) => decode(ProofSchema, b))
      : []
    const { items, pagination } = paginate(
      withKeys(proofs, (p) => `${p.sessionHeader?.sessionId}/${p.supplierOperatorAddress}`),
      req.pagination,
    )
    return create(proofQuery.QueryAllProofsResponseSchema, { proofs: items, pagination })
  },
)
