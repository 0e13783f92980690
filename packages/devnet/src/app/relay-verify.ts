// Relay signable bytes and signature checks the proof module runs at proof validation.
// TODO(@decai/session): these belong in the session package's relay build/verify helpers; kept
// private here until it exports them.

import {
  deserializeRingSignature,
  getPlaceholderRingKey,
  getRingAddresses,
  ringVerify,
  verifyRingMembership,
  verifySecp256k1,
} from '@decai/crypto'
import { clone, create, marshal } from '@decai/protocol'
import {
  type RelayRequest,
  RelayRequestMetadataSchema,
  RelayRequestSchema,
  type RelayResponse,
  RelayResponseMetadataSchema,
  RelayResponseSchema,
} from '@decai/protocol/gen/pocket/service/relay_pb'
import { sha256 } from '@noble/hashes/sha2.js'
import { RegisteredError } from './abci-error.js'
import type { Context } from './context.js'
import { getApplication } from './modules/application.js'
import { getAccountPubKey } from './modules/auth.js'

const ringErrors = {
  invalidRelayRequest: new RegisteredError('rings', 2, 'invalid relay request'),
  invalidRelayRequestSignature: new RegisteredError('rings', 3, 'invalid relay request signature'),
}
const serviceInvalidRelayResponse = new RegisteredError('service', 1110, 'invalid relay response')

/** `RelayRequest.GetSignableBytesHash`: SHA-256 of the request with its signature cleared. */
export function getRelayRequestSignableHash(req: RelayRequest): Uint8Array {
  const copy = clone(RelayRequestSchema, req)
  copy.meta ??= create(RelayRequestMetadataSchema)
  copy.meta.signature = new Uint8Array()
  return sha256(marshal(RelayRequestSchema, copy))
}

/**
 * `RelayResponse.GetSignableBytesHash`: SHA-256 of the response with the supplier signature
 * cleared, and the payload too when its hash is present.
 */
export function getRelayResponseSignableHash(res: RelayResponse): Uint8Array {
  const copy = clone(RelayResponseSchema, res)
  copy.meta ??= create(RelayResponseMetadataSchema)
  copy.meta.supplierOperatorSignature = new Uint8Array()
  if (copy.payloadHash.length > 0) copy.payload = new Uint8Array()
  return sha256(marshal(RelayResponseSchema, copy))
}

/**
 * `ringClient.VerifyRelayRequestSignature`: the signature's ring must be a subset of the
 * application's ring at the session end height, and the signature must verify.
 */
export function verifyRelayRequestSignature(ctx: Context, req: RelayRequest): void {
  const header = req.meta?.sessionHeader
  const signature = req.meta?.signature ?? new Uint8Array()
  if (signature.length === 0)
    throw ringErrors.invalidRelayRequest.wrap('missing signature from relay request')
  try {
    deserializeRingSignature(signature)
  } catch (error) {
    throw ringErrors.invalidRelayRequestSignature.wrap(
      `error deserializing ring signature: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  const appAddress = header?.applicationAddress ?? ''
  const app = getApplication(ctx, appAddress)
  if (!app) {
    throw ringErrors.invalidRelayRequest.wrap(
      `error getting ring for application address ${appAddress}: application not found`,
    )
  }
  const addresses = getRingAddresses({
    appAddress,
    delegateeGatewayAddresses: app.delegateeGatewayAddresses,
    pendingUndelegations: app.pendingUndelegations,
    sessionEndHeight: BigInt.asUintN(64, header?.sessionEndBlockHeight ?? 0n),
  })
  const placeholder = getPlaceholderRingKey()
  const keys: Uint8Array[] = []
  for (const address of addresses) {
    const key =
      address === placeholder.ringAddress ? placeholder.publicKey : getAccountPubKey(ctx, address)
    if (!key) {
      throw ringErrors.invalidRelayRequest.wrap(
        `error getting ring for application address ${appAddress}: public key for ${address} not found`,
      )
    }
    keys.push(key)
  }
  if (!verifyRingMembership(signature, keys)) {
    throw ringErrors.invalidRelayRequestSignature.wrap(
      `ring signature in the relay request does not match the expected one for the app ${appAddress}`,
    )
  }
  if (!ringVerify(signature, getRelayRequestSignableHash(req))) {
    throw ringErrors.invalidRelayRequestSignature.wrap('invalid relay request signature or bytes')
  }
}

/** `RelayResponse.VerifySupplierOperatorSignature` against the operator's account key. */
export function verifySupplierSignature(res: RelayResponse, publicKey: Uint8Array): void {
  const signature = res.meta?.supplierOperatorSignature ?? new Uint8Array()
  if (!verifySecp256k1(signature, getRelayResponseSignableHash(res), publicKey)) {
    throw serviceInvalidRelayResponse.wrap('invalid signature')
  }
}
