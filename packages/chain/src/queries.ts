import {
  type Application,
  type Claim,
  create,
  type DescMessage,
  type Gateway,
  type MessageShape,
  type ModuleParams,
  type PocketModule,
  type Proof,
  pocketModuleParams,
  type RelayMiningDifficulty,
  type Service,
  type Session,
  type Supplier,
  unpackAny,
} from '@decai/protocol'
import {
  BaseAccountSchema,
  ModuleAccountSchema,
} from '@decai/protocol/gen/cosmos/auth/v1beta1/auth_pb'
import * as authQuery from '@decai/protocol/gen/cosmos/auth/v1beta1/query_pb'
import * as bankQuery from '@decai/protocol/gen/cosmos/bank/v1beta1/query_pb'
import { PubKeySchema } from '@decai/protocol/gen/cosmos/crypto/secp256k1/keys_pb'
import * as applicationQuery from '@decai/protocol/gen/pocket/application/query_pb'
import * as gatewayQuery from '@decai/protocol/gen/pocket/gateway/query_pb'
import * as proofQuery from '@decai/protocol/gen/pocket/proof/query_pb'
import * as serviceQuery from '@decai/protocol/gen/pocket/service/query_pb'
import * as sessionQuery from '@decai/protocol/gen/pocket/session/query_pb'
import * as sharedQuery from '@decai/protocol/gen/pocket/shared/query_pb'
import * as supplierQuery from '@decai/protocol/gen/pocket/supplier/query_pb'
import { type QueryContext, queryAbci, queryAllPages } from './abci-query.js'
import { ChainError, isChainError } from './errors.js'

// --- Params ------------------------------------------------------------------------------------

export type GetParamsParameters<M extends PocketModule> = {
  module: M
  /**
   * The params in force at this height. Shared params use poktroll's `ParamsAtHeight` query (it
   * reads the params history, so it works on pruned nodes); the others query the state at that
   * height.
   */
  height?: bigint | undefined
}

/**
 * The parameters of a poktroll module.
 *
 * @example
 * const shared = await client.getParams({ module: 'shared' })
 * shared.numBlocksPerSession // 10n
 */
export async function getParams<M extends PocketModule>(
  ctx: QueryContext,
  parameters: GetParamsParameters<M>,
): Promise<ModuleParams<M>> {
  const { module, height } = parameters
  const query = pocketModuleParams[module]
  if (!query) throw new ChainError('INVALID_ARGUMENT', `Unknown module ${String(module)}.`)
  if (module === 'shared' && height !== undefined) {
    try {
      const res = await queryAbci(ctx, {
        path: '/pocket.shared.Query/ParamsAtHeight',
        requestSchema: sharedQuery.QueryParamsAtHeightRequestSchema,
        request: { height },
        responseSchema: sharedQuery.QueryParamsAtHeightResponseSchema,
      })
      // gogo always writes non-nullable fields; a node that leaves one out means its zero value.
      return (res.params ?? create(query.params as DescMessage)) as ModuleParams<M>
    } catch (error) {
      // Nodes older than the params history answer "unknown query path" (sdk/6).
      if (!(isChainError(error) && error.codespace === 'sdk' && error.abciCode === 6)) throw error
    }
  }
  const res = await queryAbci(ctx, {
    path: `/${query.service}/Params`,
    requestSchema: query.request as DescMessage,
    request: {},
    responseSchema: query.response as DescMessage,
    height,
  })
  return ((res as { params?: unknown }).params ??
    create(query.params as DescMessage)) as ModuleParams<M>
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) {
    throw new ChainError('DECODE_FAILED', `The response has no ${what}.`)
  }
  return value
}

type AtHeight = { height?: bigint | undefined }

// --- Services ----------------------------------------------------------------------------------

/**
 * A service by ID (name, compute units per relay, owner).
 *
 * @example const svc = await client.getService({ id: 'llm' })
 */
export async function getService(
  ctx: QueryContext,
  parameters: { id: string } & AtHeight,
): Promise<Service> {
  const res = await queryAbci(ctx, {
    path: '/pocket.service.Query/Service',
    requestSchema: serviceQuery.QueryGetServiceRequestSchema,
    request: { id: parameters.id },
    responseSchema: serviceQuery.QueryGetServiceResponseSchema,
    height: parameters.height,
  })
  return required(res.service, 'service')
}

/** Every registered service. */
export async function getServices(
  ctx: QueryContext,
  parameters: AtHeight = {},
): Promise<Service[]> {
  return queryAllPages(ctx, {
    path: '/pocket.service.Query/AllServices',
    requestSchema: serviceQuery.QueryAllServicesRequestSchema,
    request: {},
    responseSchema: serviceQuery.QueryAllServicesResponseSchema,
    height: parameters.height,
    getItems: (res) => res.service,
  })
}

/**
 * A service's relay mining difficulty; with `height`, the one in force at that height
 * (poktroll's `RelayMiningDifficultyAtHeight`, what claims and proofs are checked against).
 *
 * @example
 * const { targetHash } = await client.getRelayMiningDifficulty({ serviceId: 'llm', height: 41n })
 */
export async function getRelayMiningDifficulty(
  ctx: QueryContext,
  parameters: { serviceId: string; height?: bigint | undefined },
): Promise<RelayMiningDifficulty> {
  if (parameters.height !== undefined) {
    const res = await queryAbci(ctx, {
      path: '/pocket.service.Query/RelayMiningDifficultyAtHeight',
      requestSchema: serviceQuery.QueryGetRelayMiningDifficultyAtHeightRequestSchema,
      request: { serviceId: parameters.serviceId, blockHeight: parameters.height },
      responseSchema: serviceQuery.QueryGetRelayMiningDifficultyAtHeightResponseSchema,
    })
    return required(res.relayMiningDifficulty, 'relay mining difficulty')
  }
  const res = await queryAbci(ctx, {
    path: '/pocket.service.Query/RelayMiningDifficulty',
    requestSchema: serviceQuery.QueryGetRelayMiningDifficultyRequestSchema,
    request: { serviceId: parameters.serviceId },
    responseSchema: serviceQuery.QueryGetRelayMiningDifficultyResponseSchema,
  })
  return required(res.relayMiningDifficulty, 'relay mining difficulty')
}

/**
 * The compute units per relay of a service in force at a height (changes apply from the next
 * session, so claims use the value at their session start).
 */
export async function getComputeUnitsPerRelay(
  ctx: QueryContext,
  parameters: { serviceId: string; height: bigint },
): Promise<bigint> {
  const res = await queryAbci(ctx, {
    path: '/pocket.service.Query/ComputeUnitsPerRelayAtHeight',
    requestSchema: serviceQuery.QueryComputeUnitsPerRelayAtHeightRequestSchema,
    request: { serviceId: parameters.serviceId, blockHeight: parameters.height },
    responseSchema: serviceQuery.QueryComputeUnitsPerRelayAtHeightResponseSchema,
  })
  return res.computeUnitsPerRelay
}

// --- Actors ------------------------------------------------------------------------------------

/** A staked application by address. */
export async function getApplication(
  ctx: QueryContext,
  parameters: { address: string } & AtHeight,
): Promise<Application> {
  const res = await queryAbci(ctx, {
    path: '/pocket.application.Query/Application',
    requestSchema: applicationQuery.QueryGetApplicationRequestSchema,
    request: { address: parameters.address },
    responseSchema: applicationQuery.QueryGetApplicationResponseSchema,
    height: parameters.height,
  })
  return required(res.application, 'application')
}

/** Every staked application, or those delegating to one gateway. */
export async function getApplications(
  ctx: QueryContext,
  parameters: { delegateeGatewayAddress?: string | undefined } & AtHeight = {},
): Promise<Application[]> {
  return queryAllPages(ctx, {
    path: '/pocket.application.Query/AllApplications',
    requestSchema: applicationQuery.QueryAllApplicationsRequestSchema,
    request: { delegateeGatewayAddress: parameters.delegateeGatewayAddress ?? '' },
    responseSchema: applicationQuery.QueryAllApplicationsResponseSchema,
    height: parameters.height,
    getItems: (res) => res.applications,
  })
}

/** A staked gateway by address. */
export async function getGateway(
  ctx: QueryContext,
  parameters: { address: string } & AtHeight,
): Promise<Gateway> {
  const res = await queryAbci(ctx, {
    path: '/pocket.gateway.Query/Gateway',
    requestSchema: gatewayQuery.QueryGetGatewayRequestSchema,
    request: { address: parameters.address },
    responseSchema: gatewayQuery.QueryGetGatewayResponseSchema,
    height: parameters.height,
  })
  return required(res.gateway, 'gateway')
}

/** Every staked gateway. */
export async function getGateways(
  ctx: QueryContext,
  parameters: AtHeight = {},
): Promise<Gateway[]> {
  return queryAllPages(ctx, {
    path: '/pocket.gateway.Query/AllGateways',
    requestSchema: gatewayQuery.QueryAllGatewaysRequestSchema,
    request: {},
    responseSchema: gatewayQuery.QueryAllGatewaysResponseSchema,
    height: parameters.height,
    getItems: (res) => res.gateways,
  })
}

/** A staked supplier by operator address. */
export async function getSupplier(
  ctx: QueryContext,
  parameters: { operatorAddress: string } & AtHeight,
): Promise<Supplier> {
  const res = await queryAbci(ctx, {
    path: '/pocket.supplier.Query/Supplier',
    requestSchema: supplierQuery.QueryGetSupplierRequestSchema,
    request: { operatorAddress: parameters.operatorAddress },
    responseSchema: supplierQuery.QueryGetSupplierResponseSchema,
    height: parameters.height,
  })
  return required(res.supplier, 'supplier')
}

/** Every staked supplier, optionally filtered by service, owner or operator. */
export async function getSuppliers(
  ctx: QueryContext,
  parameters: {
    serviceId?: string | undefined
    ownerAddress?: string | undefined
    operatorAddress?: string | undefined
  } & AtHeight = {},
): Promise<Supplier[]> {
  return queryAllPages(ctx, {
    path: '/pocket.supplier.Query/AllSuppliers',
    requestSchema: supplierQuery.QueryAllSuppliersRequestSchema,
    request: {
      serviceId: parameters.serviceId ?? '',
      ownerAddress: parameters.ownerAddress ?? '',
      operatorAddress: parameters.operatorAddress ?? '',
    },
    responseSchema: supplierQuery.QueryAllSuppliersResponseSchema,
    height: parameters.height,
    getItems: (res) => res.supplier,
  })
}

// --- Sessions, claims and proofs ---------------------------------------------------------------

/**
 * The session of an application for a service at a height (the current height by default), with
 * its suppliers, exactly as the chain hydrates it.
 *
 * @example
 * const session = await client.getSession({ applicationAddress: app, serviceId: 'llm' })
 * session.header?.sessionEndBlockHeight
 */
export async function getSession(
  ctx: QueryContext,
  parameters: { applicationAddress: string; serviceId: string; height?: bigint | undefined },
): Promise<Session> {
  const res = await queryAbci(ctx, {
    path: '/pocket.session.Query/GetSession',
    requestSchema: sessionQuery.QueryGetSessionRequestSchema,
    request: {
      applicationAddress: parameters.applicationAddress,
      serviceId: parameters.serviceId,
      blockHeight: parameters.height ?? 0n,
    },
    responseSchema: sessionQuery.QueryGetSessionResponseSchema,
  })
  return required(res.session, 'session')
}

/** A supplier's claim for a session. */
export async function getClaim(
  ctx: QueryContext,
  parameters: { sessionId: string; supplierOperatorAddress: string } & AtHeight,
): Promise<Claim> {
  const res = await queryAbci(ctx, {
    path: '/pocket.proof.Query/Claim',
    requestSchema: proofQuery.QueryGetClaimRequestSchema,
    request: {
      sessionId: parameters.sessionId,
      supplierOperatorAddress: parameters.supplierOperatorAddress,
    },
    responseSchema: proofQuery.QueryGetClaimResponseSchema,
    height: parameters.height,
  })
  return required(res.claim, 'claim')
}

/** Filters for listing claims or proofs: at most one applies, as on the chain. */
export type ClaimFilter =
  | { supplierOperatorAddress: string }
  | { sessionId: string }
  | { sessionEndHeight: bigint }
  | Record<string, never>

function toFilter(filter: ClaimFilter) {
  if ('supplierOperatorAddress' in filter)
    return { case: 'supplierOperatorAddress' as const, value: filter.supplierOperatorAddress }
  if ('sessionId' in filter) return { case: 'sessionId' as const, value: filter.sessionId }
  if ('sessionEndHeight' in filter)
    return { case: 'sessionEndHeight' as const, value: filter.sessionEndHeight }
  return { case: undefined }
}

/** Pending claims, all or filtered by supplier, session or session end height. */
export async function getClaims(
  ctx: QueryContext,
  parameters: ClaimFilter & AtHeight = {},
): Promise<Claim[]> {
  const { height, ...filter } = parameters as ClaimFilter & AtHeight
  return queryAllPages(ctx, {
    path: '/pocket.proof.Query/AllClaims',
    requestSchema: proofQuery.QueryAllClaimsRequestSchema,
    request: { filter: toFilter(filter as ClaimFilter) },
    responseSchema: proofQuery.QueryAllClaimsResponseSchema,
    height,
    getItems: (res) => res.claims,
  })
}

/** A supplier's proof for a session. */
export async function getProof(
  ctx: QueryContext,
  parameters: { sessionId: string; supplierOperatorAddress: string } & AtHeight,
): Promise<Proof> {
  const res = await queryAbci(ctx, {
    path: '/pocket.proof.Query/Proof',
    requestSchema: proofQuery.QueryGetProofRequestSchema,
    request: {
      sessionId: parameters.sessionId,
      supplierOperatorAddress: parameters.supplierOperatorAddress,
    },
    responseSchema: proofQuery.QueryGetProofResponseSchema,
    height: parameters.height,
  })
  return required(res.proof, 'proof')
}

/** Pending proofs, all or filtered by supplier, session or session end height. */
export async function getProofs(
  ctx: QueryContext,
  parameters: ClaimFilter & AtHeight = {},
): Promise<Proof[]> {
  const { height, ...filter } = parameters as ClaimFilter & AtHeight
  return queryAllPages(ctx, {
    path: '/pocket.proof.Query/AllProofs',
    requestSchema: proofQuery.QueryAllProofsRequestSchema,
    request: { filter: toFilter(filter as ClaimFilter) },
    responseSchema: proofQuery.QueryAllProofsResponseSchema,
    height,
    getItems: (res) => res.proofs,
  })
}

// --- Bank and auth -----------------------------------------------------------------------------

/** The uPOKT denomination. */
export const UPOKT = 'upokt'

/**
 * An account's balance of one denomination (upokt by default), as a bigint.
 *
 * @example const balance = await client.getBalance({ address }) // 1000000n
 */
export async function getBalance(
  ctx: QueryContext,
  parameters: { address: string; denom?: string | undefined } & AtHeight,
): Promise<bigint> {
  const res = await queryAbci(ctx, {
    path: '/cosmos.bank.v1beta1.Query/Balance',
    requestSchema: bankQuery.QueryBalanceRequestSchema,
    request: { address: parameters.address, denom: parameters.denom ?? UPOKT },
    responseSchema: bankQuery.QueryBalanceResponseSchema,
    height: parameters.height,
  })
  return parseAmount(res.balance?.amount ?? '0')
}

/** A coin with its amount as a bigint. */
export type CoinAmount = { denom: string; amount: bigint }

/** Every balance of an account. */
export async function getBalances(
  ctx: QueryContext,
  parameters: { address: string } & AtHeight,
): Promise<CoinAmount[]> {
  const coins = await queryAllPages(ctx, {
    path: '/cosmos.bank.v1beta1.Query/AllBalances',
    requestSchema: bankQuery.QueryAllBalancesRequestSchema,
    request: { address: parameters.address },
    responseSchema: bankQuery.QueryAllBalancesResponseSchema,
    height: parameters.height,
    getItems: (res) => res.balances,
  })
  return coins.map((c) => ({ denom: c.denom, amount: parseAmount(c.amount) }))
}

function parseAmount(amount: string): bigint {
  if (!/^\d+$/.test(amount)) {
    throw new ChainError('DECODE_FAILED', `Invalid coin amount ${JSON.stringify(amount)}.`)
  }
  return BigInt(amount)
}

/** What a transaction signer needs from the auth module. */
export type AccountInfo = {
  address: string
  accountNumber: bigint
  sequence: bigint
  /** The compressed secp256k1 key, once the account has sent a transaction. */
  publicKey: Uint8Array | undefined
}

/**
 * An account's number, sequence and public key. Throws `NOT_FOUND` for an address that has never
 * received tokens.
 */
export async function getAccount(
  ctx: QueryContext,
  parameters: { address: string } & AtHeight,
): Promise<AccountInfo> {
  const res = await queryAbci(ctx, {
    path: '/cosmos.auth.v1beta1.Query/Account',
    requestSchema: authQuery.QueryAccountRequestSchema,
    request: { address: parameters.address },
    responseSchema: authQuery.QueryAccountResponseSchema,
    height: parameters.height,
  })
  const any = required(res.account, 'account')
  const { schema, message } = unpackAny(any, [BaseAccountSchema, ModuleAccountSchema])
  const base =
    schema === ModuleAccountSchema
      ? (message as MessageShape<typeof ModuleAccountSchema>).baseAccount
      : (message as MessageShape<typeof BaseAccountSchema>)
  if (!base) throw new ChainError('DECODE_FAILED', 'The account has no base account.')
  let publicKey: Uint8Array | undefined
  if (base.pubKey && base.pubKey.value.length > 0) {
    publicKey = unpackAny(base.pubKey, [PubKeySchema]).message.key
  }
  return {
    address: base.address,
    accountNumber: base.accountNumber,
    sequence: base.sequence,
    publicKey,
  }
}
