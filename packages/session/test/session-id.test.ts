import { describe, expect, it } from 'vitest'
import { getSessionId, getSessionIdPreimage, type SessionGridParams } from '../src/index.js'
import { hex, loadVectors, type SharedParamsJson } from './vectors.js'

const gridParams = (p: SharedParamsJson): SessionGridParams => ({
  numBlocksPerSession: BigInt(p.numBlocksPerSession),
  sessionGridAnchorHeight: BigInt(p.sessionGridAnchorHeight),
  sessionNumberAtAnchor: BigInt(p.sessionNumberAtAnchor),
})

interface SessionIdCase {
  params: SharedParamsJson
  blockHash: string
  serviceId: string
  appAddress: string
  height: string
  sessionId: string
}

describe('session ID', () => {
  it('reproduces the golden IDs of poktroll session tests', () => {
    // x/session/keeper tests: N = 4, block hashes from testutil/keeper/session.go.
    const params = { numBlocksPerSession: 4n }
    const blockHashes: Record<string, string> = {
      '1': '1b1051b7bf236fea13efa65b6be678514fa5b6ea0ae9a7a4b68d45f95e4f18e0',
      '5': '261594ddc3c8afc5b4c63f59ee58e89d3a115bcd164c83fd79349de0b1ffd21d',
      '9': '251665c7cf286a30fbd98acd983c63e9a34efc16496511373405e24eb02a8fb9',
    }
    const app1 = 'pokt1mdccn4u38eyjdxkk4h0jaddw4n3c72u82m5m9e'
    const app2 = 'pokt133amv5suh75zwkxxcq896azvmmwszg99grvk9f'
    const golden: [string, string, bigint, string, string][] = [
      [app1, 'svc1', 1n, '1', 'afd00273055a4fddc0beb30074e14d474c07f9e895d2795db006a5139048d54b'],
      [app1, 'svc1', 5n, '5', 'e161348f2153bb41092040c3c287596f8daf98e90986475be21412a1ded945ed'],
      [app1, 'svc1', 10n, '9', 'fea5d6f7544ff6d8af5c22529b2ccf01ed7930b3d454d42dda5ccc0b65b6ebfd'],
      [app1, 'svc12', 5n, '5', 'c01eb8924dbb9dae7cab8ed56016ce8fdd2d23542f9e0b7ca8d6972d3fb45ce5'],
      [app2, 'svc12', 5n, '5', 'f6dbe4961afd8ff0e444a1159d02bc645f9ded3daaa605c187e6bd7ee2232a68'],
    ]
    for (const [applicationAddress, serviceId, height, start, id] of golden) {
      const blockHash = hex(blockHashes[start]!)
      expect(getSessionId(params, { blockHash, serviceId, applicationAddress, height })).toBe(id)
    }
  })

  it('matches Go for thousands of random inputs', () => {
    const cases = loadVectors<SessionIdCase[]>('session-id')
    expect(cases.length).toBeGreaterThanOrEqual(2000)
    for (const c of cases) {
      const id = getSessionId(gridParams(c.params), {
        blockHash: hex(c.blockHash),
        serviceId: c.serviceId,
        applicationAddress: c.appAddress,
        height: BigInt(c.height),
      })
      if (id !== c.sessionId) expect({ ...c, id }).toEqual(c)
    }
  })

  it('encodes the start height as 8 little-endian bytes after the last dot', () => {
    const preimage = getSessionIdPreimage(
      { numBlocksPerSession: 10n },
      { blockHash: Uint8Array.of(0xaa), serviceId: 's', applicationAddress: 'a', height: 300n },
    )
    expect(Buffer.from(preimage).toString('hex')).toBe('aa2e732e612e' + '2301000000000000') // start 291
  })
})
