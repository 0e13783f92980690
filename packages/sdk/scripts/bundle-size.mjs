#!/usr/bin/env node
// Measures what the application client costs in a browser bundle: esbuild (through tsup's copy),
// platform browser, ES2022, minified, every dependency bundled, then gzip -9. Prints one line per
// entry and, with --verbose, the largest input packages.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(createRequire(join(root, 'package.json')).resolve('tsup'))
const esbuild = require('esbuild')

const entries = {
  'createClient (application client)': "export { createClient } from './src/index.ts'",
  'everything in the main entry': "export * from './src/index.ts'",
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`
for (const [label, contents] of Object.entries(entries)) {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'error',
  })
  const code = result.outputFiles[0].contents
  console.log(
    `${label}: ${kb(code.length)} minified, ${kb(gzipSync(code, { level: 9 }).length)} gzipped`,
  )
  if (process.argv.includes('--verbose')) {
    const byPackage = new Map()
    for (const [file, info] of Object.entries(result.metafile.outputs)[0][1].inputs
      ? Object.entries(Object.values(result.metafile.outputs)[0].inputs)
      : []) {
      const match = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(
        file,
      )
      const name = match
        ? match[1]
        : file
            .replace(/^(\.\.\/)+/, '')
            .split('/')
            .slice(0, 2)
            .join('/')
      byPackage.set(name, (byPackage.get(name) ?? 0) + info.bytesInOutput)
    }
    for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15))
      console.log(`  ${kb(bytes).padStart(10)}  ${name}`)
  }
}
