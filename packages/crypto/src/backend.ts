// Which secp256k1 implementation runs: libsecp256k1 through the optional `secp256k1` package
// (`native`, Node only) or this package's TypeScript on @noble/curves (`pure`, everywhere). The
// choice is made once, on first use, from `DECAI_CRYPTO_BACKEND` (`auto` when unset: native when
// the addon loads, pure otherwise), and can be changed with `setCryptoBackend`. Both produce the
// same bytes: ECDSA is deterministic (RFC 6979) and a ring signature verifies on either.

import { loadNativeSecp256k1, readBackendSetting } from '#native-loader'
import { CryptoError } from './errors.js'
import type { NativeLoad, Secp256k1Binding } from './native-binding.js'

/** The implementation running: `native` (libsecp256k1) or `pure` (TypeScript). */
export type CryptoBackend = 'native' | 'pure'

/** What may be asked for: a backend, or `auto` (native when available). */
export type CryptoBackendSetting = CryptoBackend | 'auto'

const SETTINGS: readonly string[] = ['auto', 'native', 'pure']

let loaded: NativeLoad | undefined
let active: { name: CryptoBackend; binding: Secp256k1Binding | undefined } | undefined

function loadOnce(): NativeLoad {
  if (loaded === undefined) {
    loaded = loadNativeSecp256k1()
    // Blinds libsecp256k1's fixed-base multiplication with fresh randomness (side-channel
    // hardening the library recommends once per context).
    if ('binding' in loaded) loaded.binding.contextRandomize(randomSeed())
  }
  return loaded
}

function randomSeed(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32))
}

/**
 * Resolves a setting against what is loadable. `load` is injectable for tests; by default it is
 * the platform's loader (the addon on Node, nothing in browsers).
 */
export function resolveCryptoBackend(
  setting: unknown,
  load: () => NativeLoad = loadOnce,
): { name: CryptoBackend; binding: Secp256k1Binding | undefined } {
  const wanted = setting === undefined || setting === '' ? 'auto' : setting
  if (typeof wanted !== 'string' || !SETTINGS.includes(wanted)) {
    throw new CryptoError('INVALID_CRYPTO_BACKEND', 'Unknown crypto backend.', {
      details: `${String(wanted)}; expected pure, native or auto (DECAI_CRYPTO_BACKEND)`,
    })
  }
  if (wanted === 'pure') return { name: 'pure', binding: undefined }
  const result = load()
  if ('binding' in result) return { name: 'native', binding: result.binding }
  if (wanted === 'native') {
    throw new CryptoError(
      'NATIVE_BACKEND_UNAVAILABLE',
      'The native secp256k1 backend is not available.',
      { details: result.reason },
    )
  }
  return { name: 'pure', binding: undefined }
}

/** The libsecp256k1 binding when the native backend is active, else undefined. */
export function nativeBinding(): Secp256k1Binding | undefined {
  active ??= resolveCryptoBackend(readBackendSetting())
  return active.binding
}

/**
 * The secp256k1 backend in use: `native` (libsecp256k1, on Node with the optional `secp256k1`
 * package) or `pure` (TypeScript, everywhere). Throws `NATIVE_BACKEND_UNAVAILABLE` when
 * `DECAI_CRYPTO_BACKEND=native` and the addon does not load, and `INVALID_CRYPTO_BACKEND` for an
 * unknown value.
 */
export function getCryptoBackend(): CryptoBackend {
  active ??= resolveCryptoBackend(readBackendSetting())
  return active.name
}

/**
 * Switches the backend for the whole process (`auto`: native when available) and returns the one
 * now in use. `native` throws `NATIVE_BACKEND_UNAVAILABLE` when the addon does not load. Keys,
 * signatures and caches stay valid across a switch.
 */
export function setCryptoBackend(setting: CryptoBackendSetting): CryptoBackend {
  active = resolveCryptoBackend(setting)
  return active.name
}
