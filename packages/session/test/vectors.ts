import { readFileSync } from 'node:fs'
import type { SessionWindowParams, SharedParams } from '../src/index.js'

/** Reads the `vectors` field of a Go-generated vector file under test/vectors/. */
export function loadVectors<T>(name: string): T {
  const url = new URL(`./vectors/${name}.json`, import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as { vectors: T }).vectors
}

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export interface SharedParamsJson {
  numBlocksPerSession: string
  gracePeriodEndOffsetBlocks?: string
  claimWindowOpenOffsetBlocks?: string
  claimWindowCloseOffsetBlocks?: string
  proofWindowOpenOffsetBlocks?: string
  proofWindowCloseOffsetBlocks?: string
  computeUnitsToTokensMultiplier?: string
  computeUnitCostGranularity?: string
  sessionGridAnchorHeight: string
  sessionNumberAtAnchor: string
}

export function sharedParams(p: SharedParamsJson): SharedParams & SessionWindowParams {
  return {
    numBlocksPerSession: BigInt(p.numBlocksPerSession),
    gracePeriodEndOffsetBlocks: BigInt(p.gracePeriodEndOffsetBlocks ?? 0),
    claimWindowOpenOffsetBlocks: BigInt(p.claimWindowOpenOffsetBlocks ?? 0),
    claimWindowCloseOffsetBlocks: BigInt(p.claimWindowCloseOffsetBlocks ?? 0),
    proofWindowOpenOffsetBlocks: BigInt(p.proofWindowOpenOffsetBlocks ?? 0),
    proofWindowCloseOffsetBlocks: BigInt(p.proofWindowCloseOffsetBlocks ?? 0),
    computeUnitsToTokensMultiplier: BigInt(p.computeUnitsToTokensMultiplier ?? 0),
    computeUnitCostGranularity: BigInt(p.computeUnitCostGranularity ?? 0),
    sessionGridAnchorHeight: BigInt(p.sessionGridAnchorHeight),
    sessionNumberAtAnchor: BigInt(p.sessionNumberAtAnchor),
  }
}
