#!/usr/bin/env node
// CI guard: generated code and pinned inputs must be exactly what their commands produce.
//   - proto/ equals what proto/sync.mjs copies from the pinned Go modules;
//   - every package's src/gen equals what `pnpm generate` writes from proto/, and from the
//     vectors the Go reference writes (@decai/protocol's error registry, test/vectors/errors.json,
//     which `pnpm test:conformance` in turn checks against the linked poktroll packages).
import { execFileSync } from 'node:child_process'

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' })

run('node', ['proto/sync.mjs', '--check'])
run('pnpm', ['run', 'generate'])
const drift = execFileSync('git', ['status', '--porcelain', '--', 'packages/*/src/gen'], {
  encoding: 'utf8',
})
if (drift.trim()) {
  console.error(
    `Generated code differs from the committed files (run \`pnpm generate\`):\n${drift}`,
  )
  process.exit(1)
}
console.log('generated code matches its inputs')
