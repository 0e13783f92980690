// SHA-256 of the small inputs a relay hashes most (trie node preimages, 32-byte digests, relay
// hashes of short relays): node:crypto, @noble/hashes, hash-wasm (WASM) and this package's own
// allocation-free `sha256Into`, side by side.
//
//   pnpm --filter @decai/relay-mining bench:sha256 [-- --json]
//
// Each implementation hashes the same 4,096 distinct inputs of each size in turn; rounds of about
// 150 ms alternate between implementations and the fastest round of each is kept (the machine may
// be shared). node:crypto is measured for reference only: the pure packages run in browsers, where
// it does not exist, and hash-wasm only hashes once its module is compiled (asynchronously).
import { createHash, hash as nodeHash } from 'node:crypto'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { createSHA256 } from 'hash-wasm'
import { sha256, sha256Into } from '../src/sha256.js'

const SIZES = [32, 64, 73, 256]
const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 7)
const ROUND_MS = 150

const wasm = await createSHA256()
const out = new Uint8Array(32)

type Impl = { name: string; hash: (data: Uint8Array) => unknown }
const impls: Impl[] = [
  { name: 'node:crypto createHash', hash: (d) => createHash('sha256').update(d).digest() },
  // One-shot `crypto.hash` (Node 20.12+): no hasher object on the JS side.
  { name: 'node:crypto hash', hash: (d) => nodeHash('sha256', d, 'buffer') },
  { name: '@noble/hashes', hash: (d) => nobleSha256(d) },
  {
    name: 'hash-wasm (reused hasher)',
    hash: (d) => {
      wasm.init()
      wasm.update(d)
      return wasm.digest('binary')
    },
  },
  { name: 'relay-mining sha256', hash: (d) => sha256(d) },
  { name: 'relay-mining sha256Into', hash: (d) => sha256Into(d, d.length, out, 0) },
]

const inputs = new Map(
  SIZES.map((size) => [
    size,
    Array.from({ length: 4096 }, (_, i) => {
      const d = new Uint8Array(size)
      for (let j = 0; j < size; j++) d[j] = (i * 31 + j * 7) & 0xff
      return d
    }),
  ]),
)

// Every implementation must agree before anything is timed.
for (const data of inputs.values()) {
  const expected = Buffer.from(nobleSha256(data[0]!)).toString('hex')
  for (const impl of impls) {
    const got = impl.hash(data[0]!)
    const bytes = got === undefined ? out : (got as Uint8Array)
    if (Buffer.from(bytes).toString('hex') !== expected) throw new Error(`${impl.name} disagrees`)
  }
}

// `--only=<implementation> --size=<bytes> --ops=<n>`: hashes n inputs and exits, untimed, for an
// instruction count under `valgrind --tool=cachegrind` (run once with --ops=0 for the baseline).
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7)
if (only !== undefined) {
  const arg = (name: string) =>
    Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3))
  const impl = impls.find((i) => i.name === only)
  const data = inputs.get(arg('size'))
  if (!impl || !data) throw new Error(`unknown implementation or size: ${only}`)
  for (let n = 0, ops = arg('ops'); n < ops; n++) impl.hash(data[n & 4095]!)
  process.exit(0)
}

function timeRound(impl: Impl, data: Uint8Array[]): number {
  let n = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < ROUND_MS) {
    for (let i = 0; i < 256; i++) impl.hash(data[n++ & 4095]!)
    elapsed = performance.now() - start
  }
  return (elapsed * 1e6) / n
}

const best = new Map<string, number>()
for (const data of inputs.values()) for (const impl of impls) timeRound(impl, data) // warm-up
for (let round = 0; round < ROUNDS; round++)
  for (const [size, data] of inputs)
    for (const impl of impls) {
      const key = `${impl.name}|${size}`
      const ns = timeRound(impl, data)
      best.set(key, Math.min(ns, best.get(key) ?? Number.POSITIVE_INFINITY))
    }

const rows = impls.map((impl) => {
  const row: Record<string, string | number> = { implementation: impl.name }
  for (const size of SIZES) row[`${size} B ns/op`] = Math.round(best.get(`${impl.name}|${size}`)!)
  return row
})
console.log(
  `SHA-256, fastest of ${ROUNDS} alternating rounds of ~${ROUND_MS} ms, Node ${process.version}`,
)
console.table(rows)
if (process.argv.includes('--json')) console.log(JSON.stringify(rows))
