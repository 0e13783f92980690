import { sha3_256 } from '@noble/hashes/sha3.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { toInt64 } from './int64.js'
import type { SessionGridParams } from './params.js'
import { getSessionEndHeight, getSessionNumber, getSessionStartHeight } from './session-grid.js'
import { getSessionIdPreimage, type SessionIdParameters } from './session-id.js'
import { type ServiceConfigUpdateLike, selectSessionSuppliers } from './supplier-selection.js'

/** The fields of `pocket.session.SessionHeader`, as plain values. */
export interface SessionHeaderFields {
  applicationAddress: string
  serviceId: string
  sessionId: string
  sessionStartBlockHeight: bigint
  sessionEndBlockHeight: bigint
}

export interface HydrateSessionParameters<T extends ServiceConfigUpdateLike>
  extends SessionIdParameters {
  /** Shared params in force at `height`. */
  params: SessionGridParams
  /** `num_suppliers_per_session` of the session params in force at `height`. */
  numSuppliersPerSession: bigint
  /** The service's supplier config updates (see {@link selectSessionSuppliers}). */
  candidates: readonly T[]
}

export interface HydratedSession<T extends ServiceConfigUpdateLike> {
  header: SessionHeaderFields
  sessionId: string
  sessionNumber: bigint
  numBlocksPerSession: bigint
  suppliers: T[]
}

/**
 * Recomputes what the chain's `GetSession` returns for an application, service and height,
 * from the block hash at the session start and the service's supplier configs. The
 * application's own eligibility (staked for the service, not unstaking) is the caller's.
 */
export function hydrateSession<T extends ServiceConfigUpdateLike>(
  parameters: HydrateSessionParameters<T>,
): HydratedSession<T> {
  const { params, height, numSuppliersPerSession, candidates } = parameters
  const preimage = getSessionIdPreimage(params, parameters)
  const sessionId = bytesToHex(sha3_256(preimage))
  const suppliers = selectSessionSuppliers({
    sessionIdPreimage: preimage,
    height,
    numSuppliersPerSession,
    candidates,
  })
  return {
    header: {
      applicationAddress: parameters.applicationAddress,
      serviceId: parameters.serviceId,
      sessionId,
      sessionStartBlockHeight: getSessionStartHeight(params, height),
      sessionEndBlockHeight: getSessionEndHeight(params, height),
    },
    sessionId,
    sessionNumber: getSessionNumber(params, height),
    numBlocksPerSession: toInt64(params.numBlocksPerSession),
    suppliers,
  }
}
