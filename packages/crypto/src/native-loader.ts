/// <reference types="node" />
// Node: loads libsecp256k1 through the optional `secp256k1` package, and reads the backend
// setting from the environment. Resolved through the package's `#native-loader` import, whose
// `node` condition lands here; browsers and other runtimes get native-loader.browser.ts, so no
// bundler ever sees this file or the addon.

import { createRequire } from 'node:module'
import type { NativeLoad, Secp256k1Binding } from './native-binding.js'

/**
 * Requires `secp256k1/bindings` (the N-API addon with its prebuilt binary; never the package's
 * main entry, whose fallback is the `elliptic` JavaScript library).
 */
export function loadNativeSecp256k1(): NativeLoad {
  try {
    const require = createRequire(import.meta.url)
    return { binding: require('secp256k1/bindings') as Secp256k1Binding }
  } catch (error) {
    return { reason: (error as Error).message.split('\n')[0] ?? 'unknown' }
  }
}

/** The `DECAI_CRYPTO_BACKEND` environment variable: `pure`, `native` or `auto` (the default). */
export function readBackendSetting(): string | undefined {
  return process.env['DECAI_CRYPTO_BACKEND']
}
