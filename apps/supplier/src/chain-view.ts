import {
  createPublicKeyCache,
  PromiseCache,
  resolveApplicationRing,
} from '@decai/app-kit/chain-cache'
import type { ChainClient } from '@decai/chain'
import type { Application } from '@decai/protocol'
import {
  getSessionStartHeight,
  type SessionForVerification,
  type SharedParams,
  toSharedParams,
} from '@decai/session'

// What the relay path reads from the chain, cached: every value a relay needs is stable for a
// session (or a params epoch), so after the first relay of a session nothing is queried.

/** A session as the supplier uses it: the verification view plus its supplier count. */
export type ChainSession = SessionForVerification & { numSuppliers: number }

/** What a relay of a service weighs and must beat, both at its session start. */
export type MiningParams = { targetHash: Uint8Array; computeUnitsPerRelay: bigint }

export type ChainView = ReturnType<typeof createChainView>

/**
 * Cached chain reads for the relay path and the session lifecycle. `height` is the latest
 * block the block watcher delivered.
 */
export function createChainView(client: ChainClient, initialHeight: bigint) {
  let height = initialHeight
  let latestShared: SharedParams | undefined
  const sharedAt = new PromiseCache<SharedParams>(256)
  const applications = new PromiseCache<Application>(4096)
  const rings = new PromiseCache<readonly Uint8Array[]>(4096)
  const publicKeys = createPublicKeyCache(client)
  const sessions = new PromiseCache<ChainSession>(4096)
  const mining = new PromiseCache<MiningParams>(1024)
  const moduleParams = new PromiseCache<unknown>(16)

  const getSharedParams = (at: bigint): Promise<SharedParams> =>
    sharedAt.get(String(at), async () =>
      toSharedParams(await client.getParams({ module: 'shared', height: at })),
    )

  return {
    get height() {
      return height
    },
    /** Called by the block watcher for every new block. */
    setHeight(next: bigint) {
      if (next <= height) return
      height = next
      // Module params can change at any block; re-read them at most once per block.
      moduleParams.clear()
    },
    client,
    getSharedParams,
    /** Shared params in force now (refreshed every block). */
    async getLatestSharedParams(): Promise<SharedParams> {
      latestShared = await getSharedParams(height)
      return latestShared
    },
    /** The application, as of the first relay of a session (cached per session). */
    getApplication(address: string, sessionId: string): Promise<Application> {
      return applications.get(`${address}|${sessionId}`, () => client.getApplication({ address }))
    },
    /** The application's ring at a session end height, poktroll's rule, from chain keys. */
    getRingPublicKeys({
      applicationAddress,
      sessionEndHeight,
    }: {
      applicationAddress: string
      sessionEndHeight: bigint
    }): Promise<readonly Uint8Array[]> {
      return rings.get(`${applicationAddress}|${sessionEndHeight}`, async () => {
        const app = await client.getApplication({ address: applicationAddress })
        return resolveApplicationRing(app, sessionEndHeight, publicKeys)
      })
    },
    /** The chain's session (`GetSession`), cached per application, service and session start. */
    async getSession({
      applicationAddress,
      serviceId,
      height: at,
    }: {
      applicationAddress: string
      serviceId: string
      height: bigint
    }): Promise<ChainSession> {
      const shared = latestShared ?? (await getSharedParams(height))
      const start = getSessionStartHeight(shared, at)
      return sessions.get(`${applicationAddress}|${serviceId}|${start}`, async () => {
        const session = await client.getSession({ applicationAddress, serviceId, height: at })
        const header = session.header
        if (!header) throw new Error('the chain returned a session without a header')
        return {
          header: {
            applicationAddress: header.applicationAddress,
            serviceId: header.serviceId,
            sessionId: header.sessionId,
            sessionStartBlockHeight: header.sessionStartBlockHeight,
            sessionEndBlockHeight: header.sessionEndBlockHeight,
          },
          supplierOperatorAddresses: session.suppliers.map((s) => s.operatorAddress),
          numSuppliers: session.suppliers.length,
        }
      })
    },
    /** Difficulty target and compute units per relay of a service at a session start. */
    getMiningParams(serviceId: string, sessionStartHeight: bigint): Promise<MiningParams> {
      return mining.get(`${serviceId}|${sessionStartHeight}`, async () => {
        const [difficulty, computeUnitsPerRelay] = await Promise.all([
          client.getRelayMiningDifficulty({ serviceId, height: sessionStartHeight }),
          client.getComputeUnitsPerRelay({ serviceId, height: sessionStartHeight }),
        ])
        return { targetHash: difficulty.targetHash, computeUnitsPerRelay }
      })
    },
    /** Current params of a module (re-read at most once per block). */
    getModuleParams<M extends 'proof' | 'tokenomics' | 'session'>(module: M) {
      return moduleParams.get(module, () => client.getParams({ module })) as ReturnType<
        typeof client.getParams<M>
      >
    },
  }
}
