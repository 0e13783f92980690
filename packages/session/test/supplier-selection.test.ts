import { sha3_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import {
  getSessionIdPreimage,
  getSupplierWeight,
  hydrateSession,
  isServiceConfigUpdateActive,
  isSessionError,
  selectSessionSuppliers,
  sortServiceConfigUpdates,
} from '../src/index.js'
import { hex, loadVectors, type SharedParamsJson } from './vectors.js'

interface SuppliersCase {
  params: SharedParamsJson
  numSuppliersPerSession: string
  height: string
  blockHash: string
  serviceId: string
  appAddress: string
  candidates: string[]
  sessionId: string
  start: string
  end: string
  number: string
  numBlocksPerSession: string
  suppliers: string[] | null
}

describe('supplier selection (x/session keeper vectors)', () => {
  const cases = loadVectors<SuppliersCase[]>('session-suppliers')

  it('covers the interesting branches', () => {
    const branch = (c: SuppliersCase) =>
      c.suppliers === null
        ? 'none'
        : c.suppliers.length < Number(c.numSuppliersPerSession)
          ? 'fewer'
          : 'weighted'
    const counts = { none: 0, fewer: 0, weighted: 0 }
    for (const c of cases) counts[branch(c)]++
    expect(counts.none).toBeGreaterThan(5)
    expect(counts.fewer).toBeGreaterThan(50)
    expect(counts.weighted).toBeGreaterThan(50)
  })

  it('hydrates the same session as the chain', () => {
    for (const c of cases) {
      const candidates = c.candidates.map((line) => {
        const [operatorAddress, activation, deactivation] = line.split(' ')
        return {
          operatorAddress: operatorAddress!,
          activationHeight: BigInt(activation!),
          deactivationHeight: BigInt(deactivation!),
        }
      })
      const parameters = {
        params: {
          numBlocksPerSession: BigInt(c.params.numBlocksPerSession),
          sessionGridAnchorHeight: BigInt(c.params.sessionGridAnchorHeight),
          sessionNumberAtAnchor: BigInt(c.params.sessionNumberAtAnchor),
        },
        numSuppliersPerSession: BigInt(c.numSuppliersPerSession),
        blockHash: hex(c.blockHash),
        serviceId: c.serviceId,
        applicationAddress: c.appAddress,
        height: BigInt(c.height),
        candidates,
      }
      if (c.suppliers === null) {
        let caught: unknown
        try {
          hydrateSession(parameters)
        } catch (e) {
          caught = e
        }
        expect(isSessionError(caught) && caught.code).toBe('SUPPLIERS_NOT_FOUND')
        continue
      }
      const session = hydrateSession(parameters)
      const got = {
        sessionId: session.sessionId,
        start: String(session.header.sessionStartBlockHeight),
        end: String(session.header.sessionEndBlockHeight),
        number: String(session.sessionNumber),
        numBlocksPerSession: String(session.numBlocksPerSession),
        suppliers: session.suppliers.map((s) => s.operatorAddress),
      }
      const want = {
        sessionId: c.sessionId,
        start: c.start,
        end: c.end,
        number: c.number,
        numBlocksPerSession: c.numBlocksPerSession,
        suppliers: c.suppliers,
      }
      if (JSON.stringify(got) !== JSON.stringify(want)) expect(got).toEqual(want)
    }
  })
})

describe('supplier selection', () => {
  const update = (operatorAddress: string, activationHeight: bigint, deactivationHeight = 0n) => ({
    operatorAddress,
    activationHeight,
    deactivationHeight,
  })

  it('applies activation and deactivation heights', () => {
    expect(isServiceConfigUpdateActive(update('a', 5n), 4n)).toBe(false)
    expect(isServiceConfigUpdateActive(update('a', 5n), 5n)).toBe(true)
    expect(isServiceConfigUpdateActive(update('a', 5n, 9n), 8n)).toBe(true)
    expect(isServiceConfigUpdateActive(update('a', 5n, 9n), 9n)).toBe(false)
  })

  it('orders like the store keys: height, then address bytes followed by "/"', () => {
    const sorted = sortServiceConfigUpdates([
      update('b', 2n),
      update('ab', 1n),
      update('a', 1n),
      update('a-', 1n), // '-' (0x2d) sorts before '/' (0x2f)
    ])
    expect(sorted.map((u) => u.operatorAddress)).toEqual(['a-', 'a', 'ab', 'b'])
  })

  it('reads the weight as a signed big-endian int64', () => {
    const preimage = Uint8Array.of(1, 2, 3)
    const hash = sha3_256(Uint8Array.of(1, 2, 3, 0x2e, 0x78))
    const expected = BigInt.asIntN(64, BigInt(`0x${Buffer.from(hash.slice(0, 8)).toString('hex')}`))
    expect(getSupplierWeight(preimage, 'x')).toBe(expected)
  })

  it('takes the lowest weights and never more than M', () => {
    const preimage = getSessionIdPreimage(
      { numBlocksPerSession: 4n },
      { blockHash: new Uint8Array(32), serviceId: 'svc', applicationAddress: 'app', height: 3n },
    )
    const candidates = Array.from({ length: 10 }, (_, i) => update(`op${i}`, 1n))
    const picked = selectSessionSuppliers({
      sessionIdPreimage: preimage,
      height: 3n,
      numSuppliersPerSession: 3n,
      candidates,
    })
    const byWeight = candidates
      .map((c) => ({ c, w: getSupplierWeight(preimage, c.operatorAddress) }))
      .sort((a, b) => (a.w < b.w ? -1 : a.w > b.w ? 1 : 0))
      .slice(0, 3)
      .map((x) => x.c)
    expect(picked).toEqual(byWeight)
    // Exactly M candidates still go through the weighted sort (the rule is "fewer than M").
    const exact = selectSessionSuppliers({
      sessionIdPreimage: preimage,
      height: 3n,
      numSuppliersPerSession: 10n,
      candidates,
    })
    expect(exact.map((c) => c.operatorAddress)).not.toEqual(
      candidates.map((c) => c.operatorAddress),
    )
    expect(new Set(exact)).toEqual(new Set(candidates))
  })
})
