import { RegisteredError } from './abci-error.js'

const reg = (codespace: string, code: number, description: string) =>
  new RegisteredError(codespace, code, description)

/** cosmos-sdk `types/errors` (codespace "sdk"). */
export const sdkErrors = {
  txDecode: reg('sdk', 2, 'tx parse error'),
  unauthorized: reg('sdk', 4, 'unauthorized'),
  insufficientFunds: reg('sdk', 5, 'insufficient funds'),
  unknownRequest: reg('sdk', 6, 'unknown request'),
  invalidAddress: reg('sdk', 7, 'invalid address'),
  invalidPubKey: reg('sdk', 8, 'invalid pubkey'),
  unknownAddress: reg('sdk', 9, 'unknown address'),
  invalidCoins: reg('sdk', 10, 'invalid coins'),
  outOfGas: reg('sdk', 11, 'out of gas'),
  memoTooLarge: reg('sdk', 12, 'memo too large'),
  insufficientFee: reg('sdk', 13, 'insufficient fee'),
  tooManySignatures: reg('sdk', 14, 'maximum number of signatures exceeded'),
  noSignatures: reg('sdk', 15, 'no signatures supplied'),
  invalidRequest: reg('sdk', 18, 'invalid request'),
  txInMempoolCache: reg('sdk', 19, 'tx already in mempool'),
  txTooLarge: reg('sdk', 21, 'tx too large'),
  keyNotFound: reg('sdk', 22, 'key not found'),
  invalidHeight: reg('sdk', 26, 'invalid height'),
  invalidType: reg('sdk', 29, 'invalid type'),
  txTimeoutHeight: reg('sdk', 30, 'tx timeout height'),
  unknownExtensionOptions: reg('sdk', 31, 'unknown extension options'),
  wrongSequence: reg('sdk', 32, 'incorrect account sequence'),
  unpackAny: reg('sdk', 34, 'failed unpacking protobuf message from Any'),
  logic: reg('sdk', 35, 'internal logic error'),
  notSupported: reg('sdk', 37, 'feature not supported'),
  invalidGasLimit: reg('sdk', 41, 'invalid gas limit'),
}

/** x/application/types/errors.go */
export const appErrors = {
  invalidStake: reg('application', 1101, 'invalid application stake'),
  invalidAddress: reg('application', 1102, 'invalid application address'),
  unauthorized: reg('application', 1103, 'unauthorized application signer'),
  notFound: reg('application', 1104, 'application not found'),
  invalidServiceConfigs: reg('application', 1106, 'invalid service configs'),
  gatewayNotFound: reg('application', 1107, 'gateway not found'),
  invalidGatewayAddress: reg('application', 1108, 'invalid gateway address'),
  alreadyDelegated: reg('application', 1109, 'application already delegated to gateway'),
  maxDelegatedGateways: reg('application', 1110, 'maximum number of delegated gateways reached'),
  notDelegated: reg('application', 1111, 'application not delegated to gateway'),
  isUnstaking: reg('application', 1112, 'application is in unbonding period'),
  hasPendingTransfer: reg('application', 1114, 'application is in transfer period'),
  queryAppsInvalidGatewayAddress: reg(
    'application',
    1117,
    'invalid gateway address querying for apps with delegatee gateway address',
  ),
  invalidPerSessionSpendLimit: reg('application', 1118, 'invalid per-session spend limit'),
}

/** x/gateway/types/errors.go */
export const gatewayErrors = {
  invalidAddress: reg('gateway', 1101, 'invalid gateway address'),
  invalidStake: reg('gateway', 1102, 'invalid gateway stake'),
  unauthorized: reg('gateway', 1103, 'unauthorized signer'),
  notFound: reg('gateway', 1104, 'gateway not found'),
  isUnstaking: reg('gateway', 1107, 'gateway is in unbonding period'),
  isInactive: reg('gateway', 1108, 'gateway is no longer active'),
}

/** x/supplier/types/errors.go */
export const supplierErrors = {
  invalidStake: reg('supplier', 1101, 'invalid supplier stake'),
  invalidAddress: reg('supplier', 1102, 'invalid address'),
  notFound: reg('supplier', 1103, 'supplier not found'),
  invalidServiceConfig: reg('supplier', 1104, 'invalid service config'),
  isUnstaking: reg('supplier', 1105, 'supplier is in unbonding period'),
  serviceNotFound: reg('supplier', 1106, 'service not found'),
}

/** x/service/types/errors.go */
export const serviceErrors = {
  invalidAddress: reg('service', 1102, 'invalid address when adding a new service'),
  missingId: reg('service', 1103, 'missing service ID'),
  notEnoughFunds: reg('service', 1108, 'not enough funds to add service'),
  failedToDeductFee: reg('service', 1109, 'failed to deduct fee'),
  invalidOwnerAddress: reg('service', 1113, 'invalid owner address'),
  notFound: reg('service', 1117, 'service not found'),
  unauthorized: reg('service', 1118, 'unauthorized service operation'),
}

/** x/session/types/errors.go */
export const sessionErrors = {
  hydration: reg('session', 1101, 'error during session hydration'),
  appNotFound: reg('session', 1102, 'application for session not found not found '),
  appNotStakedForService: reg(
    'session',
    1103,
    'application in session not staked for requested service',
  ),
  suppliersNotFound: reg('session', 1104, 'no suppliers not found for session'),
  invalidAppAddress: reg('session', 1105, 'invalid application address for session'),
  invalidBlockHeight: reg('session', 1107, 'invalid block height for session'),
  invalidSessionId: reg('session', 1108, 'invalid sessionId'),
  appNotActive: reg('session', 1109, 'application is not active'),
}

/** x/proof/types/errors.go */
export const proofErrors = {
  invalidAddress: reg('proof', 1101, 'invalid address'),
  notFound: reg('proof', 1102, 'supplier not found'),
  invalidService: reg('proof', 1103, 'invalid service in supplier'),
  invalidClaimRootHash: reg('proof', 1104, 'invalid root hash'),
  invalidQueryRequest: reg('proof', 1105, 'invalid query request'),
  claimNotFound: reg('proof', 1106, 'claim not found'),
  proofNotFound: reg('proof', 1107, 'proof not found'),
  invalidProof: reg('proof', 1108, 'invalid proof'),
  invalidRelay: reg('proof', 1109, 'invalid relay'),
  invalidRelayRequest: reg('proof', 1110, 'invalid relay request'),
  invalidRelayResponse: reg('proof', 1111, 'invalid relay response'),
  pubKeyNotFound: reg('proof', 1114, 'public key not found'),
  invalidSessionHeader: reg('proof', 1115, 'invalid session header'),
  invalidSessionId: reg('proof', 1116, 'invalid session ID'),
  invalidSessionEndHeight: reg('proof', 1117, 'invalid session end height'),
  invalidSessionStartHeight: reg('proof', 1118, 'invalid session start height'),
  claimOutsideOfWindow: reg('proof', 1121, "claim attempted outside of the session's claim window"),
  proofOutsideOfWindow: reg('proof', 1122, "proof attempted outside of the session's proof window"),
  supplierMismatch: reg(
    'proof',
    1123,
    'supplier operator address does not match the claim or proof',
  ),
  serviceNotFound: reg('proof', 1125, 'service not found'),
  computeUnitsMismatch: reg(
    'proof',
    1126,
    'mismatch: claim compute units != number of relays * service compute units per relay',
  ),
  notEnoughFunds: reg('proof', 1127, 'not enough funds to submit proof'),
  failedToDeductFee: reg('proof', 1128, 'failed to deduct proof submission fee'),
  notRequired: reg('proof', 1129, 'proof not required'),
  invalidRelayDifficulty: reg('proof', 1130, 'invalid relay difficulty'),
}

/** x/shared/types/errors.go */
export const sharedErrors = {
  unauthorizedSupplierUpdate: reg('shared', 1105, 'unauthorized supplier update'),
  invalidRevShare: reg('shared', 1106, 'invalid revenue share configuration'),
  invalidService: reg('shared', 1107, 'invalid service'),
  invalidServiceId: reg('shared', 1108, 'invalid service ID'),
  invalidServiceName: reg('shared', 1109, 'invalid service name'),
  invalidComputeUnitsPerRelay: reg('shared', 1110, 'invalid compute units per relay'),
  invalidServiceMetadata: reg('shared', 1111, 'invalid service metadata'),
}

/** x/tokenomics/types/errors.go */
export const tokenomicsErrors = {
  claimRootHashInvalid: reg('tokenomics', 1109, 'the root hash in the claim is invalid'),
  supplierNotFound: reg('tokenomics', 1105, 'supplier not found'),
  applicationNotFound: reg('tokenomics', 1106, 'application not found'),
  applicationNewStakeInvalid: reg(
    'tokenomics',
    1110,
    'application stake cannot be reduced to a -ve amount',
  ),
  serviceNotFound: reg('tokenomics', 1115, 'service not found'),
  constraint: reg('tokenomics', 1116, 'constraint violation'),
  settlementInternal: reg('tokenomics', 1117, 'internal claim settlement error'),
  tlmInternal: reg('tokenomics', 1118, 'internal token logic module error'),
  processingTlm: reg('tokenomics', 1119, 'failed to process token logic module'),
  coinIsZero: reg('tokenomics', 1120, 'coin amount cannot be zero'),
}
