import { getPublicKey, getRingAddresses } from '@decai/crypto'
import { describe, expect, it } from 'vitest'
import {
  createPublicKeyCache,
  isAppKitError,
  PromiseCache,
  resolveApplicationRing,
} from '../src/index.js'

describe('PromiseCache', () => {
  it('shares a load between concurrent callers and evicts the least recently used', async () => {
    const cache = new PromiseCache<number>(2)
    let loads = 0
    const load = (v: number) => () => {
      loads++
      return Promise.resolve(v)
    }
    const [a, b] = await Promise.all([cache.get('a', load(1)), cache.get('a', load(2))])
    expect([a, b, loads]).toEqual([1, 1, 1])
    await cache.get('b', load(2))
    await cache.get('a', load(9)) // refreshes a
    await cache.get('c', load(3)) // evicts b
    expect(cache.size).toBe(2)
    expect(await cache.get('b', load(4))).toBe(4)
    expect(await cache.get('c', load(99))).toBe(3)
  })

  it('does not keep a failed load', async () => {
    const cache = new PromiseCache<number>(4)
    await expect(cache.get('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down')
    expect(await cache.get('k', () => Promise.resolve(5))).toBe(5)
  })
})

describe('public keys and rings', () => {
  const keyOf = (n: number) => getPublicKey(new Uint8Array(32).fill(n))

  it('reads each key once, and retries an account that had none', async () => {
    const reads: string[] = []
    let published = false
    const cache = createPublicKeyCache({
      getAccount: async ({ address }) => {
        reads.push(address)
        if (address === 'late' && !published) return {}
        return { publicKey: keyOf(address.length) }
      },
    })
    expect(await cache.get('abc')).toEqual(keyOf(3))
    expect(await cache.get('abc')).toEqual(keyOf(3))
    const error = await cache.get('late').catch((e) => e)
    expect(isAppKitError(error) && error.code).toBe('NO_PUBLIC_KEY')
    published = true
    expect(await cache.get('late')).toEqual(keyOf(4))
    expect(reads).toEqual(['abc', 'late', 'late'])
  })

  it("resolves an application's ring in poktroll's order", async () => {
    const keys = new Map([
      ['pokt1app', keyOf(1)],
      ['pokt1gw', keyOf(2)],
    ])
    const cache = createPublicKeyCache({
      getAccount: async ({ address }) => ({ publicKey: keys.get(address) }),
    })
    const application = {
      address: 'pokt1app',
      delegateeGatewayAddresses: ['pokt1gw'],
      pendingUndelegations: {},
    }
    const ring = await resolveApplicationRing(application, 10n, cache)
    const order = getRingAddresses({
      appAddress: 'pokt1app',
      delegateeGatewayAddresses: ['pokt1gw'],
      sessionEndHeight: 10n,
    })
    expect(ring).toEqual(order.map((a) => keys.get(a)))
  })
})
