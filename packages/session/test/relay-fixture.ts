import {
  generatePrivateKey,
  getAddress,
  getPlaceholderRingKey,
  getPublicKey,
  getRingAddresses,
} from '@decai/crypto'
import {
  buildRelayRequest,
  createPoktHttpRequest,
  hydrateSession,
  type SessionWindowParams,
  signRelayRequest,
  type VerifyRelayRequestContext,
} from '../src/index.js'

export const params: SessionWindowParams = {
  numBlocksPerSession: 10n,
  gracePeriodEndOffsetBlocks: 2n,
  claimWindowOpenOffsetBlocks: 1n,
  claimWindowCloseOffsetBlocks: 4n,
  proofWindowOpenOffsetBlocks: 0n,
  proofWindowCloseOffsetBlocks: 4n,
}

export function key() {
  const privateKey = generatePrivateKey()
  return { privateKey, publicKey: getPublicKey(privateKey), address: getAddress(privateKey) }
}

/** An application with one delegated gateway, a two-supplier session and a signed request. */
export function createRelayFixture() {
  const app = key()
  const gateway = key()
  const supplier = key()
  const other = key()
  const serviceId = 'llm-test'
  const height = 25n
  const session = hydrateSession({
    params,
    numSuppliersPerSession: 5n,
    blockHash: new Uint8Array(32).fill(7),
    serviceId,
    applicationAddress: app.address,
    height,
    candidates: [supplier, other].map((s) => ({
      operatorAddress: s.address,
      activationHeight: 1n,
      deactivationHeight: 0n,
    })),
  })
  const keys = new Map([
    [app.address, app.publicKey],
    [gateway.address, gateway.publicKey],
  ])
  const placeholder = getPlaceholderRingKey()
  const ring = getRingAddresses({
    appAddress: app.address,
    delegateeGatewayAddresses: [gateway.address],
    sessionEndHeight: session.header.sessionEndBlockHeight,
  }).map((a) => (a === placeholder.ringAddress ? placeholder.publicKey : keys.get(a)!))
  const unsigned = buildRelayRequest({
    sessionHeader: session.header,
    supplierOperatorAddress: supplier.address,
    payload: createPoktHttpRequest({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { 'content-type': 'application/json' },
      body: '{"model":"m","messages":[{"role":"user","content":"hi"}]}',
    }),
  })
  const request = signRelayRequest(unsigned, { signer: gateway.privateKey, ring })
  const context: VerifyRelayRequestContext = {
    currentHeight: height,
    serviceId,
    supplierOperatorAddresses: [supplier.address],
    getSharedParams: () => params,
    getRingPublicKeys: () => ring,
    getSession: ({ height: h }) => {
      const s = hydrateSession({
        params,
        numSuppliersPerSession: 5n,
        blockHash: new Uint8Array(32).fill(7),
        serviceId,
        applicationAddress: app.address,
        height: h,
        candidates: session.suppliers,
      })
      return {
        header: s.header,
        supplierOperatorAddresses: s.suppliers.map((x) => x.operatorAddress),
      }
    },
  }
  return { app, gateway, supplier, other, session, ring, unsigned, request, context }
}
