import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compactClosestProof,
  decodeClosestProof,
  decompactClosestProof,
  encodeClosestProof,
  isSmstError,
  MemoryNodeStore,
  type NodeStore,
  Smst,
  smstErrorCodes,
  verifyClosestProof,
} from '../src/index.js'
import { sha256 } from '../src/sha256.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const key = (i: number) => nobleSha256(Uint8Array.of(i & 255, i >> 8, 3))

function errorCode(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    return isSmstError(error) ? error.code : 'not an SmstError'
  }
  return undefined
}

describe('SHA-256 hot path', () => {
  it('equals @noble/hashes on random inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (data) => {
        expect(hex(sha256(data))).toBe(hex(nobleSha256(data)))
      }),
      { numRuns: 1000 },
    )
  })

  it('equals @noble/hashes at every length across the padding boundaries, and on views', () => {
    // Leaf records are views into shared slabs, and the final block is built word by word.
    const backing = Uint8Array.from({ length: 400 }, (_, i) => (i * 151 + 7) & 255)
    for (let len = 0; len <= 300; len++) {
      const view = backing.subarray(len % 13, (len % 13) + len)
      expect(hex(sha256(view))).toBe(hex(nobleSha256(view)))
    }
  })
})

describe('Smst', () => {
  it('starts empty', () => {
    const trie = new Smst()
    expect(hex(trie.root())).toBe('00'.repeat(48))
    expect([trie.sum(), trie.count()]).toEqual([0n, 0n])
    expect(trie.get(key(1))).toBeUndefined()
    expect(trie.delete(key(1))).toBe(false)
    const proof = trie.proveClosest(key(1))
    expect([proof.depth, proof.flippedBits, proof.closestValueHash]).toEqual([0, [0], undefined])
    expect(verifyClosestProof(proof, trie.root(), { strict: true })).toBe(true)
  })

  it('replaces a leaf on update and hands out copies', () => {
    const trie = new Smst()
    trie.update(key(1), Uint8Array.of(1, 2, 3), 5n)
    trie.update(key(1), Uint8Array.of(9), 7n)
    expect(trie.count()).toBe(1n)
    expect(trie.sum()).toBe(7n)
    const entry = trie.get(key(1))
    expect(entry).toEqual({ value: Uint8Array.of(9), weight: 7n })
    ;(entry?.value as Uint8Array)[0] = 0
    const root = trie.root()
    root[0] = (root[0] as number) ^ 1
    expect(trie.get(key(1))?.value).toEqual(Uint8Array.of(9))
    expect(hex(trie.root())).not.toBe(hex(root))
  })

  it('rejects bad input with INVALID_ARGUMENT', () => {
    const trie = new Smst()
    const bad = [
      () => trie.update('k' as unknown as Uint8Array, new Uint8Array(1), 1n),
      () => trie.update(key(1), new Uint8Array(1), -1n),
      () => trie.update(key(1), new Uint8Array(1), 1n << 64n),
      () => trie.update(key(1), new Uint8Array(1), 1 as unknown as bigint),
      () => trie.proveClosest(new Uint8Array(31)),
      () => new Smst({ root: new Uint8Array(47) }),
      () => new Smst({ root: new Uint8Array(48).fill(1) }),
    ]
    for (const run of bad) expect(errorCode(run)).toBe(smstErrorCodes.INVALID_ARGUMENT)
  })

  it('commits to a node store, reopens lazily and leaves no orphans behind', () => {
    const store = new MemoryNodeStore()
    const trie = new Smst({ store })
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 300; i++)
        trie.update(key(i + 100 * round), Uint8Array.of(i, round), BigInt(i))
      for (let i = round; i < 400; i += 9) trie.delete(key(i))
      trie.commit()
    }
    const root = trie.root()
    const reopened = new Smst({ store, root })
    expect(hex(reopened.root())).toBe(hex(root))
    expect(reopened.loadedNodes).toBe(0)
    for (let i = 0; i < 30; i++) {
      const proof = reopened.proveClosest(nobleSha256(Uint8Array.of(i)))
      expect(verifyClosestProof(proof, root, { strict: true })).toBe(true)
    }
    // A store built from scratch for the same leaves has exactly as many nodes.
    const fresh = new MemoryNodeStore()
    const rebuilt = new Smst({ store: fresh })
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 300; i++)
        rebuilt.update(key(i + 100 * round), Uint8Array.of(i, round), BigInt(i))
      for (let i = round; i < 400; i += 9) rebuilt.delete(key(i))
    }
    rebuilt.commit()
    expect(hex(rebuilt.root())).toBe(hex(root))
    expect(store.size).toBe(fresh.size)
    // Keep working on the reopened trie, evicting in between.
    reopened.update(key(5000), Uint8Array.of(1), 1n)
    rebuilt.update(key(5000), Uint8Array.of(1), 1n)
    reopened.commit()
    reopened.evict()
    expect(reopened.loadedNodes).toBe(0)
    expect(reopened.delete(key(1))).toBe(rebuilt.delete(key(1)))
    expect(hex(reopened.root())).toBe(hex(rebuilt.root()))
    expect(reopened.get(key(299))).toEqual(rebuilt.get(key(299)))
  })

  it('reports store failures as STORE_FAILED', () => {
    const store = new MemoryNodeStore()
    const trie = new Smst({ store })
    for (let i = 0; i < 10; i++) trie.update(key(i), Uint8Array.of(i), 1n)
    trie.commit()
    const failing: NodeStore = {
      get: () => {
        throw new Error('disk on fire')
      },
      write: () => {},
    }
    expect(errorCode(() => new Smst({ store: failing, root: trie.root() }).get(key(1)))).toBe(
      'STORE_FAILED',
    )
    const empty = new MemoryNodeStore()
    expect(
      errorCode(() => new Smst({ store: empty, root: trie.root() }).proveClosest(key(1))),
    ).toBe('STORE_FAILED')
    const corrupt: NodeStore = { get: () => Uint8Array.of(7, 7, 7), write: () => {} }
    expect(errorCode(() => new Smst({ store: corrupt, root: trie.root() }).root())).toBeUndefined()
    expect(errorCode(() => new Smst({ store: corrupt, root: trie.root() }).get(key(1)))).toBe(
      'STORE_FAILED',
    )
  })

  it('never aliases or mutates Node Buffers it is given', () => {
    const trie = new Smst()
    for (let i = 0; i < 50; i++) trie.update(Buffer.from(key(i)), Buffer.from([i]), 1n)
    // A path whose walk flips bits (of its working copy).
    let seed = 0
    while (trie.proveClosest(nobleSha256(Uint8Array.of(seed))).flippedBits.length === 0) seed++
    const path = Buffer.from(nobleSha256(Uint8Array.of(seed)))
    const before = hex(path)
    const proof = trie.proveClosest(path)
    expect(proof.flippedBits.length).toBeGreaterThan(0)
    expect(hex(path)).toBe(before)
    const gob = Buffer.from(encodeClosestProof(compactClosestProof(proof)))
    const decoded = decodeClosestProof(gob)
    expect(Buffer.isBuffer(decoded.path)).toBe(false)
    gob.fill(0)
    const again = decompactClosestProof(decoded)
    const withBuffers = { ...again, path: Buffer.from(again.path) }
    expect(verifyClosestProof(withBuffers, trie.root(), { strict: true })).toBe(true)
    expect(hex(withBuffers.path)).toBe(before)
  })

  it('formats errors with their details', () => {
    try {
      new Smst().proveClosest(new Uint8Array(3))
    } catch (error) {
      expect(isSmstError(error)).toBe(true)
      if (!isSmstError(error)) return
      expect(error.name).toBe('SmstError')
      expect(error.shortMessage).toBe('A closest-proof path must be 32 bytes.')
      expect(error.message).toContain('got 3 bytes')
    }
    expect(isSmstError(new Error('x'))).toBe(false)
  })
})
