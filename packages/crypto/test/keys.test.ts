import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import {
  bytesToHex,
  decodeAddress,
  encodeAddress,
  generateMnemonic,
  generatePrivateKey,
  getAddress,
  getPlaceholderRingKey,
  getPublicKey,
  isAddress,
  isCryptoError,
  privateKeyFromHex,
  privateKeyFromMnemonic,
  privateKeyToHex,
  pubkeyToAddress,
} from '../src/index.js'
import { h, loadVectors } from './load-vectors.js'

type KeyVectors = {
  keys: { privateKey: string; publicKey: string; addressHex: string; address: string }[]
  mnemonics: {
    mnemonic: string
    passphrase: string
    path: string
    privateKey: string
    publicKey: string
    address: string
  }[]
  placeholder: {
    secret: string
    privateKey: string
    publicKey: string
    ringAddress: string
    address: string
  }
}

const vectors = loadVectors<KeyVectors>('crypto-keys')

function codeOf(f: () => unknown): string | undefined {
  try {
    f()
  } catch (error) {
    return isCryptoError(error) ? error.code : 'NOT_A_CRYPTO_ERROR'
  }
  return undefined
}

describe('keys and addresses (cosmos secp256k1)', () => {
  it.each(vectors.keys)('derives $address', (v) => {
    const priv = privateKeyFromHex(v.privateKey)
    expect(bytesToHex(getPublicKey(priv))).toBe(v.publicKey)
    expect(pubkeyToAddress(h(v.publicKey))).toBe(v.address)
    expect(getAddress(priv)).toBe(v.address)
    expect(bytesToHex(decodeAddress(v.address, 'pokt').bytes).toUpperCase()).toBe(v.addressHex)
    expect(privateKeyToHex(priv)).toBe(v.privateKey)
  })

  it.each(vectors.mnemonics)('derives $address from a mnemonic along $path', (v) => {
    const priv = privateKeyFromMnemonic(v.mnemonic, { passphrase: v.passphrase, path: v.path })
    expect(bytesToHex(priv)).toBe(v.privateKey)
    expect(bytesToHex(getPublicKey(priv))).toBe(v.publicKey)
    expect(getAddress(priv)).toBe(v.address)
  })

  it('defaults to the pocketd HD path and an empty passphrase', () => {
    const v = vectors.mnemonics.find((m) => m.path === "m/44'/118'/0'/0/0" && m.passphrase === '')!
    expect(bytesToHex(privateKeyFromMnemonic(v.mnemonic))).toBe(v.privateKey)
  })

  it('derives the placeholder ring key as poktroll does', () => {
    const p = getPlaceholderRingKey()
    expect(bytesToHex(p.privateKey)).toBe(vectors.placeholder.privateKey)
    expect(bytesToHex(p.publicKey)).toBe(vectors.placeholder.publicKey)
    expect(p.ringAddress).toBe(vectors.placeholder.ringAddress)
    expect(p.address).toBe(vectors.placeholder.address)
  })

  it('round-trips generated keys and mnemonics', () => {
    const priv = generatePrivateKey()
    expect(privateKeyFromHex(`0x${bytesToHex(priv)}`)).toEqual(priv)
    const mnemonic = generateMnemonic()
    expect(mnemonic.split(' ')).toHaveLength(24)
    expect(privateKeyFromMnemonic(mnemonic)).toHaveLength(32)
    expect(generateMnemonic(12).split(' ')).toHaveLength(12)
  })

  it('rejects bad keys, mnemonics and paths with typed errors', () => {
    expect(codeOf(() => privateKeyFromHex('00'.repeat(32)))).toBe('INVALID_PRIVATE_KEY')
    expect(codeOf(() => privateKeyFromHex('zz'))).toBe('INVALID_PRIVATE_KEY')
    expect(codeOf(() => privateKeyFromHex('ff'.repeat(32)))).toBe('INVALID_PRIVATE_KEY')
    expect(codeOf(() => getPublicKey(new Uint8Array(31)))).toBe('INVALID_PRIVATE_KEY')
    expect(codeOf(() => privateKeyFromMnemonic('abandon abandon'))).toBe('INVALID_MNEMONIC')
    const m = vectors.mnemonics[0]!.mnemonic
    expect(codeOf(() => privateKeyFromMnemonic(m, { path: "m/44'/x" }))).toBe('INVALID_HD_PATH')
    expect(codeOf(() => pubkeyToAddress(new Uint8Array(33)))).toBe('INVALID_PUBLIC_KEY')
    expect(codeOf(() => generateMnemonic(13 as 12))).toBe('INVALID_INPUT')
  })

  it('accepts uncompressed public keys and hashes their compressed form', () => {
    const v = vectors.keys[5]!
    const uncompressed = secp256k1.getPublicKey(h(v.privateKey), false)
    expect(pubkeyToAddress(uncompressed)).toBe(v.address)
  })

  it('validates bech32 addresses', () => {
    const a = vectors.keys[0]!.address
    expect(isAddress(a)).toBe(true)
    expect(isAddress(a, 'cosmos')).toBe(false)
    expect(isAddress(`${a.slice(0, -1)}${a.endsWith('q') ? 'p' : 'q'}`)).toBe(false)
    expect(isAddress('')).toBe(false)
    expect(isAddress(42 as unknown as string)).toBe(false)
    expect(encodeAddress(decodeAddress(a).bytes)).toBe(a)
    expect(codeOf(() => decodeAddress(a, 'cosmos'))).toBe('INVALID_ADDRESS')
    expect(codeOf(() => encodeAddress(new Uint8Array(0)))).toBe('INVALID_ADDRESS')
  })
})
