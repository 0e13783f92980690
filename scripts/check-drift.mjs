#!/usr/bin/env node
// CI guard: generated code and pinned inputs must be exactly what their commands produce.
//   - proto/ equals what proto/sync.mjs copies from the pinned Go modules;
//   - every package's src/gen equals what `pnpm generate` writes from proto/, and from the
//     vectors the Go reference writes (@decai/protocol's error registry, test/vectors/errors.json,
//     which `pnpm test:conformance` in turn checks against the linked poktroll packages);
//   - @decai/sdk's re-export modules equal what its `reexports` script writes from the packages'
//     exports, so a name added to a package reaches the SDK in the same change.
import { execFileSync } from 'node:child_process'

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' })

run('node', ['proto/sync.mjs', '--check'])
run('pnpm', ['run', 'generate'])
run('pnpm', ['--filter', '@decai/sdk', 'reexports'])
const drift = execFileSync(
  'git',
  ['status', '--porcelain', '--', 'packages/*/src/gen', 'packages/sdk/src'],
  { encoding: 'utf8' },
)
if (drift.trim()) {
  console.error(
    `Generated code differs from the committed files (run \`pnpm generate\` and \`pnpm --filter @decai/sdk reexports\`):\n${drift}`,
  )
  process.exit(1)
}
console.log('generated code matches its inputs')
