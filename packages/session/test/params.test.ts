import { create } from '@decai/protocol'
import { ParamsSchema } from '@decai/protocol/gen/pocket/shared/params_pb'
import { describe, expect, it } from 'vitest'
import { getSessionStartHeight, toSharedParams } from '../src/index.js'

describe('toSharedParams', () => {
  it('keeps the fields the session arithmetic reads, as plain values', () => {
    const message = create(ParamsSchema, {
      numBlocksPerSession: 10n,
      gracePeriodEndOffsetBlocks: 1n,
      claimWindowOpenOffsetBlocks: 2n,
      claimWindowCloseOffsetBlocks: 3n,
      proofWindowOpenOffsetBlocks: 4n,
      proofWindowCloseOffsetBlocks: 5n,
      computeUnitsToTokensMultiplier: 42n,
      computeUnitCostGranularity: 1_000_000n,
      sessionGridAnchorHeight: 21n,
      sessionNumberAtAnchor: 3n,
      supplierUnbondingPeriodSessions: 7n,
    })
    const params = toSharedParams(message)
    expect(params).toStrictEqual({
      numBlocksPerSession: 10n,
      gracePeriodEndOffsetBlocks: 1n,
      claimWindowOpenOffsetBlocks: 2n,
      claimWindowCloseOffsetBlocks: 3n,
      proofWindowOpenOffsetBlocks: 4n,
      proofWindowCloseOffsetBlocks: 5n,
      computeUnitsToTokensMultiplier: 42n,
      computeUnitCostGranularity: 1_000_000n,
      sessionGridAnchorHeight: 21n,
      sessionNumberAtAnchor: 3n,
    })
    expect(getSessionStartHeight(params, 25n)).toBe(21n)
  })

  it('leaves the grid anchor out when the input has none', () => {
    const params = toSharedParams({
      numBlocksPerSession: 4n,
      gracePeriodEndOffsetBlocks: 0n,
      claimWindowOpenOffsetBlocks: 0n,
      claimWindowCloseOffsetBlocks: 0n,
      proofWindowOpenOffsetBlocks: 0n,
      proofWindowCloseOffsetBlocks: 0n,
      computeUnitsToTokensMultiplier: 0n,
      computeUnitCostGranularity: 1n,
    })
    expect('sessionGridAnchorHeight' in params || 'sessionNumberAtAnchor' in params).toBe(false)
  })
})
