import type { OfflineDirectSigner } from '@cosmjs/proto-signing'
import { Comet38Client } from '@cosmjs/tendermint-rpc'
import type { DescMessage, MessageShape, ModuleParams, PocketModule } from '@decai/protocol'
import { type AbciQueryParameters, type QueryContext, queryAbci } from './abci-query.js'
import {
  getBlock,
  getBlockHash,
  getBlockResults,
  getChainId,
  getCommittedHeight,
  getLatestHeight,
  getTx,
  type WatchBlocksParameters,
  waitForHeight,
  watchBlocks,
} from './blocks.js'
import { ChainError, isChainError } from './errors.js'
import {
  type AddServiceParameters,
  type CreateClaimParameters,
  encodeAddService,
  encodeCreateClaim,
  encodeDelegateToGateway,
  encodeSendTokens,
  encodeStakeApplication,
  encodeStakeGateway,
  encodeStakeSupplier,
  encodeSubmitProof,
  encodeTransferService,
  encodeUndelegateFromGateway,
  encodeUnstakeApplication,
  encodeUnstakeGateway,
  encodeUnstakeSupplier,
  type GatewayDelegationParameters,
  type SendTokensParameters,
  type StakeApplicationParameters,
  type StakeGatewayParameters,
  type StakeSupplierParameters,
  type SubmitProofParameters,
  type TransferServiceParameters,
  type UnstakeSupplierParameters,
} from './messages.js'
import {
  type GetParamsParameters,
  getAccount,
  getApplication,
  getApplications,
  getBalance,
  getBalances,
  getClaim,
  getClaims,
  getComputeUnitsPerRelay,
  getGateway,
  getGateways,
  getParams,
  getProof,
  getProofs,
  getRelayMiningDifficulty,
  getService,
  getServices,
  getSession,
  getSupplier,
  getSuppliers,
} from './queries.js'
import { createHttpRpcClient, type HttpRpcClientOptions } from './rpc.js'
import {
  broadcastTransaction,
  keepsSequence,
  parseGasPrice,
  type RetryOptions,
  type SendTransactionParameters,
  type SigningContext,
  sendTransaction,
  simulateTransaction,
  type TransactionOptions,
  waitForTransaction,
  withRetries,
} from './send-transaction.js'
import { createSequenceManager } from './sequence.js'
import { getClaimSettlements } from './settlements.js'
import type { EncodedMessage } from './tx-encoding.js'

type Tail<F> = F extends (ctx: never, ...rest: infer R) => infer Out ? (...rest: R) => Out : never

export type CreateChainClientParameters = HttpRpcClientOptions & {
  /** The node's CometBFT RPC, e.g. `http://127.0.0.1:26657`. */
  rpcUrl: string
}

/** Queries, blocks and events over one node's CometBFT RPC. */
export type ChainClient = {
  readonly rpcUrl: string
  /** cosmjs's CometBFT 0.38 client underneath, for anything not wrapped here. */
  readonly comet: Comet38Client
  /** Any Cosmos gRPC query over `abci_query`, typed by its protobuf-es schemas. */
  queryAbci<Req extends DescMessage, Res extends DescMessage>(
    parameters: AbciQueryParameters<Req, Res>,
  ): Promise<MessageShape<Res>>
  getParams<M extends PocketModule>(parameters: GetParamsParameters<M>): Promise<ModuleParams<M>>
  getService: Tail<typeof getService>
  getServices: Tail<typeof getServices>
  getRelayMiningDifficulty: Tail<typeof getRelayMiningDifficulty>
  getComputeUnitsPerRelay: Tail<typeof getComputeUnitsPerRelay>
  getApplication: Tail<typeof getApplication>
  getApplications: Tail<typeof getApplications>
  getGateway: Tail<typeof getGateway>
  getGateways: Tail<typeof getGateways>
  getSupplier: Tail<typeof getSupplier>
  getSuppliers: Tail<typeof getSuppliers>
  getSession: Tail<typeof getSession>
  getClaim: Tail<typeof getClaim>
  getClaims: Tail<typeof getClaims>
  getProof: Tail<typeof getProof>
  getProofs: Tail<typeof getProofs>
  getBalance: Tail<typeof getBalance>
  getBalances: Tail<typeof getBalances>
  getAccount: Tail<typeof getAccount>
  getLatestHeight: Tail<typeof getLatestHeight>
  getCommittedHeight: Tail<typeof getCommittedHeight>
  getChainId: Tail<typeof getChainId>
  getBlock: Tail<typeof getBlock>
  getBlockHash: Tail<typeof getBlockHash>
  getBlockResults: Tail<typeof getBlockResults>
  getTx: Tail<typeof getTx>
  waitForHeight: Tail<typeof waitForHeight>
  waitForTransaction: Tail<typeof waitForTransaction>
  watchBlocks(parameters: WatchBlocksParameters): () => void
  getClaimSettlements: Tail<typeof getClaimSettlements>
  /** Closes connections (HTTP needs none; kept for symmetry with websocket clients). */
  disconnect(): void
}

/**
 * A read-only client: every query of the chain the actors use, blocks and settlements.
 *
 * @example
 * import { createChainClient } from '@decai/chain'
 * const client = createChainClient({ rpcUrl: 'http://127.0.0.1:26657' })
 * const session = await client.getSession({ applicationAddress, serviceId: 'llm' })
 */
export function createChainClient(parameters: CreateChainClientParameters): ChainClient {
  const { rpcUrl, ...options } = parameters
  if (!/^https?:\/\//.test(rpcUrl)) {
    throw new ChainError('INVALID_ARGUMENT', 'The RPC URL must start with http:// or https://.', {
      details: rpcUrl,
    })
  }
  const comet = withTypedErrors(Comet38Client.create(createHttpRpcClient(rpcUrl, options)))
  const ctx: QueryContext & { rpcUrl: string } = { comet, rpcUrl }
  return {
    rpcUrl,
    comet,
    queryAbci: (p) => queryAbci(ctx, p),
    getParams: (p) => getParams(ctx, p),
    getService: (p) => getService(ctx, p),
    getServices: (p) => getServices(ctx, p),
    getRelayMiningDifficulty: (p) => getRelayMiningDifficulty(ctx, p),
    getComputeUnitsPerRelay: (p) => getComputeUnitsPerRelay(ctx, p),
    getApplication: (p) => getApplication(ctx, p),
    getApplications: (p) => getApplications(ctx, p),
    getGateway: (p) => getGateway(ctx, p),
    getGateways: (p) => getGateways(ctx, p),
    getSupplier: (p) => getSupplier(ctx, p),
    getSuppliers: (p) => getSuppliers(ctx, p),
    getSession: (p) => getSession(ctx, p),
    getClaim: (p) => getClaim(ctx, p),
    getClaims: (p) => getClaims(ctx, p),
    getProof: (p) => getProof(ctx, p),
    getProofs: (p) => getProofs(ctx, p),
    getBalance: (p) => getBalance(ctx, p),
    getBalances: (p) => getBalances(ctx, p),
    getAccount: (p) => getAccount(ctx, p),
    getLatestHeight: () => getLatestHeight(ctx),
    getCommittedHeight: () => getCommittedHeight(ctx),
    getChainId: () => getChainId(ctx),
    getBlock: (p) => getBlock(ctx, p),
    getBlockHash: (p) => getBlockHash(ctx, p),
    getBlockResults: (p) => getBlockResults(ctx, p),
    getTx: (p) => getTx(ctx, p),
    waitForHeight: (p) => waitForHeight(ctx, p),
    waitForTransaction: (p) => waitForTransaction(ctx, p),
    watchBlocks: (p) => watchBlocks(ctx, p),
    getClaimSettlements: (p) => getClaimSettlements(ctx, p),
    disconnect: () => comet.disconnect(),
  }
}

// cosmjs checks every response's shape and throws plain errors when one does not fit; callers of
// this package only ever see ChainError.
function withTypedErrors(comet: Comet38Client): Comet38Client {
  return new Proxy(comet, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        const result = value.apply(target, args)
        if (!(result instanceof Promise)) return result
        return result.catch((error: unknown) => {
          if (isChainError(error)) throw error
          throw new ChainError('DECODE_FAILED', `Unexpected response to ${String(property)}.`, {
            cause: error,
          })
        })
      }
    },
  })
}

export type CreateSigningChainClientParameters = CreateChainClientParameters & {
  /** Any cosmjs direct signer: `createPrivateKeySigner`, `DirectSecp256k1HdWallet`, ... */
  signer: OfflineDirectSigner
  /** Which of the signer's accounts sends (the first by default). */
  address?: string | undefined
  /** The chain ID to sign for; asked from the node by default. */
  chainId?: string | undefined
  /**
   * The price paid per unit of gas; `1upokt` by default, the minimum a default `pocketd` node
   * accepts. A devnet usually takes `0upokt`.
   */
  gasPrice?: string | undefined
  /** Simulated gas is multiplied by this for the limit; 1.5 by default. */
  gasMultiplier?: number | undefined
  retry?: RetryOptions | undefined
  /** Milliseconds to wait for a transaction to be included; 60 s by default. */
  inclusionTimeout?: number | undefined
  /** Milliseconds between inclusion polls; 250 by default. */
  pollingInterval?: number | undefined
}

type TxMethod<P> = (parameters: P & TransactionOptions) => ReturnType<typeof sendTransaction>
type TxMethodOptional<P> = (
  parameters?: P & TransactionOptions,
) => ReturnType<typeof sendTransaction>

/** A client that also signs and sends transactions for one account. */
export type SigningChainClient = ChainClient & {
  readonly address: string
  readonly publicKey: Uint8Array
  readonly chainId: string
  /**
   * Signs, broadcasts and waits for inclusion of any messages (see `encodeMessage`). Safe to
   * call many times at once: sequences are assigned locally, in call order.
   */
  sendTransaction(parameters: SendTransactionParameters): ReturnType<typeof sendTransaction>
  /** Like `sendTransaction`, but resolves with the hash as soon as `CheckTx` accepts it. */
  broadcastTransaction(parameters: SendTransactionParameters): Promise<{ hash: string }>
  /** Gas used by the messages, simulated with the next sequence. */
  simulateTransaction(parameters: {
    messages: readonly EncodedMessage[]
    memo?: string | undefined
  }): Promise<{ gasUsed: bigint; gasWanted: bigint }>
  /** Registers a service owned by the signer (or updates it, when the signer owns it). */
  addService: TxMethod<AddServiceParameters>
  transferService: TxMethod<TransferServiceParameters>
  stakeApplication: TxMethod<StakeApplicationParameters>
  unstakeApplication: TxMethodOptional<object>
  delegateToGateway: TxMethod<GatewayDelegationParameters>
  undelegateFromGateway: TxMethod<GatewayDelegationParameters>
  stakeGateway: TxMethod<StakeGatewayParameters>
  unstakeGateway: TxMethodOptional<object>
  stakeSupplier: TxMethod<StakeSupplierParameters>
  unstakeSupplier: TxMethodOptional<UnstakeSupplierParameters>
  createClaim: TxMethod<CreateClaimParameters>
  submitProof: TxMethod<SubmitProofParameters>
  sendTokens: TxMethod<SendTokensParameters>
}

/**
 * A client that signs with `signer` (SIGN_MODE_DIRECT) and sends transactions: gas by
 * simulation, fees from `gasPrice`, local sequence tracking for concurrent sends, retries of
 * transient failures, typed errors with the chain's codespace and code.
 *
 * @example
 * import { createMnemonicSigner, createSigningChainClient } from '@decai/chain'
 * const client = await createSigningChainClient({
 *   rpcUrl: 'http://127.0.0.1:26657',
 *   signer: createMnemonicSigner(mnemonic),
 * })
 * await client.addService({ id: 'llm', name: 'LLM inference', computeUnitsPerRelay: 1n })
 */
export async function createSigningChainClient(
  parameters: CreateSigningChainClientParameters,
): Promise<SigningChainClient> {
  const client = createChainClient(parameters)
  const accounts = await parameters.signer.getAccounts()
  const account = parameters.address
    ? accounts.find((a) => a.address === parameters.address)
    : accounts[0]
  if (!account) {
    throw new ChainError('SIGNER_NOT_FOUND', 'The signer has no such account.', {
      details: parameters.address ?? '(no accounts)',
    })
  }
  if (account.algo !== 'secp256k1') {
    throw new ChainError('INVALID_ARGUMENT', `Unsupported key algorithm ${account.algo}.`)
  }
  const chainId = parameters.chainId ?? (await client.getChainId())
  const address = account.address
  const retry = {
    attempts: parameters.retry?.attempts ?? 4,
    delay: parameters.retry?.delay ?? 250,
  }
  const ctx: SigningContext = {
    comet: client.comet,
    signer: parameters.signer,
    address,
    publicKey: account.pubkey,
    chainId,
    gasPrice: parseGasPrice(parameters.gasPrice ?? '1upokt'),
    gasMultiplier: parameters.gasMultiplier ?? 1.5,
    retry,
    inclusionTimeout: parameters.inclusionTimeout ?? 60_000,
    pollingInterval: parameters.pollingInterval ?? 250,
    sequences: createSequenceManager({
      fetchAccount: () => withRetries({ retry }, () => client.getAccount({ address })),
      keepsSequence,
    }),
  }
  const send = (messages: EncodedMessage[], options: TransactionOptions = {}) =>
    sendTransaction(ctx, {
      messages,
      memo: options.memo,
      gas: options.gas,
      fee: options.fee,
      timeout: options.timeout,
      signal: options.signal,
    })
  return {
    ...client,
    address,
    publicKey: account.pubkey,
    chainId,
    sendTransaction: (p) => sendTransaction(ctx, p),
    broadcastTransaction: (p) => broadcastTransaction(ctx, p),
    simulateTransaction: async (p) => {
      const sequence =
        ctx.sequences.peek()?.sequence ?? (await client.getAccount({ address })).sequence
      return simulateTransaction(ctx, { ...p, sequence })
    },
    addService: (p) => send([encodeAddService(address, p)], p),
    transferService: (p) => send([encodeTransferService(address, p)], p),
    stakeApplication: (p) => send([encodeStakeApplication(address, p)], p),
    unstakeApplication: (p = {}) => send([encodeUnstakeApplication(address)], p),
    delegateToGateway: (p) => send([encodeDelegateToGateway(address, p)], p),
    undelegateFromGateway: (p) => send([encodeUndelegateFromGateway(address, p)], p),
    stakeGateway: (p) => send([encodeStakeGateway(address, p)], p),
    unstakeGateway: (p = {}) => send([encodeUnstakeGateway(address)], p),
    stakeSupplier: (p) => send([encodeStakeSupplier(address, p)], p),
    unstakeSupplier: (p = {}) => send([encodeUnstakeSupplier(address, p)], p),
    createClaim: (p) => send([encodeCreateClaim(address, p)], p),
    submitProof: (p) => send([encodeSubmitProof(address, p)], p),
    sendTokens: (p) => send([encodeSendTokens(address, p)], p),
  }
}
