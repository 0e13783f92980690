#!/usr/bin/env node
// `pnpm test:conformance`: proves in both directions that the TypeScript packages and the Go
// reference (poktroll v0.1.35, smt v0.14.1, ring-go v0.2.0) agree byte for byte.
//
//   1. build the Go harness (CGO disabled, as poktroll release builds are);
//   2. Go regenerates every deterministic vector and compares it with the committed file, and
//      re-verifies the randomized ones (ring signatures);
//   3. every packages/*/test/conformance/produce.ts writes what our TypeScript makes, and Go
//      verifies it;
//   4. negative controls: one corrupted byte in a produced file, or in a committed vector, must
//      make the Go check fail. A harness that cannot fail proves nothing.
//
// `node tools/conformance/run.mjs --generate [names]` rewrites the committed vectors instead.
import { execFileSync, spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const harnessDir = dirname(fileURLToPath(import.meta.url))
const root = join(harnessDir, '../..')
const outDir = join(harnessDir, 'out')
const binary = join(outDir, 'conformance')
let passed = 0
let failed = 0

function step(name, ok, detail = '') {
  if (ok) passed++
  else failed++
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`)
}

function run(cmd, args, options = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', ...options })
}

function buildHarness() {
  mkdirSync(outDir, { recursive: true })
  execFileSync('go', ['build', '-o', binary, '.'], {
    cwd: harnessDir,
    stdio: 'inherit',
    env: { ...process.env, CGO_ENABLED: '0' },
  })
}

function listVectorFiles() {
  const files = []
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const dir = join(root, 'packages', pkg, 'test/vectors')
    if (!existsSync(dir)) continue
    for (const name of readdirSync(dir)) if (name.endsWith('.json')) files.push(join(dir, name))
  }
  return files
}

function listProducers() {
  return readdirSync(join(root, 'packages'))
    .map((pkg) => join(root, 'packages', pkg, 'test/conformance/produce.ts'))
    .filter((file) => existsSync(file))
}

// Flips one hex digit of the `nth` hex string (at least one byte long) found in `value`.
function corruptHex(value, nth) {
  let seen = 0
  let done = false
  const visit = (v) => {
    if (done) return v
    if (typeof v === 'string' && v.length >= 2 && v.length % 2 === 0 && /^[0-9a-f]+$/.test(v)) {
      if (seen++ === nth) {
        done = true
        const i = Math.floor(v.length / 2)
        const flipped = (Number.parseInt(v[i], 16) ^ 0x1).toString(16)
        return v.slice(0, i) + flipped + v.slice(i + 1)
      }
      return v
    }
    if (Array.isArray(v)) return v.map(visit)
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]))
    return v
  }
  const result = visit(value)
  return done ? result : undefined
}

function main() {
  const generate = process.argv.includes('--generate')
  buildHarness()

  if (generate) {
    const only = process.argv.slice(process.argv.indexOf('--generate') + 1).join(',')
    execFileSync(binary, ['generate', '-root', root, ...(only ? ['-only', only] : [])], {
      stdio: 'inherit',
    })
    return
  }

  // Go -> TypeScript: the committed vectors are what Go makes today.
  const check = run(binary, ['check', '-root', root])
  process.stdout.write(check.stdout)
  step('committed vectors equal the Go reference', check.status === 0, check.stderr.trim())

  // TypeScript -> Go.
  const tsOut = join(outDir, 'ts')
  rmSync(tsOut, { recursive: true, force: true })
  mkdirSync(tsOut, { recursive: true })
  for (const producer of listProducers()) {
    const res = run('pnpm', ['exec', 'tsx', producer, tsOut], { cwd: root })
    step(
      `produce ${relative(root, producer)}`,
      res.status === 0,
      (res.stderr || res.stdout).trim().split('\n').slice(-3).join(' | '),
    )
  }
  const verify = run(binary, ['verify', '-in', tsOut])
  process.stdout.write(verify.stdout)
  step('TypeScript output verified by the Go reference', verify.status === 0, verify.stderr.trim())

  // Negative controls.
  const scratch = join(outDir, 'negative')
  for (const file of readdirSync(tsOut).filter((f) => f.endsWith('.json'))) {
    const produced = JSON.parse(readFileSync(join(tsOut, file), 'utf8'))
    for (const nth of [0, 3, 11]) {
      const corrupted = corruptHex(produced.cases, nth)
      if (!corrupted) continue
      rmSync(scratch, { recursive: true, force: true })
      mkdirSync(scratch, { recursive: true })
      writeFileSync(join(scratch, file), JSON.stringify({ ...produced, cases: corrupted }))
      const res = run(binary, ['verify', '-in', scratch])
      step(`Go rejects ${file} with hex string #${nth} corrupted`, res.status !== 0)
    }
  }
  for (const file of listVectorFiles()) {
    const committed = JSON.parse(readFileSync(file, 'utf8'))
    const corrupted = corruptHex(committed.vectors, 0)
    if (!corrupted) continue
    rmSync(scratch, { recursive: true, force: true })
    const copy = join(scratch, relative(root, file))
    mkdirSync(dirname(copy), { recursive: true })
    cpSync(file, copy)
    writeFileSync(copy, JSON.stringify({ ...committed, vectors: corrupted }))
    const res = run(binary, ['check', '-root', scratch, '-only', committed.generator])
    step(`Go rejects ${relative(root, file)} with one byte changed`, res.status !== 0)
  }
  rmSync(scratch, { recursive: true, force: true })

  console.log(`\nconformance: ${passed} passed, ${failed} failed`)
  process.exit(failed === 0 ? 0 : 1)
}

main()
