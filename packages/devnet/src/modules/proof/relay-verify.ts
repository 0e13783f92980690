// The relay signature checks the proof module runs at proof validation, against chain state
// (the application's ring and the operator's account key), with poktroll's error codes. The
// signable bytes come from @decai/session.

import {
  deserializeRingSignature,
  getPlaceholderRingKey,
  getRingAddresses,
  ringVerify,
  verifyRingMembership,
  verifySecp256k1,
} from '@decai/crypto'
import type { RelayRequest, RelayResponse } from '@decai/protocol/gen/pocket/service/relay_pb'
import { getRelayRequestSignableBytesHash, getRelayResponseSignableBytesHash } from '@decai/session'
import { ringErrors, serviceErrors } from '../../app/chain-errors.js'
import type { Context } from '../../app/context.js'
import { getApplication } from '../application/keeper.js'
import { getAccountPubKey } from '../auth/keeper.js'

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
  if (!ringVerify(signature, getRelayRequestSignableBytesHash(req))) {
    throw ringErrors.invalidRelayRequestSignature.wrap('invalid relay request signature or bytes')
  }
}

/** `RelayResponse.VerifySupplierOperatorSignature` against the operator's account key. */
export function verifySupplierSignature(res: RelayResponse, publicKey: Uint8Array): void {
  const signature = res.meta?.supplierOperatorSignature ?? new Uint8Array()
  if (!verifySecp256k1(signature, getRelayResponseSignableBytesHash(res), publicKey)) {
    throw serviceErrors.invalidRelayResponse.wrap('invalid signature')
  }
}
