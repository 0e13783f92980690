import { sha3_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { toUint64 } from './int64.js'
import type { SessionGridParams } from './params.js'
import { getSessionStartHeight } from './session-grid.js'

const DOT = Uint8Array.of(0x2e)

export interface SessionIdParameters {
  /**
   * Hash of the block at the session's start height (CometBFT `block_id.hash`); empty when
   * the start height is below 1.
   */
  blockHash: Uint8Array
  serviceId: string
  /** The application's bech32 address, as text. */
  applicationAddress: string
  /** Any height inside the session (the query height). */
  height: bigint
}

/**
 * The bytes the session ID hashes: `blockHash ‖ "." ‖ serviceId ‖ "." ‖ appAddress ‖ "." ‖
 * le64(start height)`. Supplier weights hash it too.
 */
export function getSessionIdPreimage(
  params: SessionGridParams,
  { blockHash, serviceId, applicationAddress, height }: SessionIdParameters,
): Uint8Array {
  const start = new Uint8Array(8)
  new DataView(start.buffer).setBigUint64(0, toUint64(getSessionStartHeight(params, height)), true)
  return concatBytes(
    blockHash,
    DOT,
    utf8ToBytes(serviceId),
    DOT,
    utf8ToBytes(applicationAddress),
    DOT,
    start,
  )
}

/** The session ID: lowercase hex of SHA3-256 (FIPS 202) over the preimage. */
export function getSessionId(params: SessionGridParams, parameters: SessionIdParameters): string {
  return bytesToHex(sha3_256(getSessionIdPreimage(params, parameters)))
}
