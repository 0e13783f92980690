// Browsers and every runtime without the `node` condition: no native addon and no environment,
// so the pure TypeScript backend is always used.

import type { NativeLoad } from './native-binding.js'

export function loadNativeSecp256k1(): NativeLoad {
  return { reason: 'not running on Node: the native backend is Node-only' }
}

export function readBackendSetting(): string | undefined {
  return undefined
}
