// Writes what @decai/relay-mining computes, for the Go reference to check:
// `tsx produce.ts <outDir>` writes smst_roots.json, smst_proofs.json, smst_fuzz.json and
// smst_mining.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  type CompactClosestProof,
  compactClosestProof,
  decodeClosestProof,
  decompactClosestProof,
  encodeClosestProof,
  getBaseRelayDifficultyTarget,
  getClaimedUpokt,
  getProofPath,
  getRelayDifficultyMultiplier,
  getRelayHash,
  isRelayMinable,
  Smst,
  verifyClosestProof,
} from '../../src/index.js'
import { applyOps, buildSeeded, type SeededTrie, type SmstOp, toHex } from '../vectors.js'

const outDir = process.argv[2]
if (!outDir) throw new Error('usage: produce.ts <outDir>')

// A small seeded generator (mulberry32): the same run produces the same cases.
let state = 0x51e57
function random(): number {
  state = (state + 0x6d2b79f5) | 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = (n: number) => Math.floor(random() * n)
const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256))
const u64 = () => (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32))

// A trie described by its operations carries the root after each one, so every byte of every
// operation is checked (a value later replaced would otherwise not matter).
type TrieRef = { ops: SmstOp[]; stepRoots: string[] } | { seeded: SeededTrie }

function withRoots(ops: SmstOp[]): TrieRef {
  const trie = new Smst()
  const stepRoots = ops.map((op) => {
    applyOps(trie, [op])
    return toHex(trie.root())
  })
  return { ops, stepRoots }
}

function build(ref: TrieRef): Smst {
  const trie = new Smst()
  if ('ops' in ref) applyOps(trie, ref.ops)
  else buildSeeded(trie, ref.seeded)
  return trie
}

/** Random operations: inserts, replacements and deletes. */
function randomOps(n: number, deletes: boolean): SmstOp[] {
  const ops: SmstOp[] = []
  const live: string[] = []
  for (let i = 0; i < n; i++) {
    const r = int(10)
    if (r < 6 || live.length === 0) {
      const key = toHex(bytes(1 + int(40)))
      live.push(key)
      ops.push(update(key))
    } else if (r < 8 || !deletes) {
      ops.push(update(live[int(live.length)] as string))
    } else {
      // Deletes of missing keys are left to the Go vectors: their key bytes change nothing
      // here, so a corrupted one could not be caught.
      const [key] = live.splice(int(live.length), 1)
      ops.push({ op: 'delete', key: key as string, found: true })
    }
  }
  return ops
}

/** `n` distinct keys, then `replace` replacements and `remove` deletes among them. */
function distinctOps(n: number, replace: number, remove: number): SmstOp[] {
  const keys = Array.from({ length: n }, () => toHex(bytes(32)))
  return [
    ...keys.map(update),
    ...keys.slice(0, replace).map(update),
    ...keys.slice(n - remove).map((key): SmstOp => ({ op: 'delete', key, found: true })),
  ]
}

function update(key: string): SmstOp {
  const weight = int(4) === 0 ? u64() : BigInt(int(1000))
  return { op: 'update', key, value: toHex(bytes(int(120))), weight: String(weight) }
}

function write(kind: string, cases: unknown[]): void {
  writeFileSync(join(outDir as string, `${kind}.json`), JSON.stringify({ kind, cases }))
}

mkdirSync(outDir, { recursive: true })

// --- Roots: 0, 1, 2, 10 and 10,000 leaves, with replacements and deletes ----------------------

const ten = distinctOps(10, 3, 0)
const tenDeleted: SmstOp[] = [
  ...ten.slice(0, 10),
  ...ten.slice(0, 10).map((op): SmstOp => ({ op: 'delete', key: op.key, found: true })),
]
const rootRefs: [string, TrieRef][] = [
  ['empty', withRoots([])],
  ['one', withRoots(randomOps(1, false))],
  ['two', withRoots(randomOps(2, false))],
  ['ten', withRoots(ten)],
  ['ten-with-deletes', withRoots(distinctOps(10, 3, 4))],
  ['ten-deleted', withRoots(tenDeleted)],
  ['random-14', withRoots(randomOps(14, true))],
  ...Array.from({ length: 5 }, (_, i): [string, TrieRef] => [
    `random-300-${i}`,
    withRoots(randomOps(300, true)),
  ]),
  ['seeded-10000', { seeded: { seed: toHex(bytes(16)), n: 10000, phases: 3 } }],
  ['seeded-1000-inserts', { seeded: { seed: toHex(bytes(16)), n: 1000, phases: 1 } }],
]
const refs = new Map(rootRefs)

write(
  'smst_roots',
  rootRefs.map(([name, ref]) => {
    const trie = build(ref)
    return {
      name,
      ...ref,
      root: toHex(trie.root()),
      sum: String(trie.sum()),
      count: String(trie.count()),
    }
  }),
)

// --- Closest proofs in gob --------------------------------------------------------------------

const proofRefs: [string, TrieRef][] = [
  ['one', refs.get('one') as TrieRef],
  ['ten-with-deletes', refs.get('ten-with-deletes') as TrieRef],
  ['fifty-no-deletes', withRoots(randomOps(50, false))],
  ['random-300', refs.get('random-300-0') as TrieRef],
  ['seeded-10000-replaced', { seeded: { seed: toHex(bytes(16)), n: 10000, phases: 2 } }],
  ['seeded-10000-deleted', { seeded: { seed: toHex(bytes(16)), n: 10000, phases: 3 } }],
]
write(
  'smst_proofs',
  proofRefs.map(([name, ref]) => {
    const trie = build(ref)
    const proofs = Array.from({ length: 16 }, () => {
      const path = bytes(32)
      const gob = encodeClosestProof(compactClosestProof(trie.proveClosest(path)))
      return { path: toHex(path), gob: toHex(gob) }
    })
    return { name, trie: ref, root: toHex(trie.root()), proofs }
  }),
)

// --- Fuzz: mutated and random gob proofs, with TypeScript's verdicts --------------------------

const fuzzRef: TrieRef = { seeded: { seed: toHex(bytes(16)), n: 300, phases: 2 } }
const fuzzTrie = build(fuzzRef)
const fuzzRoot = fuzzTrie.root()
const fuzzCases: unknown[] = []

function judge(name: string, gob: Uint8Array): void {
  let decoded = false
  let valid = false
  let closest = false
  try {
    const proof = decompactClosestProof(decodeClosestProof(gob))
    decoded = true
    valid = verifyClosestProof(proof, fuzzRoot)
    closest = verifyClosestProof(proof, fuzzRoot, { strict: true })
  } catch {}
  const flags = Uint8Array.of(Number(decoded), Number(valid), Number(closest))
  const digest = sha256(Uint8Array.of(...gob, ...fuzzRoot, ...flags))
  fuzzCases.push({
    name,
    trie: fuzzRef,
    root: toHex(fuzzRoot),
    gob: toHex(gob),
    decoded,
    valid,
    closest,
    digest: toHex(digest),
  })
}

const clone = (p: CompactClosestProof): CompactClosestProof =>
  decodeClosestProof(encodeClosestProof(p))
const smallInt = () => (int(3) === 0 ? bytes(int(4)) : Uint8Array.of(int(260) & 0xff))

/** One random change to the structure of a compact proof. */
function mutate(p: CompactClosestProof): CompactClosestProof {
  const c = clone(p)
  const inner = c.closestProof
  const pick = <T>(xs: T[]): T | undefined => xs[int(xs.length)]
  switch (int(16)) {
    case 0:
      c.depth = smallInt()
      break
    case 1:
      c.depth = Uint8Array.of(0)
      c.flippedBits = []
      break
    case 2:
      c.flippedBits = [...c.flippedBits, smallInt()]
      break
    case 3:
      c.flippedBits = c.flippedBits.slice(1)
      break
    case 4:
      c.path = bytes(int(5) === 0 ? 31 : 32)
      break
    case 5:
      c.closestPath = Uint8Array.of(...c.closestPath, ...bytes(int(3)))
      break
    case 6: {
      const v = c.closestValueHash ?? new Uint8Array(0)
      c.closestValueHash =
        int(3) === 0 ? bytes(int(20)) : v.map((b, i) => (i === int(v.length) ? b ^ 1 : b))
      break
    }
    case 7:
      if (inner) inner.nonMembershipLeafData = bytes(int(60))
      break
    case 8:
      if (inner) inner.siblingData = int(2) === 0 ? undefined : bytes(int(120))
      break
    case 9:
      if (inner) inner.numSideNodes = int(3) === 0 ? int(300) : inner.numSideNodes + int(3) - 1
      break
    case 10:
      if (inner) inner.bitMask = inner.bitMask.map((b) => (int(4) === 0 ? b ^ (1 << int(8)) : b))
      break
    case 11:
      if (inner && inner.sideNodes.length > 0) {
        const i = int(inner.sideNodes.length)
        const node = inner.sideNodes[i] as Uint8Array
        inner.sideNodes[i] =
          int(2) === 0
            ? node.map((b, j) => (j === int(48) ? b ^ 0x10 : b))
            : node.slice(0, 40 + int(16))
      }
      break
    case 12:
      if (inner) inner.sideNodes = inner.sideNodes.slice(0, -1)
      break
    case 13:
      c.closestProof = undefined
      break
    case 14: {
      // A proof for another path, relabelled: the depth-zero and "closest" questions.
      const other = compactClosestProof(fuzzTrie.proveClosest(bytes(32)))
      other.path = c.path
      if (int(2) === 0) other.depth = Uint8Array.of(0)
      if (int(2) === 0) other.flippedBits = []
      return other
    }
    default: {
      const b = pick(c.flippedBits)
      if (b) c.flippedBits.push(b)
    }
  }
  return c
}

for (let i = 0; i < 30; i++) {
  const base = compactClosestProof(fuzzTrie.proveClosest(bytes(32)))
  const gob = encodeClosestProof(base)
  judge(`base/${i}`, gob)
  for (let j = 0; j < 40; j++) {
    const g = gob.slice()
    const pos = int(g.length)
    switch (int(6)) {
      case 0:
        g[pos] = (g[pos] as number) ^ (1 << int(8))
        judge(`flip/${i}/${j}`, g)
        break
      case 1:
        g[pos] = int(256)
        judge(`byte/${i}/${j}`, g)
        break
      case 2:
        judge(`truncate/${i}/${j}`, gob.slice(0, pos))
        break
      case 3:
        judge(`insert/${i}/${j}`, Uint8Array.of(...gob.slice(0, pos), int(256), ...gob.slice(pos)))
        break
      case 4:
        judge(`delete/${i}/${j}`, Uint8Array.of(...gob.slice(0, pos), ...gob.slice(pos + 1)))
        break
      default:
        judge(`append/${i}/${j}`, Uint8Array.of(...gob, ...bytes(1 + int(3))))
    }
  }
  for (let j = 0; j < 40; j++) judge(`struct/${i}/${j}`, encodeClosestProof(mutate(base)))
}
for (let i = 0; i < 100; i++) judge(`random/${i}`, bytes(int(400)))
write('smst_fuzz', fuzzCases)

// --- Relay-mining math ------------------------------------------------------------------------

const miningCases: unknown[] = []
const randomTarget = () => {
  const t = bytes(32)
  t[0] = (t[0] as number) >> int(9)
  return int(5) === 0 ? getBaseRelayDifficultyTarget() : t
}
const multiplier = (target: Uint8Array) => {
  try {
    const m = getRelayDifficultyMultiplier(target)
    return { multiplierNum: String(m.numerator), multiplierDen: String(m.denominator) }
  } catch {
    return {}
  }
}
for (let i = 0; i < 40; i++) {
  const relay = bytes(int(500))
  const hash = getRelayHash(relay)
  const target = int(8) === 0 ? hash : randomTarget()
  miningCases.push({
    type: 'relay',
    relay: toHex(relay),
    hash: toHex(hash),
    minable: isRelayMinable(hash, target),
    target: toHex(target),
    ...multiplier(target),
  })
}
for (let i = 0; i < 20; i++) {
  const blockHash = bytes(32)
  const sessionId = toHex(bytes(32))
  miningCases.push({
    type: 'path',
    blockHash: toHex(blockHash),
    sessionId,
    path: toHex(getProofPath(blockHash, sessionId)),
  })
}
// Only claims with a substantial amount: every parameter then shows in the result. The error
// cases (zero target or granularity, int64 wrap, 256-bit overflow) are in the Go vectors.
for (let claims = 0; claims < 40; ) {
  const target = randomTarget()
  const computeUnits = 1n + (int(2) === 0 ? u64() >> BigInt(int(64)) : BigInt(int(100000)))
  const multiplierParam = 1n + (int(8) === 0 ? u64() : BigInt(int(1e9)))
  const granularity = BigInt(1 + int(1e7))
  let upokt: bigint
  try {
    upokt = getClaimedUpokt({
      computeUnits,
      target,
      computeUnitsToTokensMultiplier: multiplierParam,
      computeUnitCostGranularity: granularity,
    })
  } catch {
    continue
  }
  if (upokt < 1000000n) continue
  claims++
  miningCases.push({
    type: 'claim',
    computeUnits: String(computeUnits),
    target: toHex(target),
    computeUnitsToTokensMultiplier: String(multiplierParam),
    computeUnitCostGranularity: String(granularity),
    upokt: String(upokt),
    ...multiplier(target),
  })
}
write('smst_mining', miningCases)
