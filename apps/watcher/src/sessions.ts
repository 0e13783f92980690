import {
  createPublicKeyCache,
  type PublicKeyCache,
  resolveApplicationRing,
} from '@decai/app-kit/chain-cache'
import type { ChainClient } from '@decai/chain'
import { describeError, equalBytes } from '@decai/core'
import type { SessionHeader } from '@decai/protocol'
import { getSessionSupplierEndpoints, type SessionSupplier } from '@decai/session'
import { WatcherError } from './errors.js'

// The sessions the watcher probes: per (application, service) the current one, read when a
// session starts and kept until it ends, with the application's ring (which must hold the
// watcher's key) and the suppliers' keys.

export type ProbeSession = {
  application: string
  serviceId: string
  header: SessionHeader
  startHeight: bigint
  endHeight: bigint
  suppliers: SessionSupplier[]
  ring: Uint8Array[]
}

export class SessionView {
  readonly #client: ChainClient
  readonly #publicKey: Uint8Array
  readonly #address: string
  readonly #configured: string[] | undefined
  readonly #keys: PublicKeyCache
  readonly #sessions = new Map<string, Promise<ProbeSession>>()
  #applications: { address: string; serviceIds: string[] }[] = []

  constructor(options: {
    client: ChainClient
    watcherAddress: string
    watcherPublicKey: Uint8Array
    applications: string[] | undefined
  }) {
    this.#client = options.client
    this.#address = options.watcherAddress
    this.#publicKey = options.watcherPublicKey
    this.#configured = options.applications
    this.#keys = createPublicKeyCache(options.client)
  }

  /** Re-reads the applications delegating to the watcher (or the configured ones). */
  async refreshApplications(): Promise<void> {
    const apps =
      this.#configured === undefined
        ? await this.#client.getApplications({ delegateeGatewayAddress: this.#address })
        : await Promise.all(
            this.#configured.map((address) => this.#client.getApplication({ address })),
          )
    this.#applications = apps
      .filter((a) => a.delegateeGatewayAddresses.includes(this.#address))
      .map((a) => ({ address: a.address, serviceIds: a.serviceConfigs.map((s) => s.serviceId) }))
  }

  /** Applications that pay for relays of a service. */
  applicationsFor(serviceId: string): string[] {
    return this.#applications.filter((a) => a.serviceIds.includes(serviceId)).map((a) => a.address)
  }

  /** The session of an application and service at the latest height. */
  async getSession(application: string, serviceId: string): Promise<ProbeSession> {
    let height: bigint
    try {
      height = await this.#client.getLatestHeight()
    } catch (cause) {
      throw new WatcherError('SESSION_UNAVAILABLE', 'The chain is unreachable.', { cause })
    }
    const key = `${application}\u0000${serviceId}`
    const cached = this.#sessions.get(key)
    if (cached) {
      const session = await cached.catch(() => undefined)
      if (session && session.startHeight <= height && height <= session.endHeight) return session
    }
    const loading = this.#load(application, serviceId, height)
    this.#sessions.set(key, loading)
    return loading
  }

  async #load(application: string, serviceId: string, height: bigint): Promise<ProbeSession> {
    try {
      const session = await this.#client.getSession({
        applicationAddress: application,
        serviceId,
        height,
      })
      const header = session.header
      if (!header || !session.application) throw new Error('incomplete session')
      const ring = await resolveApplicationRing(
        session.application,
        header.sessionEndBlockHeight,
        this.#keys,
      )
      if (!ring.some((k) => equalBytes(k, this.#publicKey)))
        throw new Error(`${application} does not delegate to the watcher`)
      return {
        application,
        serviceId,
        header,
        startHeight: header.sessionStartBlockHeight,
        endHeight: header.sessionEndBlockHeight,
        suppliers: getSessionSupplierEndpoints(session, serviceId),
        ring,
      }
    } catch (cause) {
      throw new WatcherError('SESSION_UNAVAILABLE', 'Cannot read the session.', {
        details: `${serviceId} for ${application} at ${height}: ${describeError(cause)}`,
        cause,
      })
    }
  }

  /** A supplier's public key from the chain, cached. */
  async getPublicKey(address: string): Promise<Uint8Array> {
    try {
      return await this.#keys.get(address)
    } catch (cause) {
      throw new WatcherError('SESSION_UNAVAILABLE', "Cannot read a supplier's public key.", {
        details: address,
        cause,
      })
    }
  }
}
