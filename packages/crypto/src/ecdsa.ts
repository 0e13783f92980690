// cosmos-sdk secp256k1 signatures (`PrivKey.Sign` / `PubKey.VerifySignature`), which poktroll
// suppliers use to sign relay responses.

import { createHmacDrbg } from '@noble/curves/utils.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { nativeBinding } from './backend.js'
import { bytesToBigInt, isBelow32, isBytes, isZero32, writeBigInt32 } from './bytes.js'
import { CryptoError } from './errors.js'
import { HALF_N_PLUS_ONE_BYTES, invN, modN, N, N_BYTES } from './field.js'
import { parsePrivateKey, parsePrivateKeyBytes } from './keys.js'
import type { Secp256k1Binding } from './native-binding.js'
import {
  addMultiplePublic,
  addMultiplesPublic,
  baseTable,
  decodePoint,
  identity,
  readUint256,
  toAffineBatch,
  writeScalar,
} from './point.js'
import { type CachedPoint, internPoint, lookupPoint, useTable } from './ring-cache.js'
import { randomScalar, type SecretScalar, toSecretScalar } from './scalar.js'
import { multiplyBaseSecret, signDigestSecretNative } from './secret-multiply.js'

const HALF_N = N >> 1n

// RFC 6979 HMAC-DRBG over SHA-256; the state lives only for one call.
const drbg = createHmacDrbg<Uint8Array>(32, 32, (key: Uint8Array, data: Uint8Array) =>
  hmac(sha256, key, data),
)

/**
 * Signs like cosmos `PrivKey.Sign(message)`: ECDSA over SHA-256(message), RFC 6979 nonce, low-S,
 * returned as 64 bytes r ‖ s. The same key and message always give the same bytes.
 */
export function signSecp256k1(message: Uint8Array, privateKey: Uint8Array): Uint8Array {
  if (!isBytes(message))
    throw new CryptoError('INVALID_MESSAGE', 'Expected the message as a Uint8Array.')
  const binding = nativeBinding()
  if (binding !== undefined) {
    // libsecp256k1 takes the key as bytes: validated as bytes, it never becomes a bigint.
    const key = parsePrivateKeyBytes(privateKey)
    const digest = sha256(message)
    // libsecp256k1 seeds RFC 6979 with the digest as is, the standard with the digest mod n: they
    // agree below n, that is for every digest but about 2^-128 of them, which take the pure path.
    if (isBelow32(digest, 0, N_BYTES)) return signDigestSecretNative(binding, digest, key)
    return signDigestPure(digest, privateKey, parsePrivateKey(privateKey))
  }
  return signDigestPure(sha256(message), privateKey, parsePrivateKey(privateKey))
}

/** RFC 6979 ECDSA on the pure backend (and for the digests libsecp256k1 would seed differently). */
function signDigestPure(digest: Uint8Array, privateKey: Uint8Array, d: SecretScalar): Uint8Array {
  const e = modN(bytesToBigInt(digest))
  const eBytes = new Uint8Array(32)
  writeScalar(e, eBytes, 0)
  // RFC 6979 3.2: seed = int2octets(d) ‖ bits2octets(h1); candidates k until r and s are non-zero.
  return drbg(concatBytes(privateKey, eBytes), (kBytes) => {
    const candidate = bytesToBigInt(kBytes)
    if (candidate === 0n || candidate >= N) return undefined
    const k = toSecretScalar(candidate)
    // The nonce commitment k·G: a nonce leaked by timing gives the private key away.
    const r = modN(multiplyBaseSecret(k).x)
    if (r === 0n) return undefined
    // s = k⁻¹(e + r·d), with the inversion blinded by a random b so that its variable-time
    // Euclid sees b·k, not k: s = (b·k)⁻¹·(b·e + b·d·r).
    const b = randomScalar()
    let s = modN(invN(modN(b * k)) * modN(modN(b * e) + modN(modN(b * d) * r)))
    if (s === 0n) return undefined
    if (s > HALF_N) s = N - s
    const out = new Uint8Array(64)
    writeScalar(r, out, 0)
    writeScalar(s, out, 32)
    return out
  })
}

function publicKeyEntry(publicKey: Uint8Array): CachedPoint | undefined {
  if (!isBytes(publicKey)) return undefined
  if (publicKey.length === 33) return lookupPoint(publicKey)
  const point = decodePoint(publicKey)
  return point === undefined ? undefined : internPoint(point)
}

/**
 * Verifies like cosmos `PubKey.VerifySignature(message, signature)`: exactly 64 bytes r ‖ s (each
 * reduced mod n, as decred does), s not above n/2, over SHA-256(message). Returns false for
 * anything else, including a malformed public key.
 */
export function verifySecp256k1(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (!isBytes(signature) || signature.length !== 64 || !isBytes(message)) return false
  const binding = nativeBinding()
  if (binding !== undefined) return verifyNative(binding, signature, message, publicKey)
  const q = publicKeyEntry(publicKey)
  if (q === undefined) return false
  const r = modN(readUint256(signature, 0))
  const s = modN(readUint256(signature, 32))
  if (r === 0n || s === 0n || s > HALF_N) return false
  const e = modN(bytesToBigInt(sha256(message)))
  const w = invN(s)
  const acc = identity()
  const table = useTable(q)
  const u2 = modN(r * w)
  // Verification multiplies public scalars only, so it takes the fast path.
  if (table === undefined) addMultiplesPublic(acc, [q.point], [u2])
  else addMultiplePublic(acc, table, u2)
  addMultiplePublic(acc, baseTable(), modN(e * w))
  const x = toAffineBatch([acc])[0]?.x
  // x mod n = r, i.e. x = r or x = r + n: decred's two comparisons.
  return x !== undefined && modN(x) === r
}

function verifyNative(
  binding: Secp256k1Binding,
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (!isBytes(publicKey)) return false
  let compact = signature
  // The usual signature, 0 < r < n and 0 < s ≤ n/2, is checked on its bytes and goes to
  // libsecp256k1 as it is; anything else takes the bigint path below.
  const canonical =
    !isZero32(signature, 0) &&
    !isZero32(signature, 32) &&
    isBelow32(signature, 0, N_BYTES) &&
    isBelow32(signature, 32, HALF_N_PLUS_ONE_BYTES)
  if (!canonical) {
    const rawR = readUint256(signature, 0)
    const rawS = readUint256(signature, 32)
    const r = modN(rawR)
    const s = modN(rawS)
    if (r === 0n || s === 0n || s > HALF_N) return false
    // decred reduces r and s mod n where libsecp256k1 refuses values of n and above.
    compact = new Uint8Array(64)
    writeBigInt32(r, compact, 0)
    writeBigInt32(s, compact, 32)
  }
  let key = publicKey
  if (publicKey.length === 33) {
    // A supplier's key verifies every frame it signs: kept uncompressed, it parses without a
    // square root. An invalid key is not cached and fails here, as libsecp256k1 would fail it.
    const entry = lookupPoint(publicKey)
    if (entry === undefined) return false
    key = entry.uncompressed(binding)
  }
  try {
    return binding.ecdsaVerify(compact, sha256(message), key)
  } catch {
    // A public key libsecp256k1 cannot parse (decred's ParsePubKey refuses the same encodings).
    return false
  }
}

function assertHash(hash: unknown): asserts hash is Uint8Array {
  if (!isBytes(hash) || hash.length !== 32) {
    throw new CryptoError('INVALID_MESSAGE', 'Expected the 32-byte signable-bytes hash.')
  }
}

/**
 * A supplier's relay-response signature: `signSecp256k1` over the response's 32-byte
 * signable-bytes hash (so ECDSA runs over a double SHA-256 of the marshaled response).
 */
export function signSupplierPayload(
  signableBytesHash: Uint8Array,
  privateKey: Uint8Array,
): Uint8Array {
  assertHash(signableBytesHash)
  return signSecp256k1(signableBytesHash, privateKey)
}

/** Verifies a supplier's relay-response signature over the 32-byte signable-bytes hash. */
export function verifySupplierSignature(
  signature: Uint8Array,
  signableBytesHash: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  assertHash(signableBytesHash)
  return verifySecp256k1(signature, signableBytesHash, publicKey)
}
