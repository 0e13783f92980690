// @decai/protocol: POKT Shannon protocol types (poktroll v0.1.35) with gogoproto-exact encoding.
// Every generated module is also importable on its own: `@decai/protocol/gen/pocket/<module>/<file>_pb`.

export type { DescField, DescMessage, MessageInitShape, MessageShape } from '@bufbuild/protobuf'
export {
  clone,
  create,
  equals,
  fromBinary,
  fromJson,
  getOption,
  hasOption,
  isMessage,
  ScalarType,
  toBinary,
  toJson,
} from '@bufbuild/protobuf'
export { type Any, AnySchema } from '@bufbuild/protobuf/wkt'
export {
  type CosmjsGeneratedType,
  getTypeUrl,
  packAny,
  toCosmjsRegistryEntry,
  toCosmjsType,
  unpackAny,
} from './cosmos.js'
export {
  isProtocolError,
  ProtocolError,
  type ProtocolErrorCode,
  type ProtocolErrorParameters,
  protocolErrorCodes,
} from './errors.js'
export { type Coin, CoinSchema } from './gen/cosmos/base/v1beta1/coin_pb.js'
export {
  type MsgDelegateToGateway,
  MsgDelegateToGatewaySchema,
  type MsgStakeApplication,
  MsgStakeApplicationSchema,
  type MsgUndelegateFromGateway,
  MsgUndelegateFromGatewaySchema,
  type MsgUnstakeApplication,
  MsgUnstakeApplicationSchema,
} from './gen/pocket/application/tx_pb.js'
// Off-chain essentials: what gateways, suppliers and applications hash, sign and send.
export {
  type Application,
  ApplicationSchema,
  type UndelegatingGatewayList,
  UndelegatingGatewayListSchema,
} from './gen/pocket/application/types_pb.js'
export {
  type MsgStakeGateway,
  MsgStakeGatewaySchema,
  type MsgUnstakeGateway,
  MsgUnstakeGatewaySchema,
} from './gen/pocket/gateway/tx_pb.js'
export { type Gateway, GatewaySchema } from './gen/pocket/gateway/types_pb.js'
export {
  type MsgCreateClaim,
  MsgCreateClaimSchema,
  type MsgSubmitProof,
  MsgSubmitProofSchema,
} from './gen/pocket/proof/tx_pb.js'
export {
  type Claim,
  ClaimProofStage,
  ClaimProofStatus,
  ClaimSchema,
  type Proof,
  ProofRequirementReason,
  ProofSchema,
} from './gen/pocket/proof/types_pb.js'
export {
  type RelayMiningDifficulty,
  RelayMiningDifficultySchema,
} from './gen/pocket/service/relay_mining_difficulty_pb.js'
export {
  type Relay,
  type RelayMinerError,
  RelayMinerErrorSchema,
  type RelayRequest,
  type RelayRequestMetadata,
  RelayRequestMetadataSchema,
  RelayRequestSchema,
  type RelayResponse,
  type RelayResponseMetadata,
  RelayResponseMetadataSchema,
  RelayResponseSchema,
  RelaySchema,
} from './gen/pocket/service/relay_pb.js'
export {
  type MsgAddService,
  MsgAddServiceSchema,
  type MsgTransferService,
  MsgTransferServiceSchema,
} from './gen/pocket/service/tx_pb.js'
export {
  type Session,
  type SessionHeader,
  SessionHeaderSchema,
  SessionSchema,
} from './gen/pocket/session/types_pb.js'
export {
  type ApplicationServiceConfig,
  ApplicationServiceConfigSchema,
  type ConfigOption,
  ConfigOptionSchema,
  ConfigOptions,
  RPCType,
  type Service,
  type ServiceRevenueShare,
  ServiceRevenueShareSchema,
  ServiceSchema,
  type SupplierEndpoint,
  SupplierEndpointSchema,
  type SupplierServiceConfig,
  SupplierServiceConfigSchema,
} from './gen/pocket/shared/service_pb.js'
export {
  type ServiceConfigUpdate,
  ServiceConfigUpdateSchema,
  type Supplier,
  SupplierSchema,
} from './gen/pocket/shared/supplier_pb.js'
export {
  type MsgStakeSupplier,
  MsgStakeSupplierSchema,
  type MsgUnstakeSupplier,
  MsgUnstakeSupplierSchema,
} from './gen/pocket/supplier/tx_pb.js'
export {
  type Header as HttpHeader,
  HeaderSchema as HttpHeaderSchema,
  type POKTHTTPRequest,
  POKTHTTPRequestSchema,
  type POKTHTTPResponse,
  POKTHTTPResponseSchema,
} from './gen/sdk/types/http_pb.js'
export { marshal, unmarshal } from './marshal.js'
