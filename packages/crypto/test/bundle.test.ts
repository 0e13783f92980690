// Bundlers for browsers must never see the native backend: the package's `#native-loader` import
// resolves to the browser loader under the `browser` (and `default`) condition, so the addon's
// require and node:module stay out of the bundle, and the bundle runs on the pure backend.

import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { expect, it } from 'vitest'

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url))

async function bundle(platform: 'browser' | 'node'): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform,
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}

it('leaves the native loader out of a browser bundle', async () => {
  const code = await bundle('browser')
  expect(code).not.toContain('secp256k1/bindings')
  expect(code).not.toContain('node:module')
  expect(code).toContain('the native backend is Node-only')
  // The bundle works, on the pure backend.
  const api = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)
  expect(api.getCryptoBackend()).toBe('pure')
  expect(api.getPublicKey(new Uint8Array(32).fill(1))).toHaveLength(33)
})

it('takes the Node loader under the node condition', async () => {
  const code = await bundle('node')
  expect(code).toContain('secp256k1/bindings')
  expect(code).not.toContain('the native backend is Node-only')
})
