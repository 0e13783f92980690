import { describe, expect, it } from 'vitest'
import {
  getPlaceholderRingKey,
  getRingAddresses,
  isCryptoError,
  resolveRingPublicKeys,
  ringSign,
  ringVerify,
  verifyRingMembership,
} from '../src/index.js'
import { h, loadVectors } from './load-vectors.js'

type RingAddressVector = {
  appAddress: string
  delegateeGatewayAddresses: string[]
  pendingUndelegations: Record<string, string[]>
  sessionEndHeight: number
  publicKeys: Record<string, string>
  addresses: string[]
}

const vectors = loadVectors<RingAddressVector[]>('crypto-ring-addresses')

const paramsOf = (v: RingAddressVector) => ({
  appAddress: v.appAddress,
  delegateeGatewayAddresses: v.delegateeGatewayAddresses,
  pendingUndelegations: v.pendingUndelegations,
  sessionEndHeight: BigInt(v.sessionEndHeight),
})

describe("poktroll's ring for an application", () => {
  it.each(vectors.map((v, i) => ({ ...v, i })))('builds ring $i as poktroll does', (v) => {
    expect(getRingAddresses(paramsOf(v))).toEqual(v.addresses)
  })

  it('accepts pending undelegations as a map keyed by bigint, or as proto3 JSON lists', () => {
    for (const v of vectors) {
      const asMap = new Map(Object.entries(v.pendingUndelegations).map(([k, g]) => [BigInt(k), g]))
      expect(getRingAddresses({ ...paramsOf(v), pendingUndelegations: asMap })).toEqual(v.addresses)
      const asJson = Object.fromEntries(
        Object.entries(v.pendingUndelegations).map(([k, g]) => [k, { gatewayAddresses: g }]),
      )
      expect(getRingAddresses({ ...paramsOf(v), pendingUndelegations: asJson })).toEqual(
        v.addresses,
      )
    }
  })

  it('covers the placeholder, duplicates and undelegations at the boundary', () => {
    const placeholder = getPlaceholderRingKey().ringAddress
    expect(vectors.some((v) => v.addresses[0] === placeholder && v.addresses.length === 2)).toBe(
      true,
    )
    expect(vectors.some((v) => new Set(v.addresses).size < v.addresses.length)).toBe(true)
    expect(
      vectors.some((v) =>
        Object.keys(v.pendingUndelegations).some((k) => BigInt(k) === BigInt(v.sessionEndHeight)),
      ),
    ).toBe(true)
  })

  it('resolves keys (placeholder included) and signs and checks a relay ring end to end', async () => {
    const v = vectors.find((x) => x.addresses.includes(getPlaceholderRingKey().ringAddress))!
    const keys = await resolveRingPublicKeys(v.addresses, (a) => h(v.publicKeys[a]!))
    expect(keys[0]).toEqual(getPlaceholderRingKey().publicKey)
    // The placeholder's private key is public, so it can stand in as the signer here.
    const message = new Uint8Array(32).fill(7)
    const sig = ringSign(message, keys, getPlaceholderRingKey().privateKey)
    expect(ringVerify(sig, message)).toBe(true)
    expect(verifyRingMembership(sig, keys)).toBe(true)
    await expect(
      resolveRingPublicKeys(v.addresses, async () => undefined as unknown as Uint8Array),
    ).rejects.toSatisfy((e) => isCryptoError(e) && e.code === 'INVALID_PUBLIC_KEY')
  })

  it('rejects malformed parameters with typed errors', () => {
    const bad = [
      { ...paramsOf(vectors[0]!), sessionEndHeight: 4 as unknown as bigint },
      { ...paramsOf(vectors[0]!), pendingUndelegations: { x: ['a'] } },
      { ...paramsOf(vectors[0]!), pendingUndelegations: { '4': 'a' as unknown as string[] } },
      { ...paramsOf(vectors[0]!), delegateeGatewayAddresses: 'a' as unknown as string[] },
    ]
    for (const p of bad) {
      expect(() => getRingAddresses(p)).toThrowError(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      )
    }
  })
})
