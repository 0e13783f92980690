import type { Secp256k1Binding } from '../src/native-binding.js'
import { loadNativeSecp256k1 } from '../src/native-loader.js'

let loaded: Secp256k1Binding | null | undefined

/** libsecp256k1 when it loads here (whatever backend is active), for tests of the native kernel. */
export function loadNativeForTests(): Secp256k1Binding | undefined {
  if (loaded === undefined) {
    const result = loadNativeSecp256k1()
    loaded = 'binding' in result ? result.binding : null
  }
  return loaded ?? undefined
}
