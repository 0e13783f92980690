// Real relays, as a gateway and a supplier make them: ring-signed requests, supplier-signed
// responses, mined into a sparse Merkle sum trie whose root the supplier claims.
import { getRingAddresses, resolveRingPublicKeys } from '@decai/crypto'
import type { Application, SessionHeader } from '@decai/protocol'
import {
  compactClosestProof,
  encodeClosestProof,
  getProofPath,
  getRelayHash,
  isRelayMinable,
  Smst,
} from '@decai/relay-mining'
import {
  buildRelayRequest,
  buildRelayResponse,
  serializeRelay,
  signRelayRequest,
  signRelayResponse,
} from '@decai/session'
import type { ChainClient } from '../../src/index.js'

/** The application's ring at a session end height, with public keys read from the chain. */
export async function getRing(
  client: ChainClient,
  application: Application,
  sessionEndHeight: bigint,
): Promise<Uint8Array[]> {
  const addresses = getRingAddresses({
    appAddress: application.address,
    delegateeGatewayAddresses: application.delegateeGatewayAddresses,
    pendingUndelegations: application.pendingUndelegations,
    sessionEndHeight,
  })
  return resolveRingPublicKeys(addresses, async (address) => {
    const { publicKey } = await client.getAccount({ address })
    if (!publicKey) throw new Error(`${address} has no public key on chain`)
    return publicKey
  })
}

export type MinedSession = {
  tree: Smst
  relays: number
  /** The claim root: hash ‖ count ‖ sum. */
  root: Uint8Array
}

/**
 * Serves `count` relays for a session: each request ring-signed by the gateway, each response
 * signed by the supplier operator, each relay inserted with weight `weight` (the service's
 * compute units per relay) if it meets the difficulty target.
 */
export function mineRelays(parameters: {
  header: SessionHeader
  supplierOperatorAddress: string
  supplierKey: Uint8Array
  gatewayKey: Uint8Array
  ring: readonly Uint8Array[]
  targetHash: Uint8Array
  count: number
  weight: bigint
}): MinedSession {
  const tree = new Smst()
  let relays = 0
  const header = {
    applicationAddress: parameters.header.applicationAddress,
    serviceId: parameters.header.serviceId,
    sessionId: parameters.header.sessionId,
    sessionStartBlockHeight: parameters.header.sessionStartBlockHeight,
    sessionEndBlockHeight: parameters.header.sessionEndBlockHeight,
  }
  for (let i = 0; relays < parameters.count && i < parameters.count * 1000; i++) {
    const request = signRelayRequest(
      buildRelayRequest({
        sessionHeader: header,
        supplierOperatorAddress: parameters.supplierOperatorAddress,
        payload: new TextEncoder().encode(`{"prompt":"relay ${i}"}`),
      }),
      { signer: parameters.gatewayKey, ring: parameters.ring },
    )
    const response = signRelayResponse(
      buildRelayResponse({
        sessionHeader: header,
        payload: new TextEncoder().encode(`{"completion":"answer ${i}"}`),
      }),
      parameters.supplierKey,
    )
    const relay = serializeRelay(request, response)
    const key = getRelayHash(relay)
    if (!isRelayMinable(key, parameters.targetHash)) continue
    tree.update(key, relay, parameters.weight)
    relays++
  }
  return { tree, relays, root: tree.root() }
}

/** The gob-encoded compact closest proof for the path the chain derives from `blockHash`. */
export function proveSession(tree: Smst, blockHash: Uint8Array, sessionId: string): Uint8Array {
  const path = getProofPath(blockHash, sessionId)
  return encodeClosestProof(compactClosestProof(tree.proveClosest(path)))
}
