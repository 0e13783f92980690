import { RPCType, type Session, type Supplier } from '@decai/protocol'

// Which of a session supplier's staked endpoints a relay goes to. Relays are HTTP POSTs, so only
// http(s) URLs qualify; among them the RPC types that carry an HTTP request are preferred, in
// this order (websocket and gRPC endpoints cannot take a relay POST).
const rpcPreference = [RPCType.REST, RPCType.JSON_RPC, RPCType.UNKNOWN_RPC, RPCType.COMET_BFT]
const HTTP_URL = /^https?:\/\//

/** A session supplier with the endpoint a relay for the service is sent to. */
export type SessionSupplier = {
  operatorAddress: string
  /** The staked `publicly_exposed_url` chosen for the service. */
  url: string
}

/** The URL a relay for `serviceId` goes to at this supplier, or undefined if it has none. */
export function getSupplierEndpointUrl(
  supplier: Pick<Supplier, 'services'>,
  serviceId: string,
): string | undefined {
  const endpoints = supplier.services.find((s) => s.serviceId === serviceId)?.endpoints ?? []
  for (const type of rpcPreference) {
    const endpoint = endpoints.find((e) => e.rpcType === type && HTTP_URL.test(e.url))
    if (endpoint) return endpoint.url
  }
  return undefined
}

/** The session's suppliers that can take a relay for the service, in session order. */
export function getSessionSupplierEndpoints(
  session: Pick<Session, 'suppliers'>,
  serviceId: string,
): SessionSupplier[] {
  const out: SessionSupplier[] = []
  for (const supplier of session.suppliers) {
    const url = getSupplierEndpointUrl(supplier, serviceId)
    if (url !== undefined) out.push({ operatorAddress: supplier.operatorAddress, url })
  }
  return out
}
