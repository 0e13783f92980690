#!/usr/bin/env node
// Refreshes proto/ from the pinned upstream Go modules (fetched with `go mod download`, so the
// Go module proxy is the only source). Copies poktroll's `pocket/**` protos, the Cosmos messages
// the chain client and devnet speak, and the transitive closure of their imports. Well-known
// types (google/protobuf/*) are left to buf, which ships them.
//
//   node proto/sync.mjs          rewrite proto/ (except the files we own, see OWN below)
//   node proto/sync.mjs --check  exit 1 if proto/ differs from what the pins produce
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

// Pinned sources: the versions poktroll v0.1.35's go.mod requires.
const MODULES = {
  poktroll: { path: 'github.com/pokt-network/poktroll', version: 'v0.1.35', protoRoot: 'proto' },
  cosmosSdk: { path: 'github.com/cosmos/cosmos-sdk', version: 'v0.53.7', protoRoot: 'proto' },
  cosmosProto: { path: 'github.com/cosmos/cosmos-proto', version: 'v1.0.0-beta.5', protoRoot: 'proto' },
  gogoproto: { path: 'github.com/cosmos/gogoproto', version: 'v1.7.2', protoRoot: '.' },
  googleapis: {
    path: 'github.com/grpc-ecosystem/grpc-gateway',
    version: 'v1.16.0',
    protoRoot: 'third_party/googleapis',
  },
  // poktroll replaces cometbft with a fork the module proxy does not serve; the fork leaves the
  // tendermint protos untouched, so they come from the upstream release it is based on.
  cometbft: { path: 'github.com/cometbft/cometbft', version: 'v0.38.19', protoRoot: 'proto' },
}

// Cosmos messages beyond what pocket/** imports: what a client signs, and what the devnet decodes.
const EXTRA_ROOTS = [
  'cosmos/tx/v1beta1/tx.proto',
  'cosmos/bank/v1beta1/tx.proto',
  'cosmos/bank/v1beta1/query.proto',
  'cosmos/auth/v1beta1/auth.proto',
  'cosmos/auth/v1beta1/query.proto',
  'cosmos/crypto/secp256k1/keys.proto',
  'cosmos/base/abci/v1beta1/abci.proto',
]

// Files in proto/ that are ours, not copies (see proto/README.md).
const OWN = new Set(['README.md', 'sync.mjs', 'buf.yaml', 'sdk/types/http.proto'])

function moduleDir({ path, version }) {
  const out = execFileSync('go', ['mod', 'download', '-json', `${path}@${version}`], {
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  })
  const info = JSON.parse(out)
  if (info.Error) throw new Error(`go mod download ${path}@${version}: ${info.Error}`)
  return info.Dir
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  )
}

const roots = Object.fromEntries(
  Object.entries(MODULES).map(([name, m]) => [name, join(moduleDir(m), m.protoRoot)]),
)
// Import resolution order: where an import path is found first wins.
// tendermint/* comes from cometbft itself rather than cosmos-sdk's partial copy.
const searchOrder = ['poktroll', 'cometbft', 'cosmosSdk', 'cosmosProto', 'gogoproto', 'googleapis']

function resolve(importPath) {
  for (const name of searchOrder) {
    const file = join(roots[name], importPath)
    if (existsSync(file)) return { name, file }
  }
  throw new Error(`cannot resolve import ${importPath}`)
}

const pocket = walk(join(roots.poktroll, 'pocket'))
  .filter((f) => f.endsWith('.proto'))
  .map((f) => relative(roots.poktroll, f))
const queue = [...pocket, ...EXTRA_ROOTS]
const picked = new Map() // import path -> { name, file }
while (queue.length > 0) {
  const path = queue.pop()
  if (picked.has(path) || path.startsWith('google/protobuf/')) continue
  const found = resolve(path)
  picked.set(path, found)
  for (const [, dep] of readFileSync(found.file, 'utf8').matchAll(/^import\s+(?:public\s+)?"([^"]+)";/gm)) {
    queue.push(dep)
  }
}

const check = process.argv.includes('--check')
const drift = []
const wanted = new Set(OWN)
for (const [path, { file }] of [...picked].sort()) {
  wanted.add(path)
  const target = join(here, path)
  const content = readFileSync(file)
  if (check) {
    if (!existsSync(target) || !readFileSync(target).equals(content)) drift.push(path)
  } else {
    mkdirSync(dirname(target), { recursive: true })
    cpSync(file, target)
  }
}
for (const file of walk(here)) {
  const path = relative(here, file)
  if (wanted.has(path)) continue
  if (check) drift.push(`${path} (not from a pinned source)`)
  else rmSync(file)
}

const counts = {}
for (const { name } of picked.values()) counts[name] = (counts[name] ?? 0) + 1
const summary = Object.entries(counts)
  .map(([name, n]) => `${MODULES[name].path}@${MODULES[name].version}: ${n} files`)
  .join('\n')
if (check) {
  if (drift.length > 0) {
    console.error(`proto/ differs from the pinned sources:\n  ${drift.join('\n  ')}`)
    process.exit(1)
  }
  console.log(`proto/ matches the pinned sources\n${summary}`)
} else {
  console.log(summary)
}
