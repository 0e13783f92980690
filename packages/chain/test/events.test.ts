import { marshal } from '@decai/protocol'
import { describe, expect, it } from 'vitest'
import {
  decodeEvent,
  decodeEvents,
  EventClaimSettledSchema,
  findEvents,
  getPocketEventTypes,
  parseClaimSettled,
  SettlementOpReason,
  sumRewards,
} from '../src/index.js'
import { bytesToHex, loadVectors } from './vectors.js'

type Attribute = { key: string; value: string }
type EventCase = { type: string; attributes: Attribute[]; bytes: string }
type RewardCase = {
  event: EventCase
  claimedUpokt: string
  settledUpokt: string
  mintedUpokt: string
  rewards: { recipient: string; opReason: string; amount: string }[]
  totalsByRecipient: Record<string, string>
  rewardDistribution: Record<string, string>
}
const vectors = loadVectors<{ events: EventCase[]; rewards: RewardCase[] }>('events')

describe('typed events (Go reference: sdk.TypedEventToEvent)', () => {
  it('knows every pocket.* event the chain emits', () => {
    expect(getPocketEventTypes()).toEqual([...new Set(vectors.events.map((e) => e.type))].sort())
  })

  it('decodes each into the message Go encoded, byte for byte', () => {
    for (const c of vectors.events) {
      const decoded = decodeEvent(c)
      expect(decoded?.type).toBe(c.type)
      expect({
        type: c.type,
        bytes: bytesToHex(marshal(decoded!.schema, decoded!.message)),
      }).toEqual({
        type: c.type,
        bytes: c.bytes,
      })
    }
  })

  it('skips events that are not typed pocket events, and filters by schema', () => {
    const settled = vectors.rewards.map((r) => r.event)
    const mixed = [
      { type: 'coin_spent', attributes: [{ key: 'amount', value: '1upokt' }] },
      ...settled,
    ]
    expect(decodeEvent(mixed[0]!)).toBeUndefined()
    expect(decodeEvents(mixed)).toHaveLength(settled.length)
    expect(findEvents(mixed, EventClaimSettledSchema)).toHaveLength(settled.length)
    expect(decodeEvent(mixed[0]!, EventClaimSettledSchema)).toBeUndefined()
  })

  it('fails with a typed error on a malformed attribute', () => {
    const bad = {
      type: 'pocket.tokenomics.EventClaimSettled',
      attributes: [{ key: 'num_relays', value: 'x' }],
    }
    expect(() => decodeEvent(bad)).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }))
  })
})

describe('claim settlements', () => {
  it('reads the amounts per recipient and reason that settlement paid', () => {
    for (const c of vectors.rewards) {
      const event = decodeEvent(c.event, EventClaimSettledSchema)!
      const settlement = parseClaimSettled(event, 7n)
      expect(settlement.status).toBe('settled')
      expect(settlement.height).toBe(7n)
      expect(settlement.claimedUpokt).toBe(BigInt(c.claimedUpokt))
      expect(settlement.settledUpokt).toBe(BigInt(c.settledUpokt))
      expect(settlement.mintedUpokt).toBe(BigInt(c.mintedUpokt))
      expect(
        settlement.rewards.map((r) => ({
          recipient: r.recipient,
          opReason: SettlementOpReason[r.opReason],
          amount: String(r.amount),
        })),
      ).toEqual(c.rewards)
      const totals = sumRewards([settlement])
      expect(Object.fromEntries([...totals].map(([k, v]) => [k, String(v)]))).toEqual(
        c.totalsByRecipient,
      )
      // The deprecated per-address map agrees.
      expect(Object.fromEntries([...totals].map(([k, v]) => [k, `${v}upokt`]))).toEqual(
        c.rewardDistribution,
      )
      for (const r of settlement.rewards) {
        if (
          r.opReason ===
          SettlementOpReason.TLM_RELAY_BURN_EQUALS_MINT_SOURCE_OWNER_REWARD_DISTRIBUTION
        )
          expect(r).toMatchObject({ role: 'sourceOwner', tlm: 'relayBurnEqualsMint' })
        if (
          r.opReason ===
          SettlementOpReason.TLM_GLOBAL_MINT_REIMBURSEMENT_REQUEST_ESCROW_DAO_TRANSFER
        )
          expect(r).toMatchObject({ role: 'dao', tlm: 'globalMint' })
      }
      const owner = settlement.rewards.find((r) => r.role === 'sourceOwner')!
      expect(
        sumRewards([settlement], { role: 'sourceOwner', tlm: 'relayBurnEqualsMint' }).get(
          owner.recipient,
        ),
      ).toBe(owner.amount)
    }
  })
})
