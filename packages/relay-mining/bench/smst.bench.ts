// Sparse Merkle sum trie throughput, TypeScript next to Go (smt v0.14.1, simplemap) in the same
// run, plus the durable SQLite backend. Run with `pnpm bench` in this package.
//
// Workload: 100,000 leaves, 32-byte keys (relay hashes), 256-byte values (relays), weight 10;
// the same as tools/conformance/smst_bench.go.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  compactClosestProof,
  decodeClosestProof,
  decompactClosestProof,
  encodeClosestProof,
  Smst,
  verifyClosestProof,
} from '../src/index.js'
import { type DurableSmst, openSmstDatabase } from '../src/sqlite/index.js'

const LEAVES = 100_000
const VALUE_SIZE = 256

type Result = { name: string; opsPerSec: number }

const keys: Uint8Array[] = []
const values: Uint8Array[] = []
for (let i = 0; i < LEAVES; i++) {
  const k = sha256(Uint8Array.of(i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255))
  keys.push(k)
  values.push(Uint8Array.from({ length: VALUE_SIZE }, (_, j) => (k[j % 32] as number) ^ (j & 255)))
}
const paths = Array.from({ length: 4096 }, (_, i) =>
  sha256(Uint8Array.of(...new TextEncoder().encode('path'), i & 255, i >> 8)),
)

function fill(trie: { update(k: Uint8Array, v: Uint8Array, w: bigint): void }): void {
  for (let i = 0; i < LEAVES; i++) trie.update(keys[i] as Uint8Array, values[i] as Uint8Array, 10n)
}

/** Best of `runs` timings of a whole workload of `ops` operations. */
function best(name: string, ops: number, runs: number, work: () => void): Result {
  let fastest = Number.POSITIVE_INFINITY
  for (let r = 0; r < runs; r++) {
    const start = performance.now()
    work()
    fastest = Math.min(fastest, performance.now() - start)
  }
  return { name, opsPerSec: (ops / fastest) * 1000 }
}

/** Repeats `op` for about half a second after a warm-up; the best of three such windows. */
function rate(name: string, op: (i: number) => void): Result {
  for (let i = 0; i < 200; i++) op(i)
  let bestRate = 0
  let n = 0
  for (let w = 0; w < 3; w++) {
    const start = performance.now()
    let done = 0
    while (performance.now() - start < 500) for (let j = 0; j < 64; j++, done++) op(n++)
    bestRate = Math.max(bestRate, (done / (performance.now() - start)) * 1000)
  }
  return { name, opsPerSec: bestRate }
}

function proofRates(prefix: string, trie: Smst | DurableSmst): Result[] {
  const root = trie.root()
  const gobs = paths.map((p) => encodeClosestProof(compactClosestProof(trie.proveClosest(p))))
  return [
    rate(`${prefix}/prove-closest-gob`, (i) => {
      encodeClosestProof(
        compactClosestProof(trie.proveClosest(paths[i % paths.length] as Uint8Array)),
      )
    }),
    rate(`${prefix}/verify-gob`, (i) => {
      const proof = decompactClosestProof(decodeClosestProof(gobs[i % gobs.length] as Uint8Array))
      if (!verifyClosestProof(proof, root)) throw new Error('proof does not verify')
    }),
  ]
}

// --- Go ---------------------------------------------------------------------------------------

function goResults(): Map<string, number> {
  const dir = join(import.meta.dirname, '../../../tools/conformance')
  const bin = join(dir, 'out/conformance')
  try {
    execFileSync('go', ['build', '-o', 'out/conformance', '.'], {
      cwd: dir,
      env: { ...process.env, CGO_ENABLED: '0' },
      stdio: 'ignore',
    })
  } catch {
    if (!existsSync(bin)) return new Map()
  }
  const out = execFileSync(bin, ['bench', '-only', 'smst'], { encoding: 'utf8' })
  const results = JSON.parse(out) as { name: string; opsPerSec: number }[]
  return new Map(results.map((r) => [r.name.replace(/^smst\//, ''), r.opsPerSec]))
}

// --- Run ---------------------------------------------------------------------------------------

// The machine may be shared: every figure is the best of several runs, and the in-memory
// TypeScript and Go runs alternate, three rounds, each side keeping its best.
const go = new Map<string, number>()
const memoryBest = new Map<string, number>()
for (let round = 0; round < 3; round++) {
  for (const [name, v] of goResults()) go.set(name, Math.max(v, go.get(name) ?? 0))
  for (const r of [
    best('update', LEAVES, 2, () => fill(new Smst())),
    best('update+root', LEAVES, 2, () => {
      const trie = new Smst()
      fill(trie)
      trie.root()
    }),
  ])
    memoryBest.set(r.name, Math.max(r.opsPerSec, memoryBest.get(r.name) ?? 0))
}
const memory: Result[] = [...memoryBest].map(([name, opsPerSec]) => ({ name, opsPerSec }))
const memoryTrie = new Smst()
fill(memoryTrie)
memory.push(...proofRates('memory', memoryTrie).map((r) => ({ ...r, name: r.name.slice(7) })))

const dir = mkdtempSync(join(tmpdir(), 'smst-bench-'))
const durable: Result[] = []
let runs = 0
try {
  durable.push(
    best('durable update (one call per relay) + root', LEAVES, 2, () => {
      const db = openSmstDatabase(join(dir, `single-${runs++}.sqlite`))
      const trie = db.openTrie('s')
      fill(trie)
      trie.root()
      db.close()
    }),
  )
  durable.push(
    best('durable updateMany (100 per call) + root', LEAVES, 2, () => {
      const db = openSmstDatabase(join(dir, `batched-${runs++}.sqlite`))
      const trie = db.openTrie('s')
      for (let i = 0; i < LEAVES; i += 100) {
        const batch = []
        for (let j = i; j < i + 100; j++)
          batch.push({ key: keys[j] as Uint8Array, value: values[j] as Uint8Array, weight: 10n })
        trie.updateMany(batch)
      }
      trie.root()
      db.close()
    }),
  )
  // Reopened: nodes come from SQLite on demand.
  const reopened = openSmstDatabase(join(dir, 'single-0.sqlite'), { maxLoadedNodes: 1 })
  durable.push(...proofRates('durable (reopened)', reopened.openTrie('s')))
  reopened.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}

const fmt = (n: number | undefined) =>
  n === undefined ? '—' : Math.round(n).toLocaleString('en-US').padStart(10)
console.log(
  `\nSMST, ${LEAVES.toLocaleString('en-US')} leaves, ${VALUE_SIZE}-byte values (ops/s, higher is better)\n`,
)
console.log(`${'operation'.padEnd(48)}${'TypeScript'.padStart(12)}${'Go smt'.padStart(12)}  TS/Go`)
for (const r of memory) {
  const g = go.get(r.name)
  const ratio = g === undefined ? '' : (r.opsPerSec / g).toFixed(2)
  console.log(`${`in memory: ${r.name}`.padEnd(48)}${fmt(r.opsPerSec)}  ${fmt(g)}  ${ratio}`)
}
for (const r of durable) console.log(`${r.name.padEnd(48)}${fmt(r.opsPerSec)}`)
if (process.argv.includes('--json'))
  console.log(
    JSON.stringify({
      memory: memory.map((r) => ({ ...r, goOpsPerSec: go.get(r.name) ?? null })),
      durable,
    }),
  )
console.log(
  '\nGo: smt with simplemap (in memory, nothing persisted). "update" defers hashing to the root;\n"update+root" includes it. Proofs: ProveClosest + compaction + gob; verify: gob decode +\ndecompaction + VerifyClosestProof. Durable: SQLite nodes + append-only log, synchronous\n"normal"; the 100,000th change triggers the checkpoint, included in the timing.',
)
