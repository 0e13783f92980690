import type { KeyStoreConfig } from './config.js'
import { GatewayError } from './errors.js'
import type { KeyStore } from './key-store.js'
import { SqliteKeyStore } from './sqlite-key-store.js'

/** Opens the key store the config names (`store.kind`), ready for use. */
export async function openKeyStore(config: KeyStoreConfig): Promise<KeyStore> {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteKeyStore(config.path)
    default:
      throw new GatewayError('INVALID_CONFIG', 'Invalid gateway config.', {
        details: `store.kind: "${config.kind}" is not available`,
      })
  }
}
