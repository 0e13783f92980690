// A local keyring: one JSON file per key under `<home>/keys/`, readable only by the user. Keys
// are stored unencrypted, like pocketd's `--keyring-backend test`: for development networks.
// Keys derived from the public TEST mnemonic are labelled TEST everywhere they are shown.

import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import {
  COSMOS_HD_PATH,
  getAddress,
  isAddress,
  privateKeyFromHex,
  privateKeyFromMnemonic,
  privateKeyToHex,
} from '@decai/crypto'
import { CliError } from './errors.js'

export type StoredKey = {
  name: string
  address: string
  /** Hex secp256k1 private key. */
  privateKey: string
  mnemonic?: string
  hdPath?: string
  /** Derived from the public TEST mnemonic (or imported as a devnet TEST key): never for real funds. */
  test: boolean
  createdAt: string
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export type Keyring = {
  readonly dir: string
  list(): StoredKey[]
  get(name: string): StoredKey
  has(name: string): boolean
  /** Stores a key; refuses to replace one unless `overwrite`. */
  add(key: Omit<StoredKey, 'address' | 'createdAt'>, options?: { overwrite?: boolean }): StoredKey
  delete(name: string): void
  /** A key name or a `pokt1…` address, as an address. */
  resolveAddress(nameOrAddress: string): string
  privateKey(name: string): Uint8Array
}

export function openKeyring(home: string): Keyring {
  const dir = join(home, 'keys')
  const file = (name: string) => {
    if (!NAME.test(name))
      throw new CliError('USAGE', `Invalid key name "${name}".`, {
        details: 'letters, digits, ".", "_" and "-", at most 64',
      })
    return join(dir, `${name}.json`)
  }
  const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as StoredKey
  const keyring: Keyring = {
    dir,
    list() {
      if (!existsSync(dir)) return []
      return readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => read(join(dir, f)))
        .sort((a, b) => a.name.localeCompare(b.name))
    },
    has: (name) => existsSync(file(name)),
    get(name) {
      const path = file(name)
      if (!existsSync(path))
        throw new CliError('KEY_NOT_FOUND', `No key named "${name}".`, {
          details: `keyring: ${dir} (decai keys list)`,
        })
      return read(path)
    },
    add(key, options = {}) {
      const path = file(key.name)
      if (existsSync(path) && !options.overwrite)
        throw new CliError('KEY_EXISTS', `A key named "${key.name}" exists already.`)
      const stored: StoredKey = {
        ...key,
        address: getAddress(privateKeyFromHex(key.privateKey)),
        createdAt: new Date().toISOString(),
      }
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      writeFileSync(path, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 })
      chmodSync(path, 0o600)
      return stored
    },
    delete(name) {
      keyring.get(name)
      rmSync(file(name))
    },
    resolveAddress(nameOrAddress) {
      if (isAddress(nameOrAddress)) return nameOrAddress
      if (NAME.test(nameOrAddress) && keyring.has(nameOrAddress))
        return keyring.get(nameOrAddress).address
      throw new CliError(
        'KEY_NOT_FOUND',
        `"${nameOrAddress}" is neither a key name nor a pokt1… address.`,
      )
    },
    privateKey: (name) => privateKeyFromHex(keyring.get(name).privateKey),
  }
  return keyring
}

/** A key from a mnemonic at an HD path (pocketd's default path unless given). */
export async function keyFromMnemonic(
  name: string,
  mnemonic: string,
  hdPath: string = COSMOS_HD_PATH,
): Promise<Omit<StoredKey, 'address' | 'createdAt'>> {
  const normalized = mnemonic.trim().split(/\s+/).join(' ')
  const privateKey = privateKeyToHex(privateKeyFromMnemonic(normalized, { path: hdPath }))
  // The devnet (and its native SQLite) loads only when a mnemonic is imported.
  const { TEST_MNEMONIC } = await import('@decai/devnet')
  return { name, privateKey, mnemonic: normalized, hdPath, test: normalized === TEST_MNEMONIC }
}
