import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  getClaimWindowCloseHeight,
  getClaimWindowOpenHeight,
  getNextSessionStartHeight,
  getNumPendingSessions,
  getParamsAtHeight,
  getProofWindowCloseHeight,
  getProofWindowOpenHeight,
  getSessionEndHeight,
  getSessionGracePeriodEndHeight,
  getSessionNumber,
  getSessionStartHeight,
  getSettlementHeight,
  isGracePeriodElapsed,
  isSessionEndHeight,
  isSessionStartHeight,
  type ParamsUpdate,
  type SessionWindowParams,
} from '../src/index.js'

const big = (min: number, max: number) => fc.bigInt({ min: BigInt(min), max: BigInt(max) })

const windowParams = fc.record({
  numBlocksPerSession: big(1, 100),
  gracePeriodEndOffsetBlocks: big(0, 50),
  claimWindowOpenOffsetBlocks: big(0, 50),
  claimWindowCloseOffsetBlocks: big(0, 50),
  proofWindowOpenOffsetBlocks: big(0, 50),
  proofWindowCloseOffsetBlocks: big(0, 50),
  sessionGridAnchorHeight: big(0, 10_000),
  sessionNumberAtAnchor: big(0, 1_000),
})

// Heights of the params' own epoch (from the anchor on, or from 1 on the genesis grid), at
// and around session boundaries: first block, second block, last block, the block before.
const gridHeight = (p: SessionWindowParams) =>
  fc.tuple(big(0, 300), fc.constantFrom(0n, 1n, -1n, -2n)).map(([k, d]) => {
    const anchor = p.sessionGridAnchorHeight ?? 0n
    const base = anchor > 0n ? anchor : 1n
    const n = p.numBlocksPerSession
    const h = d >= 0n ? base + k * n + d : base + (k + 1n) * n + d
    return h < base ? base : h
  })

const withHeight = windowParams.chain((p) => fc.tuple(fc.constant(p), gridHeight(p)))

describe('session grid properties', () => {
  it('a session holds its height and spans N blocks', () => {
    fc.assert(
      fc.property(withHeight, ([p, h]) => {
        if (h < 1n) return
        const start = getSessionStartHeight(p, h)
        const end = getSessionEndHeight(p, h)
        expect(start <= h && h <= end).toBe(true)
        expect(end - start + 1n).toBe(p.numBlocksPerSession)
        expect(isSessionStartHeight(p, start)).toBe(true)
        expect(isSessionEndHeight(p, end)).toBe(true)
        expect(getSessionStartHeight(p, end)).toBe(start)
        expect(getSessionNumber(p, start)).toBe(getSessionNumber(p, end))
      }),
    )
  })

  it('the next session starts right after the end, numbered one higher', () => {
    fc.assert(
      fc.property(withHeight, ([p, h]) => {
        if (h < 1n) return
        const next = getNextSessionStartHeight(p, h)
        expect(next).toBe(getSessionEndHeight(p, h) + 1n)
        // Crossing into a later epoch's anchor is not covered: params are per epoch.
        expect(getSessionStartHeight(p, next)).toBe(next)
        expect(getSessionNumber(p, next)).toBe(getSessionNumber(p, h) + 1n)
      }),
    )
  })

  it('windows follow each other and settlement is the proof window close', () => {
    fc.assert(
      fc.property(withHeight, ([p, h]) => {
        const end = getSessionEndHeight(p, h)
        const claimOpen = getClaimWindowOpenHeight(p, h)
        const claimClose = getClaimWindowCloseHeight(p, h)
        const proofOpen = getProofWindowOpenHeight(p, h)
        const proofClose = getProofWindowCloseHeight(p, h)
        expect(claimOpen).toBe(end + p.claimWindowOpenOffsetBlocks + 1n)
        expect(claimClose - claimOpen).toBe(p.claimWindowCloseOffsetBlocks)
        expect(proofOpen - claimClose).toBe(p.proofWindowOpenOffsetBlocks)
        expect(proofClose - proofOpen).toBe(p.proofWindowCloseOffsetBlocks)
        expect(getSettlementHeight(p, h)).toBe(proofClose)
        const graceEnd = getSessionGracePeriodEndHeight(p, h)
        expect(isGracePeriodElapsed(p, h, graceEnd)).toBe(false)
        expect(isGracePeriodElapsed(p, h, graceEnd + 1n)).toBe(true)
      }),
    )
  })

  it('pending sessions round the window span up to whole sessions', () => {
    fc.assert(
      fc.property(windowParams, (p) => {
        const span =
          p.claimWindowOpenOffsetBlocks +
          p.claimWindowCloseOffsetBlocks +
          p.proofWindowOpenOffsetBlocks +
          p.proofWindowCloseOffsetBlocks
        const pending = getNumPendingSessions(p)
        expect(pending * p.numBlocksPerSession >= span).toBe(true)
        expect((pending - 1n) * p.numBlocksPerSession < span).toBe(true)
      }),
    )
  })

  it('an anchor starts a session with the anchor number; heights before it use the genesis grid', () => {
    fc.assert(
      fc.property(windowParams, big(1, 500), (p, d) => {
        const anchor = p.sessionGridAnchorHeight ?? 0n
        if (anchor <= 0n) return
        const number = (p.sessionNumberAtAnchor ?? 0n) > 0n ? p.sessionNumberAtAnchor : 1n
        expect(getSessionStartHeight(p, anchor)).toBe(anchor)
        expect(getSessionNumber(p, anchor)).toBe(number)
        const before = anchor - d
        if (before < 1n) return
        const genesis = { ...p, sessionGridAnchorHeight: 0n }
        expect(getSessionStartHeight(p, before)).toBe(getSessionStartHeight(genesis, before))
        expect(getSessionNumber(p, before)).toBe(getSessionNumber(genesis, before))
      }),
    )
  })

  it('an anchor change keeps session numbers contiguous and boundaries aligned', () => {
    fc.assert(
      fc.property(windowParams, big(1, 100), big(1, 5_000), (p, newN, changeAt) => {
        // Governance changes N at `changeAt`; the new epoch is anchored at the next boundary.
        const oldP = { ...p, sessionGridAnchorHeight: 0n }
        const anchor = getSessionEndHeight(oldP, changeAt) + 1n
        const newP = {
          ...oldP,
          numBlocksPerSession: newN,
          sessionGridAnchorHeight: anchor,
          sessionNumberAtAnchor: getSessionNumber(oldP, changeAt) + 1n,
        }
        const history: ParamsUpdate<SessionWindowParams>[] = [
          { effectiveHeight: 1n, params: oldP },
          { effectiveHeight: anchor, params: newP },
        ]
        const at = (h: bigint) => getParamsAtHeight(history, h, oldP)
        expect(getSessionEndHeight(at(anchor - 1n), anchor - 1n)).toBe(anchor - 1n)
        expect(getSessionStartHeight(at(anchor), anchor)).toBe(anchor)
        expect(getSessionNumber(at(anchor), anchor)).toBe(
          getSessionNumber(at(anchor - 1n), anchor - 1n) + 1n,
        )
        for (const h of [anchor + newN - 1n, anchor + newN, anchor + 3n * newN + 1n]) {
          const p = at(h)
          expect((getSessionStartHeight(p, h) - anchor) % newN).toBe(0n)
        }
      }),
    )
  })

  it('resolves params at a height like the chain store', () => {
    const history: ParamsUpdate<string>[] = [
      { effectiveHeight: 10n, params: 'a' },
      { effectiveHeight: 30n, params: 'b' },
      { effectiveHeight: 20n, params: 'c' },
      { effectiveHeight: 20n, params: 'd' },
    ]
    expect(getParamsAtHeight(history, 9n, 'current')).toBe('current')
    expect(getParamsAtHeight(history, 10n, 'current')).toBe('a')
    expect(getParamsAtHeight(history, 19n, 'current')).toBe('a')
    expect(getParamsAtHeight(history, 20n, 'current')).toBe('d')
    expect(getParamsAtHeight(history, 1000n, 'current')).toBe('b')
    expect(getParamsAtHeight([], 5n, 'current')).toBe('current')
  })
})
