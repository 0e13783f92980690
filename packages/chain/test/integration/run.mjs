#!/usr/bin/env node
// The integration suite on either backend: `pnpm test:chain [--backend devnet|pocketd] [vitest
// arguments]` from the root (or `pnpm test:integration ...` here). It sets CHAIN_BACKEND for the
// tests and runs vitest with the integration config; everything else is passed to vitest.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BACKENDS = ['devnet', 'pocketd']

/** `--backend X` or `--backend=X`, out of the arguments; the rest is for vitest. */
export function parseBackend(argv, fallback = 'devnet') {
  const rest = []
  let backend = fallback
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') continue
    if (arg === '--backend' || arg.startsWith('--backend=')) {
      const value = arg === '--backend' ? argv[++i] : arg.slice('--backend='.length)
      if (!BACKENDS.includes(value)) {
        throw new Error(
          `--backend must be one of ${BACKENDS.join(', ')}, not ${value ?? 'nothing'}`,
        )
      }
      backend = value
      continue
    }
    rest.push(arg)
  }
  return { backend, rest }
}

async function main() {
  let parsed
  try {
    parsed = parseBackend(process.argv.slice(2), process.env.CHAIN_BACKEND ?? 'devnet')
  } catch (error) {
    console.error(`test:chain: ${error.message}`)
    process.exit(2)
  }
  const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
  const require = createRequire(import.meta.url)
  const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs')
  console.error(`chain integration suite on ${parsed.backend}`)
  if (parsed.backend === 'pocketd' && !process.env.POCKETD_RPC_URL) {
    // Build (or find) the binary before vitest starts: a cold build takes minutes, far longer
    // than a test hook may.
    const { buildPocketd } = await import('../../../../tools/pocketd/lib/build.mjs')
    console.error(`pocketd: ${await buildPocketd()}`)
  }
  const child = spawn(
    process.execPath,
    [vitest, 'run', '--config', 'vitest.integration.config.ts', ...parsed.rest],
    { cwd: packageDir, stdio: 'inherit', env: { ...process.env, CHAIN_BACKEND: parsed.backend } },
  )
  const forward = (signal) => child.kill(signal)
  process.on('SIGINT', forward)
  process.on('SIGTERM', forward)
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`test:chain: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  })
}
