import type { DescMessage, MessageShape } from '@decai/protocol'
import { MsgSendResponseSchema, MsgSendSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/tx_pb'
import { PubKeySchema } from '@decai/protocol/gen/cosmos/crypto/secp256k1/keys_pb'
import * as applicationTx from '@decai/protocol/gen/pocket/application/tx_pb'
import * as gatewayTx from '@decai/protocol/gen/pocket/gateway/tx_pb'
import * as migrationTx from '@decai/protocol/gen/pocket/migration/tx_pb'
import * as proofTx from '@decai/protocol/gen/pocket/proof/tx_pb'
import * as serviceTx from '@decai/protocol/gen/pocket/service/tx_pb'
import * as sessionTx from '@decai/protocol/gen/pocket/session/tx_pb'
import * as sharedTx from '@decai/protocol/gen/pocket/shared/tx_pb'
import * as supplierTx from '@decai/protocol/gen/pocket/supplier/tx_pb'
import * as tokenomicsTx from '@decai/protocol/gen/pocket/tokenomics/tx_pb'
import * as application from '../modules/application/msg-server.js'
import { handleMsgSend } from '../modules/bank/keeper.js'
import * as gateway from '../modules/gateway/msg-server.js'
import * as proof from '../modules/proof/msg-server.js'
import * as service from '../modules/service/keeper.js'
import * as supplier from '../modules/supplier/msg-server.js'
import type { Context } from './context.js'

/** A message the devnet executes: its schema, `ValidateBasic` and `MsgServer` method. */
export type MsgRoute = {
  schema: DescMessage
  responseSchema: DescMessage
  validateBasic: (msg: never) => void
  handle: (ctx: Context, msg: never) => MessageShape<DescMessage>
}

function route<D extends DescMessage, R extends DescMessage>(
  schema: D,
  responseSchema: R,
  validateBasic: (msg: MessageShape<D>) => void,
  handle: (ctx: Context, msg: MessageShape<D>) => MessageShape<R>,
): MsgRoute {
  return {
    schema,
    responseSchema,
    validateBasic: validateBasic as (msg: never) => void,
    handle: handle as (ctx: Context, msg: never) => MessageShape<DescMessage>,
  }
}

// MsgSend has no ValidateBasic since SDK v0.50: its msg server checks the addresses.
const validateMsgSend = (_msg: MessageShape<typeof MsgSendSchema>) => {}

const routes: MsgRoute[] = [
  route(MsgSendSchema, MsgSendResponseSchema, validateMsgSend, handleMsgSend),
  route(
    serviceTx.MsgAddServiceSchema,
    serviceTx.MsgAddServiceResponseSchema,
    service.validateMsgAddService,
    service.handleMsgAddService,
  ),
  route(
    serviceTx.MsgTransferServiceSchema,
    serviceTx.MsgTransferServiceResponseSchema,
    service.validateMsgTransferService,
    service.handleMsgTransferService,
  ),
  route(
    applicationTx.MsgStakeApplicationSchema,
    applicationTx.MsgStakeApplicationResponseSchema,
    application.validateMsgStakeApplication,
    application.handleMsgStakeApplication,
  ),
  route(
    applicationTx.MsgUnstakeApplicationSchema,
    applicationTx.MsgUnstakeApplicationResponseSchema,
    application.validateMsgUnstakeApplication,
    application.handleMsgUnstakeApplication,
  ),
  route(
    applicationTx.MsgDelegateToGatewaySchema,
    applicationTx.MsgDelegateToGatewayResponseSchema,
    application.validateMsgDelegateToGateway,
    application.handleMsgDelegateToGateway,
  ),
  route(
    applicationTx.MsgUndelegateFromGatewaySchema,
    applicationTx.MsgUndelegateFromGatewayResponseSchema,
    application.validateMsgDelegateToGateway,
    application.handleMsgUndelegateFromGateway,
  ),
  route(
    gatewayTx.MsgStakeGatewaySchema,
    gatewayTx.MsgStakeGatewayResponseSchema,
    gateway.validateMsgStakeGateway,
    gateway.handleMsgStakeGateway,
  ),
  route(
    gatewayTx.MsgUnstakeGatewaySchema,
    gatewayTx.MsgUnstakeGatewayResponseSchema,
    gateway.validateMsgUnstakeGateway,
    gateway.handleMsgUnstakeGateway,
  ),
  route(
    supplierTx.MsgStakeSupplierSchema,
    supplierTx.MsgStakeSupplierResponseSchema,
    supplier.validateMsgStakeSupplier,
    supplier.handleMsgStakeSupplier,
  ),
  route(
    supplierTx.MsgUnstakeSupplierSchema,
    supplierTx.MsgUnstakeSupplierResponseSchema,
    supplier.validateMsgUnstakeSupplier,
    supplier.handleMsgUnstakeSupplier,
  ),
  route(
    proofTx.MsgCreateClaimSchema,
    proofTx.MsgCreateClaimResponseSchema,
    proof.validateMsgCreateClaim,
    proof.handleMsgCreateClaim,
  ),
  route(
    proofTx.MsgSubmitProofSchema,
    proofTx.MsgSubmitProofResponseSchema,
    proof.validateMsgSubmitProof,
    proof.handleMsgSubmitProof,
  ),
]

const byTypeName = new Map(routes.map((r) => [r.schema.typeName, r]))

/** The route for a type URL, if the devnet executes that message. */
export function getRoute(typeUrl: string): MsgRoute | undefined {
  return byTypeName.get(typeUrl.slice(typeUrl.lastIndexOf('/') + 1))
}

// Every other message poktroll registers decodes, but has no handler here (governance-only
// updates, application transfer, gateway metadata, Morse migration).
const knownSchemas = new Map<string, DescMessage>()
for (const mod of [
  applicationTx,
  gatewayTx,
  migrationTx,
  proofTx,
  serviceTx,
  sessionTx,
  sharedTx,
  supplierTx,
  tokenomicsTx,
]) {
  for (const value of Object.values(mod)) {
    const desc = value as DescMessage
    if (
      desc &&
      typeof desc === 'object' &&
      'typeName' in desc &&
      desc.kind === 'message' &&
      /\.Msg[A-Z]/.test(desc.typeName) &&
      !desc.typeName.endsWith('Response')
    ) {
      knownSchemas.set(desc.typeName, desc)
    }
  }
}
knownSchemas.set(MsgSendSchema.typeName, MsgSendSchema)

/** Schemas a transaction's `Any`s may hold (messages and public keys). */
export function resolveTypeUrl(typeUrl: string): DescMessage | undefined {
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1)
  if (name === PubKeySchema.typeName) return PubKeySchema
  return knownSchemas.get(name)
}

/** `sdk.GetModuleNameFromTypeURL`: the second dot-separated part. */
export function moduleNameFromTypeUrl(typeUrl: string): string {
  return typeUrl.split('.')[1] ?? ''
}
