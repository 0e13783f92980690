import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { afterAll, describe, expect, it } from 'vitest'
import {
  type ClosestProof,
  compactClosestProof,
  encodeClosestProof,
  isSmstError,
  Smst,
  verifyClosestProof,
} from '../src/index.js'
import { openSmstDatabase } from '../src/sqlite/index.js'
import { loadSqlite } from '../src/sqlite/smst-database.js'

const dir = mkdtempSync(join(tmpdir(), 'smst-sqlite-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const newPath = () => join(dir, `t${files++}.sqlite`)

const key = (i: number) => sha256(Uint8Array.of(i & 255, (i >> 8) & 255, (i >> 16) & 255))
// Never empty: a leaf with an empty value and weight 0 cannot be proven (see the README).
const value = (i: number) => sha256(key(i)).slice(0, 1 + (i % 32))
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

function fill(
  trie: { update(k: Uint8Array, v: Uint8Array, w: bigint): void },
  from: number,
  to: number,
) {
  for (let i = from; i < to; i++) trie.update(key(i), value(i), BigInt(i % 11))
}

describe('durable SQLite tries', { timeout: 30_000 }, () => {
  it('matches the in-memory trie through checkpoints, evictions, deletes and reopening', () => {
    const path = newPath()
    const memory = new Smst()
    let db = openSmstDatabase(path, { checkpointInterval: 97, maxLoadedNodes: 300 })
    let trie = db.openTrie('s1')
    fill(trie, 0, 1500)
    fill(memory, 0, 1500)
    for (let i = 0; i < 1500; i += 7) {
      expect(trie.delete(key(i))).toBe(true)
      memory.delete(key(i))
    }
    expect(trie.delete(key(0))).toBe(false)
    fill(trie, 1400, 1600) // replacements and new leaves
    fill(memory, 1400, 1600)
    expect(hex(trie.root())).toBe(hex(memory.root()))
    expect(trie.count()).toBe(memory.count())
    expect(trie.sum()).toBe(memory.sum())
    expect(trie.get(key(3))).toEqual(memory.get(key(3)))
    expect(trie.get(key(7))).toBeUndefined()
    // Reopen without a clean close: the log since the last checkpoint is replayed.
    db = openSmstDatabase(path, { checkpointInterval: 97, maxLoadedNodes: 300 })
    trie = db.openTrie('s1')
    expect(hex(trie.root())).toBe(hex(memory.root()))
    const root = trie.root()
    for (let i = 0; i < 20; i++) {
      const p = sha256(Uint8Array.of(i, 1))
      const fromDisk = trie.proveClosest(p)
      expect(verifyClosestProof(fromDisk, root, { strict: true })).toBe(true)
      // SiblingData may describe the same sibling with another extension path (its bits
      // outside the extension are history, not content); everything else is identical.
      const gob = (proof: ClosestProof) =>
        hex(
          encodeClosestProof(
            compactClosestProof({
              ...proof,
              closestProof: { ...proof.closestProof, siblingData: undefined },
            }),
          ),
        )
      expect(gob(fromDisk)).toBe(gob(memory.proveClosest(p)))
    }
    db.close()
    db = openSmstDatabase(path)
    expect(hex(db.openTrie('s1').root())).toBe(hex(memory.root()))
    db.close()
  })

  it('keeps several tries apart and deletes them', () => {
    const db = openSmstDatabase(newPath())
    const a = db.openTrie('a')
    const b = db.openTrie('b')
    expect(db.openTrie('a')).toBe(a)
    fill(a, 0, 50)
    fill(b, 0, 50) // identical leaves, identical node digests, separate rows
    b.update(key(1), value(2), 5n)
    a.checkpoint()
    b.checkpoint()
    expect(db.listTries()).toEqual(['a', 'b'])
    expect(() => db.deleteTrie('a')).toThrow()
    a.close()
    db.deleteTrie('a')
    expect(db.listTries()).toEqual(['b'])
    const memory = new Smst()
    fill(memory, 0, 50)
    memory.update(key(1), value(2), 5n)
    expect(hex(b.root())).toBe(hex(memory.root()))
    expect(hex(db.openTrie('a').root())).toBe(hex(new Smst().root()))
    db.close()
    expect(() => b.root()).toThrow()
  })

  it('commits a batch atomically and rejects bad input before logging it', () => {
    const path = newPath()
    const db = openSmstDatabase(path, { synchronous: 'full' })
    const trie = db.openTrie('s')
    trie.updateMany([
      { key: key(1), value: value(1), weight: 1n },
      { key: key(2), value: value(2), weight: 2n },
    ])
    let error: unknown
    try {
      trie.updateMany([
        { key: key(3), value: value(3), weight: 3n },
        { key: key(4), value: value(4), weight: -1n },
      ])
    } catch (e) {
      error = e
    }
    expect(isSmstError(error) && error.code).toBe('INVALID_ARGUMENT')
    expect(trie.count()).toBe(2n)
    db.close()
    const again = openSmstDatabase(path)
    expect(again.openTrie('s').count()).toBe(2n)
    again.close()
  })

  it('drops a torn log record at reopen and keeps appending after it', () => {
    const path = newPath()
    let db = openSmstDatabase(path)
    const trie = db.openTrie('s')
    fill(trie, 0, 20)
    const expected = hex(trie.root())
    // A record the writer did not finish: a length, then the process died.
    const [log] = readdirSync(`${path}.logs`)
    const file = join(`${path}.logs`, log as string)
    const size = statSync(file).size
    appendFileSync(file, Uint8Array.of(0, 0, 1, 0, 0, 0, 0, 3, 1, 2))
    db = openSmstDatabase(path)
    const again = db.openTrie('s')
    expect(hex(again.root())).toBe(expected)
    expect(statSync(file).size).toBe(size)
    fill(again, 20, 30)
    db = openSmstDatabase(path)
    const memory = new Smst()
    fill(memory, 0, 30)
    expect(hex(db.openTrie('s').root())).toBe(hex(memory.root()))
    db.close()
  })

  it('rotates logs at checkpoints and removes them with the trie', () => {
    const path = newPath()
    const db = openSmstDatabase(path, { checkpointInterval: 10 })
    const trie = db.openTrie('s')
    fill(trie, 0, 35)
    expect(readdirSync(`${path}.logs`)).toHaveLength(1)
    trie.close()
    db.deleteTrie('s')
    expect(readdirSync(`${path}.logs`)).toHaveLength(0)
    expect(() => openSmstDatabase(':memory:')).toThrow()
    db.close()
  })
})

// better-sqlite3 is an optional peer: importing the subpath never needs it, opening a database
// without it fails with a typed error that says what to install. (pnpm test:publish opens one
// from a registry install of @decai/sdk, which has no better-sqlite3, as ESM and CommonJS.)
describe('the optional peer better-sqlite3', () => {
  it('refuses, typed, when the peer is not installed', () => {
    // A real module resolution from this package, of a package that is not installed.
    const require = createRequire(import.meta.url)
    let error: unknown
    try {
      loadSqlite(require, 'better-sqlite3-not-installed')
    } catch (e) {
      error = e
    }
    expect(isSmstError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'SQLITE_UNAVAILABLE' })
    expect((error as Error).message).toContain('npm install better-sqlite3-not-installed')
  })

  it('says so when the peer is there but fails to load', () => {
    const broken = () => {
      throw new Error('The module was compiled against a different Node.js version')
    }
    expect(() => loadSqlite(broken, 'better-sqlite3-broken')).toThrow(
      expect.objectContaining({
        code: 'SQLITE_UNAVAILABLE',
        shortMessage: expect.stringContaining('native build'),
      }),
    )
  })

  it('loads the installed peer once', () => {
    expect(loadSqlite()).toBe(loadSqlite())
  })
})
