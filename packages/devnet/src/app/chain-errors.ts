import { knownChainErrors, knownRelayMinerErrors } from '@decai/protocol'
import { RegisteredError } from './abci-error.js'

// The chain's errors by the names the devnet's modules use; codespaces, codes and descriptions
// come from the registry @decai/protocol generates from poktroll's and the SDK's sources.
const { application, gateway, proof, sdk, service, session, shared, supplier, tokenomics } =
  knownChainErrors
const { rings } = knownRelayMinerErrors

const reg = RegisteredError.from

/** cosmos-sdk `types/errors` (codespace "sdk"). */
export const sdkErrors = {
  txDecode: reg(sdk.ErrTxDecode),
  unauthorized: reg(sdk.ErrUnauthorized),
  insufficientFunds: reg(sdk.ErrInsufficientFunds),
  unknownRequest: reg(sdk.ErrUnknownRequest),
  invalidAddress: reg(sdk.ErrInvalidAddress),
  invalidPubKey: reg(sdk.ErrInvalidPubKey),
  unknownAddress: reg(sdk.ErrUnknownAddress),
  invalidCoins: reg(sdk.ErrInvalidCoins),
  outOfGas: reg(sdk.ErrOutOfGas),
  memoTooLarge: reg(sdk.ErrMemoTooLarge),
  insufficientFee: reg(sdk.ErrInsufficientFee),
  tooManySignatures: reg(sdk.ErrTooManySignatures),
  noSignatures: reg(sdk.ErrNoSignatures),
  invalidRequest: reg(sdk.ErrInvalidRequest),
  txInMempoolCache: reg(sdk.ErrTxInMempoolCache),
  txTooLarge: reg(sdk.ErrTxTooLarge),
  keyNotFound: reg(sdk.ErrKeyNotFound),
  invalidHeight: reg(sdk.ErrInvalidHeight),
  invalidType: reg(sdk.ErrInvalidType),
  txTimeoutHeight: reg(sdk.ErrTxTimeoutHeight),
  unknownExtensionOptions: reg(sdk.ErrUnknownExtensionOptions),
  wrongSequence: reg(sdk.ErrWrongSequence),
  unpackAny: reg(sdk.ErrUnpackAny),
  logic: reg(sdk.ErrLogic),
  notSupported: reg(sdk.ErrNotSupported),
  invalidGasLimit: reg(sdk.ErrInvalidGasLimit),
}

/** x/application/types/errors.go */
export const appErrors = {
  invalidStake: reg(application.ErrAppInvalidStake),
  invalidAddress: reg(application.ErrAppInvalidAddress),
  unauthorized: reg(application.ErrAppUnauthorized),
  notFound: reg(application.ErrAppNotFound),
  invalidServiceConfigs: reg(application.ErrAppInvalidServiceConfigs),
  gatewayNotFound: reg(application.ErrAppGatewayNotFound),
  invalidGatewayAddress: reg(application.ErrAppInvalidGatewayAddress),
  alreadyDelegated: reg(application.ErrAppAlreadyDelegated),
  maxDelegatedGateways: reg(application.ErrAppMaxDelegatedGateways),
  notDelegated: reg(application.ErrAppNotDelegated),
  isUnstaking: reg(application.ErrAppIsUnstaking),
  hasPendingTransfer: reg(application.ErrAppHasPendingTransfer),
  queryAppsInvalidGatewayAddress: reg(application.ErrQueryAppsInvalidGatewayAddress),
  invalidPerSessionSpendLimit: reg(application.ErrAppInvalidPerSessionSpendLimit),
}

/** x/gateway/types/errors.go */
export const gatewayErrors = {
  invalidAddress: reg(gateway.ErrGatewayInvalidAddress),
  invalidStake: reg(gateway.ErrGatewayInvalidStake),
  unauthorized: reg(gateway.ErrGatewayUnauthorized),
  notFound: reg(gateway.ErrGatewayNotFound),
  isUnstaking: reg(gateway.ErrGatewayIsUnstaking),
  isInactive: reg(gateway.ErrGatewayIsInactive),
}

/** x/supplier/types/errors.go */
export const supplierErrors = {
  invalidStake: reg(supplier.ErrSupplierInvalidStake),
  invalidAddress: reg(supplier.ErrSupplierInvalidAddress),
  notFound: reg(supplier.ErrSupplierNotFound),
  invalidServiceConfig: reg(supplier.ErrSupplierInvalidServiceConfig),
  isUnstaking: reg(supplier.ErrSupplierIsUnstaking),
  serviceNotFound: reg(supplier.ErrSupplierServiceNotFound),
}

/** x/service/types/errors.go */
export const serviceErrors = {
  invalidAddress: reg(service.ErrServiceInvalidAddress),
  missingId: reg(service.ErrServiceMissingID),
  invalidRelayResponse: reg(service.ErrServiceInvalidRelayResponse),
  notEnoughFunds: reg(service.ErrServiceNotEnoughFunds),
  failedToDeductFee: reg(service.ErrServiceFailedToDeductFee),
  invalidOwnerAddress: reg(service.ErrServiceInvalidOwnerAddress),
  notFound: reg(service.ErrServiceNotFound),
  unauthorized: reg(service.ErrServiceUnauthorized),
}

/** x/session/types/errors.go */
export const sessionErrors = {
  hydration: reg(session.ErrSessionHydration),
  appNotFound: reg(session.ErrSessionAppNotFound),
  appNotStakedForService: reg(session.ErrSessionAppNotStakedForService),
  suppliersNotFound: reg(session.ErrSessionSuppliersNotFound),
  invalidAppAddress: reg(session.ErrSessionInvalidAppAddress),
  invalidBlockHeight: reg(session.ErrSessionInvalidBlockHeight),
  invalidSessionId: reg(session.ErrSessionInvalidSessionId),
  appNotActive: reg(session.ErrSessionAppNotActive),
}

/** x/proof/types/errors.go */
export const proofErrors = {
  invalidAddress: reg(proof.ErrProofInvalidAddress),
  notFound: reg(proof.ErrProofNotFound),
  invalidService: reg(proof.ErrProofInvalidService),
  invalidClaimRootHash: reg(proof.ErrProofInvalidClaimRootHash),
  invalidQueryRequest: reg(proof.ErrProofInvalidQueryRequest),
  claimNotFound: reg(proof.ErrProofClaimNotFound),
  proofNotFound: reg(proof.ErrProofProofNotFound),
  invalidProof: reg(proof.ErrProofInvalidProof),
  invalidRelay: reg(proof.ErrProofInvalidRelay),
  invalidRelayRequest: reg(proof.ErrProofInvalidRelayRequest),
  invalidRelayResponse: reg(proof.ErrProofInvalidRelayResponse),
  pubKeyNotFound: reg(proof.ErrProofPubKeyNotFound),
  invalidSessionHeader: reg(proof.ErrProofInvalidSessionHeader),
  invalidSessionId: reg(proof.ErrProofInvalidSessionId),
  invalidSessionEndHeight: reg(proof.ErrProofInvalidSessionEndHeight),
  invalidSessionStartHeight: reg(proof.ErrProofInvalidSessionStartHeight),
  claimOutsideOfWindow: reg(proof.ErrProofClaimOutsideOfWindow),
  proofOutsideOfWindow: reg(proof.ErrProofProofOutsideOfWindow),
  supplierMismatch: reg(proof.ErrProofSupplierMismatch),
  serviceNotFound: reg(proof.ErrProofServiceNotFound),
  computeUnitsMismatch: reg(proof.ErrProofComputeUnitsMismatch),
  notEnoughFunds: reg(proof.ErrProofNotEnoughFunds),
  failedToDeductFee: reg(proof.ErrProofFailedToDeductFee),
  notRequired: reg(proof.ErrProofNotRequired),
  invalidRelayDifficulty: reg(proof.ErrProofInvalidRelayDifficulty),
}

/** x/shared/types/errors.go */
export const sharedErrors = {
  unauthorizedSupplierUpdate: reg(shared.ErrSharedUnauthorizedSupplierUpdate),
  invalidRevShare: reg(shared.ErrSharedInvalidRevShare),
  invalidService: reg(shared.ErrSharedInvalidService),
  invalidServiceId: reg(shared.ErrSharedInvalidServiceId),
  invalidServiceName: reg(shared.ErrSharedInvalidServiceName),
  invalidComputeUnitsPerRelay: reg(shared.ErrSharedInvalidComputeUnitsPerRelay),
  invalidServiceMetadata: reg(shared.ErrSharedInvalidServiceMetadata),
}

/** x/tokenomics/types/errors.go */
export const tokenomicsErrors = {
  claimRootHashInvalid: reg(tokenomics.ErrTokenomicsClaimRootHashInvalid),
  supplierNotFound: reg(tokenomics.ErrTokenomicsSupplierNotFound),
  applicationNotFound: reg(tokenomics.ErrTokenomicsApplicationNotFound),
  applicationNewStakeInvalid: reg(tokenomics.ErrTokenomicsApplicationNewStakeInvalid),
  serviceNotFound: reg(tokenomics.ErrTokenomicsServiceNotFound),
  constraint: reg(tokenomics.ErrTokenomicsConstraint),
  settlementInternal: reg(tokenomics.ErrTokenomicsSettlementInternal),
  tlmInternal: reg(tokenomics.ErrTokenomicsTLMInternal),
  processingTlm: reg(tokenomics.ErrTokenomicsProcessingTLM),
  coinIsZero: reg(tokenomics.ErrTokenomicsCoinIsZero),
}

/** pkg/crypto/rings: the ring client's errors, which proof validation reports too. */
export const ringErrors = {
  invalidRelayRequest: reg(rings.ErrRingClientInvalidRelayRequest),
  invalidRelayRequestSignature: reg(rings.ErrRingClientInvalidRelayRequestSignature),
}
