import {
  create,
  type MessageInitShape,
  MsgCreateClaimSchema,
  MsgDelegateToGatewaySchema,
  MsgStakeApplicationSchema,
  MsgStakeGatewaySchema,
  MsgStakeSupplierSchema,
  MsgSubmitProofSchema,
  MsgTransferServiceSchema,
  MsgUndelegateFromGatewaySchema,
  MsgUnstakeApplicationSchema,
  MsgUnstakeGatewaySchema,
  MsgUnstakeSupplierSchema,
  ServiceRevenueShareSchema,
  type SessionHeaderSchema,
  SupplierServiceConfigSchema,
} from '@decai/protocol'
import { MsgSendSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/tx_pb'
import { MsgAddServiceSchema } from '@decai/protocol/gen/pocket/service/tx_pb'
import { ChainError } from './errors.js'
import { UPOKT } from './queries.js'
import { type EncodedMessage, encodeMessage } from './tx-encoding.js'

function coin(amount: bigint, denom = UPOKT) {
  if (amount < 0n) throw new ChainError('INVALID_ARGUMENT', `A negative amount: ${amount}.`)
  return { denom, amount: amount.toString() }
}

export type AddServiceParameters = {
  id: string
  name: string
  computeUnitsPerRelay: bigint
  /** The owner (the signer by default); only the owner may update the service later. */
  ownerAddress?: string | undefined
  /** The service card: a small JSON document (at most 256 KiB), see poktroll's service card. */
  card?: Uint8Array | undefined
}

/** `MsgAddService`: registers a service, or updates it when sent by its owner. */
export function encodeAddService(signer: string, p: AddServiceParameters): EncodedMessage {
  const ownerAddress = p.ownerAddress ?? signer
  return encodeMessage(MsgAddServiceSchema, {
    ownerAddress,
    service: {
      id: p.id,
      name: p.name,
      computeUnitsPerRelay: p.computeUnitsPerRelay,
      ownerAddress,
      ...(p.card ? { metadata: { card: p.card } } : {}),
    },
  })
}

export type TransferServiceParameters = { serviceId: string; newOwnerAddress: string }

/** `MsgTransferService`: hands a service to a new owner. */
export function encodeTransferService(
  signer: string,
  p: TransferServiceParameters,
): EncodedMessage {
  return encodeMessage(MsgTransferServiceSchema, {
    ownerAddress: signer,
    serviceId: p.serviceId,
    newOwnerAddress: p.newOwnerAddress,
  })
}

export type StakeApplicationParameters = {
  /** The total stake in upokt (at least the current one when restaking). */
  stake: bigint
  /** The service(s) to stake for (poktroll accepts exactly one). */
  serviceIds: readonly string[]
  /** An optional cap on what one session may spend, in upokt. */
  perSessionSpendLimit?: bigint | undefined
}

/** `MsgStakeApplication`. */
export function encodeStakeApplication(
  signer: string,
  p: StakeApplicationParameters,
): EncodedMessage {
  return encodeMessage(MsgStakeApplicationSchema, {
    address: signer,
    stake: coin(p.stake),
    services: p.serviceIds.map((serviceId) => ({ serviceId })),
    ...(p.perSessionSpendLimit !== undefined
      ? { perSessionSpendLimit: coin(p.perSessionSpendLimit) }
      : {}),
  })
}

/** `MsgUnstakeApplication`. */
export function encodeUnstakeApplication(signer: string): EncodedMessage {
  return encodeMessage(MsgUnstakeApplicationSchema, { address: signer })
}

export type GatewayDelegationParameters = { gatewayAddress: string }

/** `MsgDelegateToGateway`: lets a gateway sign relays for the application. */
export function encodeDelegateToGateway(
  signer: string,
  p: GatewayDelegationParameters,
): EncodedMessage {
  return encodeMessage(MsgDelegateToGatewaySchema, {
    appAddress: signer,
    gatewayAddress: p.gatewayAddress,
  })
}

/** `MsgUndelegateFromGateway`. */
export function encodeUndelegateFromGateway(
  signer: string,
  p: GatewayDelegationParameters,
): EncodedMessage {
  return encodeMessage(MsgUndelegateFromGatewaySchema, {
    appAddress: signer,
    gatewayAddress: p.gatewayAddress,
  })
}

export type StakeGatewayParameters = { stake: bigint }

/** `MsgStakeGateway`. */
export function encodeStakeGateway(signer: string, p: StakeGatewayParameters): EncodedMessage {
  return encodeMessage(MsgStakeGatewaySchema, { address: signer, stake: coin(p.stake) })
}

/** `MsgUnstakeGateway`. */
export function encodeUnstakeGateway(signer: string): EncodedMessage {
  return encodeMessage(MsgUnstakeGatewaySchema, { address: signer })
}

export type StakeSupplierParameters = {
  /** The stake in upokt, paid by the signer. */
  stake: bigint
  /** The owner, who gets the stake back when unstaking (the signer by default). */
  ownerAddress?: string | undefined
  /**
   * The operator, who signs relays and claims (the signer by default). Only the operator may set
   * `services`; an owner signing for another operator can change the stake only.
   */
  operatorAddress?: string | undefined
  /**
   * The services with their endpoints. A service without `revShare` pays 100% to the owner, as
   * `pocketd tx supplier stake-supplier` does.
   */
  services: readonly MessageInitShape<typeof SupplierServiceConfigSchema>[]
}

/** `MsgStakeSupplier`. */
export function encodeStakeSupplier(signer: string, p: StakeSupplierParameters): EncodedMessage {
  const ownerAddress = p.ownerAddress ?? signer
  return encodeMessage(MsgStakeSupplierSchema, {
    signer,
    ownerAddress,
    operatorAddress: p.operatorAddress ?? signer,
    stake: coin(p.stake),
    services: p.services.map((service) => {
      const config = create(SupplierServiceConfigSchema, service)
      if (config.revShare.length === 0) {
        config.revShare = [
          create(ServiceRevenueShareSchema, { address: ownerAddress, revSharePercentage: 100n }),
        ]
      }
      return config
    }),
  })
}

export type UnstakeSupplierParameters = {
  /** The supplier to unstake (the signer by default); its owner or operator may sign. */
  operatorAddress?: string | undefined
}

/** `MsgUnstakeSupplier`. */
export function encodeUnstakeSupplier(
  signer: string,
  p: UnstakeSupplierParameters = {},
): EncodedMessage {
  return encodeMessage(MsgUnstakeSupplierSchema, {
    signer,
    operatorAddress: p.operatorAddress ?? signer,
  })
}

export type CreateClaimParameters = {
  sessionHeader: MessageInitShape<typeof SessionHeaderSchema>
  /** The SMST root: 32-byte hash ‖ 8-byte count ‖ 8-byte sum. */
  rootHash: Uint8Array
}

/** `MsgCreateClaim`, signed by the supplier operator. */
export function encodeCreateClaim(signer: string, p: CreateClaimParameters): EncodedMessage {
  return encodeMessage(MsgCreateClaimSchema, {
    supplierOperatorAddress: signer,
    sessionHeader: p.sessionHeader,
    rootHash: p.rootHash,
  })
}

export type SubmitProofParameters = {
  sessionHeader: MessageInitShape<typeof SessionHeaderSchema>
  /** The gob-encoded compact closest proof. */
  proof: Uint8Array
}

/** `MsgSubmitProof`, signed by the supplier operator. */
export function encodeSubmitProof(signer: string, p: SubmitProofParameters): EncodedMessage {
  return encodeMessage(MsgSubmitProofSchema, {
    supplierOperatorAddress: signer,
    sessionHeader: p.sessionHeader,
    proof: p.proof,
  })
}

export type SendTokensParameters = {
  toAddress: string
  amount: bigint
  denom?: string | undefined
}

/** Bank `MsgSend`. */
export function encodeSendTokens(signer: string, p: SendTokensParameters): EncodedMessage {
  return encodeMessage(MsgSendSchema, {
    fromAddress: signer,
    toAddress: p.toAddress,
    amount: [coin(p.amount, p.denom)],
  })
}
