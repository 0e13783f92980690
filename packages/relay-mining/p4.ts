import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { openSmstDatabase } from './src/sqlite/index.ts'

const N = 50000
const keys = Array.from({ length: N }, (_, i) => sha256(Uint8Array.of(i >> 16, i >> 8, i)))
const val = new Uint8Array(256).fill(3)
const db = openSmstDatabase(join(mkdtempSync(join(tmpdir(), 'p4-')), 'x.sqlite'))
const t = db.openTrie('s')
const t0 = performance.now()
for (const k of keys) t.update(k, val, 10n)
t.root()
console.log('durable', ((N / (performance.now() - t0)) * 1000) | 0)
