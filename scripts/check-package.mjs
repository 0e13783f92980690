#!/usr/bin/env node
// `check:package` of every published package: lints the package as npm would receive it.
// Run from the package directory after `build`.
//   - publint on the packed tarball (pnpm pack applies publishConfig, so dist/ is what is checked);
//   - are-the-types-wrong on the same tarball, for Node 16+ resolution (ESM and CJS).
// `cjs-resolves-to-esm` is allowed: our CJS builds require ESM-only dependencies such as
// @noble/curves v2, which Node >= 20.19 (our engines floor) loads through require(esm).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' })
const dir = mkdtempSync(join(tmpdir(), 'decai-pack-'))
try {
  execFileSync('pnpm', ['pack', '--pack-destination', dir], { stdio: 'ignore' })
  const tarball = join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.tgz')),
  )
  run('pnpm', ['exec', 'publint', '--strict', tarball])
  run('pnpm', [
    'exec',
    'attw',
    tarball,
    '--profile',
    'node16',
    '--ignore-rules',
    'cjs-resolves-to-esm',
  ])
} finally {
  rmSync(dir, { recursive: true, force: true })
}
