import type { ChainClient } from '@decai/chain'
import { getRingAddresses, resolveRingPublicKeys } from '@decai/crypto'
import type { Session } from '@decai/protocol'
import { getSessionSupplierEndpoints, type SessionSupplier } from '@decai/session'
import { SdkError } from './errors.js'

/** What the application client reads from the chain; any `ChainClient` fits. */
export type ChainReader = Pick<
  ChainClient,
  'getSession' | 'getApplication' | 'getAccount' | 'getLatestHeight'
>

/** The session the client relays in, with what signing and verifying need. */
export type ActiveSession = {
  session: Session
  sessionId: string
  startHeight: bigint
  endHeight: bigint
  suppliers: SessionSupplier[]
  /** The application's ring at the session end height, in ring order. */
  ring: Uint8Array[]
}

export type SessionStateParameters = {
  chain: ChainReader
  applicationAddress: string
  serviceId: string
  /** How long a read of the chain height is reused, in milliseconds. */
  heightCacheMs: number
  now?: () => number
}

export type SessionState = {
  /** The current session (fetched again once the chain has moved past its end). */
  current(): Promise<ActiveSession>
  /** Forgets the cached session and height, e.g. after relay miners rejected it. */
  invalidate(): void
  /** A supplier operator's public key from its auth account (cached). */
  supplierPublicKey(operatorAddress: string): Promise<Uint8Array>
}

const wrap = (what: string, cause: unknown) =>
  new SdkError('CHAIN_QUERY_FAILED', `Cannot read ${what} from the chain.`, {
    cause,
  })

/** Caches the session, the ring and supplier keys, and refreshes them as the chain moves. */
export function createSessionState(parameters: SessionStateParameters): SessionState {
  const { chain, applicationAddress, serviceId, heightCacheMs } = parameters
  const now = parameters.now ?? Date.now
  let height: { value: bigint; at: number } | undefined
  let active: Promise<ActiveSession> | undefined
  let activeEnd: bigint | undefined
  const accountKeys = new Map<string, Promise<Uint8Array>>()

  const publicKeyOf = (address: string): Promise<Uint8Array> => {
    let key = accountKeys.get(address)
    if (key === undefined) {
      key = chain.getAccount({ address }).then((account) => {
        if (account.publicKey === undefined)
          throw new SdkError('CHAIN_QUERY_FAILED', 'The account has no public key on chain yet.', {
            details: `${address} must send a transaction first`,
          })
        return account.publicKey
      })
      // A failed lookup is not cached: the account may publish its key later.
      key.catch(() => accountKeys.delete(address))
      accountKeys.set(address, key)
    }
    return key
  }

  const latestHeight = async (): Promise<bigint> => {
    if (height !== undefined && now() - height.at < heightCacheMs) return height.value
    const value = await chain.getLatestHeight()
    height = { value, at: now() }
    return value
  }

  const load = async (): Promise<ActiveSession> => {
    let session: Session
    try {
      session = await chain.getSession({ applicationAddress, serviceId })
    } catch (cause) {
      throw wrap('the session', cause)
    }
    const header = session.header
    if (header === undefined)
      throw new SdkError('CHAIN_QUERY_FAILED', 'The chain returned a session without a header.')
    const suppliers = getSessionSupplierEndpoints(session, serviceId)
    let ring: Uint8Array[]
    try {
      const application = await chain.getApplication({ address: applicationAddress })
      const addresses = getRingAddresses({
        appAddress: applicationAddress,
        delegateeGatewayAddresses: application.delegateeGatewayAddresses,
        pendingUndelegations: application.pendingUndelegations,
        sessionEndHeight: header.sessionEndBlockHeight,
      })
      ring = await resolveRingPublicKeys(addresses, publicKeyOf)
    } catch (cause) {
      throw wrap("the application's ring", cause)
    }
    return {
      session,
      sessionId: header.sessionId,
      startHeight: header.sessionStartBlockHeight,
      endHeight: header.sessionEndBlockHeight,
      suppliers,
      ring,
    }
  }

  return {
    async current() {
      let at: bigint
      try {
        at = await latestHeight()
      } catch (cause) {
        throw wrap('the latest height', cause)
      }
      // While a session loads, `activeEnd` is unset and callers share the pending load.
      if (active === undefined || (activeEnd !== undefined && at > activeEnd)) {
        const loading = load()
        active = loading
        activeEnd = undefined
        loading.then(
          (s) => {
            if (active === loading) activeEnd = s.endHeight
          },
          () => {
            if (active === loading) active = undefined
          },
        )
      }
      return active
    },
    invalidate() {
      active = undefined
      activeEnd = undefined
      height = undefined
    },
    async supplierPublicKey(operatorAddress) {
      try {
        return await publicKeyOf(operatorAddress)
      } catch (cause) {
        throw wrap(`the public key of supplier ${operatorAddress}`, cause)
      }
    },
  }
}
