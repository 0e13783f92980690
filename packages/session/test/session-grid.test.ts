import { describe, expect, it } from 'vitest'
import {
  getClaimWindowCloseHeight,
  getClaimWindowOpenHeight,
  getEarliestSupplierClaimCommitHeight,
  getEarliestSupplierProofCommitHeight,
  getNextSessionStartHeight,
  getNumPendingSessions,
  getProofWindowCloseHeight,
  getProofWindowOpenHeight,
  getSessionEndHeight,
  getSessionEndToProofWindowCloseBlocks,
  getSessionGracePeriodEndHeight,
  getSessionNumber,
  getSessionStartHeight,
  getSessionWindows,
  getSettlementHeight,
  isGracePeriodElapsed,
  isSessionEndHeight,
  isSessionError,
  isSessionStartHeight,
} from '../src/index.js'
import { loadVectors, type SharedParamsJson, sharedParams } from './vectors.js'

interface GridVectors {
  columns: string
  groups: {
    params: SharedParamsJson
    endToProofClose: string
    numPending: string
    rows: string[]
  }[]
}

describe('session grid (Go vectors)', () => {
  const { columns, groups } = loadVectors<GridVectors>('session-grid')
  const names = columns.split(' ')

  it('has thousands of cases', () => {
    expect(groups.reduce((n, g) => n + g.rows.length, 0)).toBeGreaterThanOrEqual(4000)
  })

  it('reproduces every height poktroll derives', () => {
    for (const group of groups) {
      const p = sharedParams(group.params)
      expect(getSessionEndToProofWindowCloseBlocks(p)).toBe(BigInt(group.endToProofClose))
      expect(getNumPendingSessions(p)).toBe(BigInt(group.numPending))
      for (const row of group.rows) {
        const v = Object.fromEntries(row.split(' ').map((x, i) => [names[i], x]))
        const h = BigInt(v.height!)
        const got = {
          height: String(h),
          currentHeight: v.currentHeight,
          start: String(getSessionStartHeight(p, h)),
          end: String(getSessionEndHeight(p, h)),
          number: String(getSessionNumber(p, h)),
          graceEnd: String(getSessionGracePeriodEndHeight(p, h)),
          graceElapsed: String(isGracePeriodElapsed(p, h, BigInt(v.currentHeight!))),
          claimOpen: String(getClaimWindowOpenHeight(p, h)),
          claimClose: String(getClaimWindowCloseHeight(p, h)),
          proofOpen: String(getProofWindowOpenHeight(p, h)),
          proofClose: String(getProofWindowCloseHeight(p, h)),
          earliestClaim: String(getEarliestSupplierClaimCommitHeight(p, h)),
          earliestProof: String(getEarliestSupplierProofCommitHeight(p, h)),
          nextStart: String(getNextSessionStartHeight(p, h)),
          isStart: String(isSessionStartHeight(p, h)),
          isEnd: String(isSessionEndHeight(p, h)),
          settlement: String(getSettlementHeight(p, h)),
        }
        if (JSON.stringify(got) !== JSON.stringify(v))
          expect({ params: group.params, ...got }).toEqual({ params: group.params, ...v })
      }
    }
  })
})

describe('session grid', () => {
  const p = sharedParams({
    numBlocksPerSession: '4',
    gracePeriodEndOffsetBlocks: '1',
    claimWindowOpenOffsetBlocks: '1',
    claimWindowCloseOffsetBlocks: '4',
    proofWindowOpenOffsetBlocks: '0',
    proofWindowCloseOffsetBlocks: '4',
    sessionGridAnchorHeight: '0',
    sessionNumberAtAnchor: '0',
  })

  it('matches the upstream example (N = 4: sessions start at 1, 5, 9)', () => {
    expect([1n, 4n, 5n, 8n, 9n].map((h) => getSessionStartHeight(p, h))).toEqual([
      1n,
      1n,
      5n,
      5n,
      9n,
    ])
    expect(getSessionWindows(p, 10n)).toEqual({
      startHeight: 9n,
      endHeight: 12n,
      sessionNumber: 3n,
      gracePeriodEndHeight: 13n,
      claimWindowOpenHeight: 14n,
      claimWindowCloseHeight: 18n,
      proofWindowOpenHeight: 18n,
      proofWindowCloseHeight: 22n,
      settlementHeight: 22n,
    })
  })

  it('returns 0 below height 1', () => {
    expect(getSessionStartHeight(p, 0n)).toBe(0n)
    expect(getSessionEndHeight(p, -5n)).toBe(0n)
    expect(getSessionNumber(p, 0n)).toBe(0n)
  })

  it('rejects num_blocks_per_session = 0 with INVALID_PARAMS', () => {
    const bad = { ...p, numBlocksPerSession: 0n }
    expect(getSessionStartHeight(bad, 0n)).toBe(0n)
    let caught: unknown
    try {
      getSessionStartHeight(bad, 7n)
    } catch (e) {
      caught = e
    }
    expect(isSessionError(caught) && caught.code).toBe('INVALID_PARAMS')
  })
})
