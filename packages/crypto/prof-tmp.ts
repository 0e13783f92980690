import { createRequire } from 'node:module'
import { generatePrivateKey, createRingSigner, getPlaceholderRingKey, getPublicKey, setCryptoBackend, serializeRingSignature } from './src/index.js'
import { multiplyBaseSecret, multiplySecret, prepareSecretBase, multiplyBaseSecretNative, multiplySecretNative } from './src/secret-multiply.js'
import { randomSecretScalar } from './src/scalar.js'
import { lookupPoint } from './src/ring-cache.js'
const require = createRequire(import.meta.url)
const b = require('secp256k1/bindings')
function t(name: string, f: (i: number) => unknown, n = 2000) {
  for (let i = 0; i < 50; i++) f(i)
  let best = Infinity
  for (let r = 0; r < 4; r++) {
    const s = performance.now()
    for (let i = 0; i < n; i++) f(i)
    best = Math.min(best, ((performance.now() - s) * 1000) / n)
  }
  console.log(name.padEnd(30), best.toFixed(1), 'µs')
}
for (const backend of ['native', 'pure'] as const) {
  setCryptoBackend(backend)
  const app = generatePrivateKey()
  const ring = [getPlaceholderRingKey().publicKey, getPublicKey(app)]
  const signer = createRingSigner(app)
  const msgs = Array.from({ length: 64 }, () => crypto.getRandomValues(new Uint8Array(32)))
  const hp = lookupPoint(getPublicKey(app))!.hashPoint()
  const base = prepareSecretBase(hp.point, true)
  const n = backend === 'native' ? 2000 : 300
  t(`${backend} ring-2 sign`, (i) => serializeRingSignature(signer.sign(msgs[i & 63]!, ring)), n)
  if (backend === 'native') {
    t('native u·G', () => multiplyBaseSecretNative(b, randomSecretScalar()), n)
    t('native u·Hp', () => multiplySecretNative(b, hp.bytes, randomSecretScalar()), n)
  } else {
    t('pure u·G', () => multiplyBaseSecret(randomSecretScalar()), n)
    t('pure u·Hp', () => multiplySecret(base, randomSecretScalar()), n)
  }
}
