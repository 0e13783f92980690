// @decai/chain: the POKT Shannon chain client every actor uses. Queries over CometBFT RPC
// (`abci_query` with poktroll's gRPC paths), SIGN_MODE_DIRECT transactions, typed events.

// The registry lives in @decai/protocol (generated from poktroll's sources); the same symbol.
export { knownChainErrors } from '@decai/protocol'
// The events the dashboard and the tests read, re-exported for convenience.
export {
  type EventClaimCreated,
  EventClaimCreatedSchema,
  type EventProofSubmitted,
  EventProofSubmittedSchema,
} from '@decai/protocol/gen/pocket/proof/event_pb'
export {
  ClaimExpirationReason,
  type EventClaimExpired,
  EventClaimExpiredSchema,
  type EventClaimSettled,
  EventClaimSettledSchema,
} from '@decai/protocol/gen/pocket/tokenomics/event_pb'
export { SettlementOpReason } from '@decai/protocol/gen/pocket/tokenomics/types_pb'
export {
  type AbciQueryParameters,
  type QueryContext,
  queryAbci,
} from './abci-query.js'
export type {
  BlockResults,
  ChainBlock,
  ChainEvent,
  IncludedTx,
  TxExecution,
  WatchBlocksParameters,
} from './blocks.js'
export {
  type ChainClient,
  type CreateChainClientParameters,
  type CreateSigningChainClientParameters,
  createChainClient,
  createSigningChainClient,
  type SigningChainClient,
} from './client.js'
export {
  ChainError,
  type ChainErrorCode,
  type ChainErrorParameters,
  chainErrorCodes,
  getKnownChainError,
  isChainError,
  isChainErrorOf,
  isTransientChainError,
  type KnownChainError,
  resolveKnownChainError,
  type TxPhase,
} from './errors.js'
export {
  type DecodedEvent,
  decodeEvent,
  decodeEvents,
  findEvents,
  getPocketEventTypes,
} from './events.js'
export type {
  AddServiceParameters,
  CreateClaimParameters,
  GatewayDelegationParameters,
  SendTokensParameters,
  StakeApplicationParameters,
  StakeGatewayParameters,
  StakeSupplierParameters,
  SubmitProofParameters,
  TransferServiceParameters,
  UnstakeSupplierParameters,
} from './messages.js'
export {
  type AccountInfo,
  type ClaimFilter,
  type CoinAmount,
  type GetParamsParameters,
  UPOKT,
} from './queries.js'
export { createHttpRpcClient, getWebsocketUrl, type HttpRpcClientOptions } from './rpc.js'
export {
  calculateFee,
  type GasPrice,
  parseGasPrice,
  type RetryOptions,
  type SendTransactionParameters,
  type TransactionOptions,
} from './send-transaction.js'
export {
  createSequenceManager,
  type SequenceManager,
  type SequenceSlot,
  type SequenceTaskResult,
} from './sequence.js'
export {
  type ClaimSettlement,
  type GetClaimSettlementsParameters,
  getSettlementRole,
  parseClaimExpired,
  parseClaimSettled,
  parseCoinAmount,
  type RecipientRole,
  type SettlementReward,
  sumRewards,
  type TokenLogicModule,
} from './settlements.js'
export { createMnemonicSigner, createPrivateKeySigner } from './signer.js'
export {
  decodeTxRaw,
  type EncodedMessage,
  encodeAuthInfo,
  encodeMessage,
  encodeSignDoc,
  encodeTxBody,
  encodeTxRaw,
  getTxHash,
  type TxFee,
} from './tx-encoding.js'
